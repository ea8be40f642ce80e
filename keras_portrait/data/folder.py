"""tf.data pipelines over folders of real images: `image_folder`, `unpaired` and `labeled`.

Every file goes through `scan_folder` first, so the pipeline only ever sees files that decode:
nothing is dropped silently during an epoch, and every skipped file is in the scan report.
Elements follow DESIGN.md §3; images are float32 NHWC RGB in [-1, 1].
"""

import math
import os

import numpy as np
import tensorflow as tf

from keras_portrait.data import decode
from keras_portrait.data.labels_file import read_labels_file, resolve
from keras_portrait.data.scan import (
    DEFAULT_MAX_PIXELS, DEFAULT_MIN_SIDE, list_images, scan_files, scan_folder,
)

# Shuffle buffer after `cache`: the cache holds decoded images, so the buffer does too.
CACHED_SHUFFLE_BUFFER = 1024


def image_folder(
    path,
    image_size=256,
    batch_size=1,
    shuffle=True,
    augment=False,
    resize="crop",
    pad_mode="reflect",
    crop_scale=(0.8, 1.0),
    cache=False,
    seed=None,
    report_path=None,
    drop_remainder=True,
    repeat=False,
    max_pixels=DEFAULT_MAX_PIXELS,
    min_side=DEFAULT_MIN_SIDE,
    verbose=True,
    files=None,
):
    """A dataset of `images` (float32, (batch, size, size, 3), [-1, 1]) from every image under `path`.

    The files are scanned first (`scan_folder`, or `scan_files` for `files`); the report is the
    dataset's `scan_report`.

    Args:
        path: str. The folder, searched recursively.
        image_size: int. Side of the square images. Defaults to `256`.
        batch_size: int. Defaults to `1`.
        shuffle: bool. Reshuffles every epoch (seeded by `seed`). Defaults to `True`.
        augment: bool. Random horizontal flip and random resized crop. Defaults to `False`.
        resize: str. `"crop"` (short side to `image_size`, centre crop) or `"pad"` (long side to
            `image_size`, pad the short side). Defaults to `"crop"`.
        pad_mode: str. For `resize="pad"`: `"reflect"` mirrors the border, `"constant"` pads with
            black. Defaults to `"reflect"`.
        crop_scale: tuple of 2 floats. Range of the area kept by the random crop. Defaults to
            `(0.8, 1.0)`.
        cache: bool or str. `True` keeps decoded, resized images (uint8) in memory after the first
            epoch; a str caches them in files with that prefix. Defaults to `False`.
        seed: int or None. Makes shuffling and augmentation reproducible. Defaults to `None`.
        report_path: str or None. Writes the scan report (and its cache) as JSON there.
        drop_remainder: bool. Drops the last incomplete batch. Defaults to `True`.
        repeat: bool. Repeats forever (epochs still reshuffle). Defaults to `False`.
        max_pixels: int. Larger files are skipped. Defaults to `50_000_000`.
        min_side: int. Files with a shorter side are skipped. Defaults to `16`.
        verbose: bool. Progress bar and summary of the scan. Defaults to `True`.
        files: list of str or None. Only these files (absolute, or relative to `path`), e.g.
            one split's (`keras_portrait.data.split_crops`). Defaults to `None` (every image
            under `path`).
    """
    if files is None:
        report = scan_folder(path, report_path=report_path, max_pixels=max_pixels,
                             min_side=min_side, verbose=verbose)
    else:
        if isinstance(files, str):
            raise ValueError(f"`files` must be a list of paths, not a str. Received: files={files!r}")
        paths = sorted(os.path.join(os.path.abspath(path), f) for f in files)
        report = scan_files(paths, path, report_path=report_path, max_pixels=max_pixels,
                            min_side=min_side, verbose=verbose)
        report.require_usable()
    dataset = build_pipeline(
        report.usable, None, image_size=image_size, batch_size=batch_size, shuffle=shuffle,
        augment=augment, resize=resize, pad_mode=pad_mode, crop_scale=crop_scale, cache=cache,
        seed=seed, drop_remainder=drop_remainder, repeat=repeat,
    )
    dataset.scan_report = report
    return dataset


def unpaired(folder_a, folder_b, image_size=256, batch_size=1, seed=None, report_path=None,
             repeat=False, files_a=None, files_b=None, **options):
    """A dataset of `(images_a, images_b)` from two folders, shuffled independently (unpaired translation).

    An epoch has as many batches as the larger domain: the smaller one is repeated (and
    reshuffled at each of its own passes), so every image of both domains is seen each epoch.

    Args:
        folder_a: str. Domain A.
        folder_b: str. Domain B.
        image_size: int. Defaults to `256`.
        batch_size: int. Defaults to `1`.
        seed: int or None. Domain A uses `seed`, domain B `seed + 1`. Defaults to `None`.
        report_path: str or None. `x.json` writes `x_a.json` and `x_b.json`.
        repeat: bool. Repeats forever. Defaults to `False`.
        files_a: list of str or None. `files` of domain A (see `image_folder`). Defaults to `None`.
        files_b: list of str or None. `files` of domain B. Defaults to `None`.
        **options: the other arguments of `image_folder` (augment, resize, cache, ...).
    """
    domains, reports = [], []
    for suffix, folder, domain_seed, files in (("_a", folder_a, seed, files_a),
                                               ("_b", folder_b, _offset(seed, 1), files_b)):
        path = None if report_path is None else "{0}{2}{1}".format(*os.path.splitext(report_path), suffix)
        domain = image_folder(folder, image_size=image_size, batch_size=batch_size, seed=domain_seed,
                              report_path=path, repeat=True, files=files, **options)
        domains.append(domain)
        reports.append(domain.scan_report)
    dataset = tf.data.Dataset.zip(tuple(domains))
    if not repeat:
        drop = options.get("drop_remainder", True)
        largest = max(len(r.usable) for r in reports)
        dataset = dataset.take(largest // batch_size if drop else math.ceil(largest / batch_size))
    dataset.scan_reports = tuple(reports)
    return dataset


def labeled(source, image_size=256, batch_size=1, images_dir=None, attributes=None,
            report_path=None, max_pixels=DEFAULT_MAX_PIXELS, min_side=DEFAULT_MIN_SIDE,
            verbose=True, **options):
    """A dataset of `(images, labels)` (domain translation) from class folders or a labels file.

    - `source` a folder: its sub-folders are the classes, sorted by name; labels are int32
      class ids and the dataset has `class_names`. Files directly in `source` are reported and
      skipped.
    - `source` a CSV (file name, then numeric columns) or CelebA's `list_attr_celeba.txt`
      (±1 mapped to {0, 1}): labels are float32 vectors and the dataset has `attribute_names`.
      Rows that cannot be read, or name missing or broken files, are reported and skipped.

    Args:
        source: str. A folder of class folders, or a labels file.
        image_size: int. Defaults to `256`.
        batch_size: int. Defaults to `1`.
        images_dir: str or None. Where the labels file's names point. Defaults to its folder.
        attributes: list of str or None. Columns of a labels file to keep. Defaults to all.
        report_path, max_pixels, min_side, verbose: as in `image_folder`.
        **options: the other arguments of `image_folder` (shuffle, augment, cache, seed, ...).
    """
    scan_options = dict(report_path=report_path, max_pixels=max_pixels, min_side=min_side,
                        verbose=verbose)
    if os.path.isdir(source):
        if attributes is not None or images_dir is not None:
            raise ValueError(
                "`attributes` and `images_dir` apply to a labels file, not to a folder of classes. "
                f"Received: source={source!r}, attributes={attributes}, images_dir={images_dir!r}"
            )
        report, labels, names = _scan_class_folders(source, scan_options)
        label_key = "class_names"
    elif os.path.isfile(source):
        report, labels, names = _scan_labels_file(source, images_dir, attributes, scan_options)
        label_key = "attribute_names"
    else:
        raise FileNotFoundError(f"Labels source not found (neither a folder nor a file): {source!r}")
    report.require_usable()
    usable = report.usable
    dataset = build_pipeline(usable, np.stack([labels[f["path"]] for f in usable]),
                             image_size=image_size, batch_size=batch_size, **options)
    dataset.scan_report = report
    setattr(dataset, label_key, names)
    return dataset


def _scan_class_folders(root, scan_options):
    root = os.path.abspath(root)
    names = sorted(d.name for d in os.scandir(root) if d.is_dir() and not d.name.startswith("."))
    if not names:
        raise ValueError(f"No class sub-folders in {root!r}: put each class's images in a folder named after it.")
    inside, outside = [], []
    for path in list_images(root):
        (inside if os.sep in os.path.relpath(path, root) else outside).append(path)
    skips = [(p, "outside class folders", "a file directly in the labels folder has no class") for p in outside]
    report = scan_files(inside, root, extra_skips=skips, **scan_options)
    labels = {p: np.int32(names.index(os.path.relpath(p, root).split(os.sep)[0])) for p in inside}
    return report, labels, names


def _scan_labels_file(labels_path, images_dir, attributes, scan_options):
    table = read_labels_file(labels_path, attributes)
    images_dir = os.path.dirname(os.path.abspath(labels_path)) if images_dir is None else images_dir
    paths = [resolve(images_dir, name) for name in table.files]
    skips = [(resolve(images_dir, name), "bad label row", why) for name, why in table.bad_rows]
    report = scan_files(paths, images_dir, extra_skips=skips, **scan_options)
    return report, dict(zip(paths, table.values)), table.attribute_names


def build_pipeline(records, labels, image_size=256, batch_size=1, shuffle=True, augment=False,
                   resize="crop", pad_mode="reflect", crop_scale=(0.8, 1.0), cache=False, seed=None,
                   drop_remainder=True, repeat=False):
    """The tf.data pipeline over scanned, usable `records`, with one `labels` row per record."""
    _check_arguments(image_size, batch_size, resize, pad_mode, crop_scale)
    count = len(records)
    if drop_remainder and count < batch_size and not repeat:
        raise ValueError(
            f"`batch_size` ({batch_size}) is larger than the number of usable images ({count}) and "
            "drop_remainder=True would give an empty dataset: lower batch_size or set drop_remainder=False."
        )
    need = image_size if not augment else math.ceil(image_size / math.sqrt(crop_scale[0]))
    paths = np.array([r["path"] for r in records])
    codes = np.array([decode.decoder_code(r, need) for r in records], np.int32)
    columns = (paths, codes) if labels is None else (paths, codes, labels)
    if shuffle and cache:  # the cache keeps the first pass's order: make that order random
        order = np.random.default_rng(seed).permutation(count)
        columns = tuple(c[order] for c in columns)

    def load(path, code, *label):
        image = decode.decode(path, code, need)
        image = decode.fit_square(image, image_size, resize, pad_mode)
        return (tf.cast(tf.round(image), tf.uint8), *label)

    dataset = tf.data.Dataset.from_tensor_slices(columns)
    if shuffle and not cache:
        dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        if cache is not True:
            os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
        dataset = dataset.cache("" if cache is True else cache)
        if shuffle:
            dataset = dataset.shuffle(min(count, CACHED_SHUFFLE_BUFFER), seed=seed)
    if repeat:
        dataset = dataset.repeat()
    if augment:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip((dataset, seeds)).map(
            lambda element, pair: (decode.random_flip_and_crop(element[0], pair, crop_scale), *element[1:]),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    dataset = dataset.map(lambda image, *label: (decode.to_unit_range(image), *label))
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if labels is None:
        dataset = dataset.map(lambda image: image)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _check_arguments(image_size, batch_size, resize, pad_mode, crop_scale):
    if not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"`image_size` must be an int >= 1. Received: image_size={image_size}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be an int >= 1. Received: batch_size={batch_size}")
    if resize not in decode.RESIZE_MODES:
        raise ValueError(f"`resize` must be one of {decode.RESIZE_MODES}. Received: resize={resize!r}")
    if pad_mode not in decode.PAD_MODES:
        raise ValueError(f"`pad_mode` must be one of {decode.PAD_MODES}. Received: pad_mode={pad_mode!r}")
    low, high = crop_scale
    if not 0 < low <= high <= 1:
        raise ValueError(f"`crop_scale` must satisfy 0 < low <= high <= 1. Received: crop_scale={crop_scale}")


def _offset(seed, delta):
    return None if seed is None else seed + delta
