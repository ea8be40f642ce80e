"""Rotate-and-Render pairs as `tf.data` pipelines: from a `make-rotation-pairs` folder, or made
on the fly from SynthPortraits.

Elements are dicts: `"render"` (the twice-rendered portrait) and `"target"` (the portrait), float32
(size, size, 3) in [-1, 1], and `"holes"`, float32 (size, size, 1), 1 where the render has no
texture.
"""

import csv
import glob
import os
import warnings

import cv2
import numpy as np
import tensorflow as tf

from keras_portrait.data.synth import SynthPortraits
from keras_portrait.data.synth_dataset import indexed_renders
from keras_portrait.face.mesh import rotation_pair
from keras_portrait.face.rotation_pairs import PAIRS
from keras_portrait.face.rotation_pairs import draw_turn


def pair_files(path):
    """The pairs.csv files of `path`: a pairs folder, its pairs.csv, a folder of pairs folders
    (searched recursively, e.g. one per source) or a list of any of these."""
    if isinstance(path, (list, tuple)):
        return [found for item in path for found in pair_files(item)]
    path = os.fspath(path)
    if os.path.isfile(path):
        return [path]
    if os.path.isfile(os.path.join(path, PAIRS)):
        return [os.path.join(path, PAIRS)]
    found = sorted(glob.glob(os.path.join(glob.escape(path), "**", PAIRS), recursive=True))
    if not found:
        raise FileNotFoundError(f"No {PAIRS} at {path!r}: make it with "
                                f"`keras-portrait make-rotation-pairs SRC DST`.")
    return found


def _read_pairs(path):
    """(rows, missing) of every pairs.csv of `path` (`pair_files`)."""
    rows, missing = [], []
    for csv_path in pair_files(path):
        root = os.path.dirname(os.path.abspath(csv_path))
        with open(csv_path, newline="") as f:
            for row in csv.DictReader(f):
                files = [os.path.join(root, row[key]) for key in ("render", "holes", "target")]
                (rows if all(os.path.isfile(p) for p in files) else missing).append(files)
    return rows, missing


def _side(path):
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None or image.shape[0] != image.shape[1]:
        raise ValueError(f"Expected a square image at {path!r}.")
    return int(image.shape[0])


def _decode(path, channels):
    return tf.io.decode_png(tf.io.read_file(path), channels=channels)


def rotation_pairs(path, image_size=None, batch_size=1, shuffle=True, augment=False, seed=None,
                   drop_remainder=True, repeat=False):
    """A dataset of the pairs written by `make_rotation_pairs`.

    Rows whose files are missing are skipped with a warning that counts them (listed in the
    dataset's `missing` attribute), never found mid-epoch.

    Args:
        path: str or list. A pairs folder or its `pairs.csv`, a folder of pairs folders
            (e.g. photos/ and paintings/, found recursively), or a list of these.
        image_size: int or None. Resize to this side; None keeps the written size.
        batch_size: int or None. None leaves the dataset unbatched. Defaults to `1`.
        shuffle: bool. Reshuffle every epoch. Defaults to `True`.
        augment: bool. Random horizontal flips (render, holes and target together).
            Defaults to `False`.
        seed: int or None. Shuffle and flip seed.
        drop_remainder: bool. Defaults to `True`.
        repeat: bool. Repeat forever. Defaults to `False`.
    """
    rows, missing = _read_pairs(path)
    if missing:
        warnings.warn(f"{len(missing)} rotation pair(s) skipped: files missing (first: "
                      f"{missing[0]})", stacklevel=2)
    if not rows:
        raise ValueError(f"No usable rotation pairs in {path!r}.")

    # The pairs of one folder share a size: read it once, so that the batches have a static
    # shape (the networks size their layers from it).
    size = image_size or _side(rows[0][2])

    def load(render, holes, target):
        images = [_decode(render, 3), _decode(holes, 1), _decode(target, 3)]
        # A no-op at the folder's own size; it also gives the tensors their static shape.
        images = [tf.image.resize(x, (size, size), antialias=True) for x in images]
        render, holes, target = (tf.cast(x, tf.float32) for x in images)
        element = {"render": render / 127.5 - 1.0,
                   "holes": tf.cast(holes > 127.5, tf.float32),
                   "target": target / 127.5 - 1.0}
        return element

    columns = [list(column) for column in zip(*rows)]
    dataset = tf.data.Dataset.from_tensor_slices(tuple(columns))
    if shuffle:
        dataset = dataset.shuffle(len(rows), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    if augment:
        dataset = dataset.map(_flip(seed), num_parallel_calls=tf.data.AUTOTUNE)
    dataset = _finish(dataset, batch_size, drop_remainder, repeat)
    dataset.missing = missing
    return dataset


def _flip(seed):
    generator = tf.random.Generator.from_seed(0 if seed is None else seed)

    def flip(element):
        mirrored = generator.uniform(()) < 0.5
        return {key: tf.cond(mirrored, lambda v=value: v[:, ::-1], lambda v=value: v)
                for key, value in element.items()}

    return flip


def _finish(dataset, batch_size, drop_remainder, repeat):
    if repeat:
        dataset = dataset.repeat()
    if batch_size is not None:
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    return dataset.prefetch(tf.data.AUTOTUNE)


def synth_rotation_pairs(image_size=64, batch_size=8, num_examples=1024, seed=0, style=None,
                         yaw_range=(-30.0, 30.0), turn_range=(-60.0, 60.0), min_turn=15.0,
                         shuffle=True, cache=False, drop_remainder=True, repeat=False):
    """Rotate-and-Render pairs of SynthPortraits, made on the fly with the renders' true
    landmarks (no detection): element `i` is always the same pair.

    Args:
        image_size: int. Defaults to `64`.
        batch_size: int or None. Defaults to `8`.
        num_examples: int. Pairs in one epoch. Defaults to `1024`.
        seed: int. SynthPortraits seed and the seed of the turns. Defaults to `0`.
        style: str or None. A SynthPortraits style; None draws one per portrait (photos and
            paintings mixed). Defaults to `None`.
        yaw_range: (float, float). Yaw of the portraits. Defaults to `(-30, 30)`.
        turn_range: (float, float). Yaw of the intermediate view. Defaults to `(-60, 60)`.
        min_turn: float. Smallest change of yaw. Defaults to `15`.
        shuffle, cache, drop_remainder, repeat: as `synth_portraits`.
    """
    if num_examples < 1:
        raise ValueError(f"`num_examples` must be >= 1. Received: num_examples={num_examples}")
    portraits = SynthPortraits(seed=seed)

    def make(index):
        sample = portraits.sample(int(index), size=image_size, style=style, yaw_range=yaw_range)
        rng = np.random.default_rng((seed, int(index), 11))
        yaw = draw_turn(rng, float(sample["pose"][0]), turn_range, min_turn)
        pair = rotation_pair(sample["image"], yaw, landmarks=sample["landmarks_3d"])
        return (pair.render.astype(np.float32) / 127.5 - 1.0,
                pair.holes[..., None].astype(np.float32),
                sample["image"].astype(np.float32) / 127.5 - 1.0)

    def render(index):
        parts = tf.numpy_function(make, [index], [tf.float32] * 3)
        shapes = [(image_size, image_size, 3), (image_size, image_size, 1),
                  (image_size, image_size, 3)]
        for part, shape in zip(parts, shapes):
            part.set_shape(shape)
        return dict(zip(("render", "holes", "target"), parts))

    dataset = indexed_renders(render, num_examples, seed, shuffle, cache)
    return _finish(dataset, batch_size, drop_remainder, repeat)
