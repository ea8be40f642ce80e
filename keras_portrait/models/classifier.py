"""`ImageClassifier` (logits network + softmax + class names) and the expression judge's training.

StarGAN's evaluation asks whether a translated face shows the target expression: the paper
answers with a ResNet trained on the same data with an 80/10/10 split, whose own test accuracy
says how far its verdicts can be trusted. `train_expression_classifier` makes that judge.
"""

import os
import time

import keras
import numpy as np
import tensorflow as tf

from keras_portrait.data import decode
from keras_portrait.data.folder import labeled
from keras_portrait.data.synth import SynthPortraits
from keras_portrait.data.synth.framing import framed_sample
from keras_portrait.data.synth.framing import render_size
from keras_portrait.labels import EXPRESSIONS
from keras_portrait.networks.resnet_classifier import resnet_classifier

SPLITS = ("train", "val", "test")
# Flip, then a random square crop of 80-100 % of the area resized back: shifts and zooms of a
# few pixels, nothing that could change an expression.
AUGMENT_CROP_SCALE = (0.8, 1.0)
# (top, left, bottom, right) fractions of a SynthPortraits image that hold the face: the box of
# the 68 landmarks (brows to chin) over poses with yaw in [-30, 30], pitch in [-15, 15] and roll
# in [-10, 10], plus a margin. At 64² it keeps 41² pixels of the 64².
SYNTH_FACE_BOX = (0.17, 0.18, 0.81, 0.82)


@keras.saving.register_keras_serializable(package="keras_portrait")
class ImageClassifier(keras.Model):
    """Images in [-1, 1] → class probabilities, with the names of the classes.

    `call` is the softmax of `logits`. Images are float NHWC RGB in [-1, 1], any batch; when
    `image_size` is set, images of another size are first resized to it (bilinear,
    antialiased), so a judge trained at 64² also reads 128² outputs. With `crop_box`, the
    network sees only that box of the (resized) image: the face, at full resolution, without
    the background and the clothes.

    Args:
        network: keras.Model. Images → logits `(N, len(class_names))`, e.g.
            `keras_portrait.networks.resnet_classifier`.
        class_names: sequence of str. The name of each output, in order.
        image_size: int or None. Side of the images the classifier was trained on. Defaults
            to `None` (no resizing).
        crop_box: (top, left, bottom, right) fractions of the image, or None. Needs
            `image_size`. Defaults to `None` (the whole image).
    """

    def __init__(self, network, class_names, image_size=None, crop_box=None, **kwargs):
        super().__init__(**kwargs)
        class_names = tuple(str(c) for c in class_names)
        if len(class_names) != network.output_shape[-1]:
            raise ValueError(
                f"`class_names` has {len(class_names)} names but the network has "
                f"{network.output_shape[-1]} outputs. Received: class_names={class_names}"
            )
        if image_size is not None and (not isinstance(image_size, int) or image_size < 1):
            raise ValueError(
                f"`image_size` must be an int >= 1 or None. Received: image_size={image_size!r}")
        self.network = network
        self.class_names = class_names
        self.image_size = image_size
        self.crop_box = None if crop_box is None else tuple(float(f) for f in crop_box)
        self._pixels = pixel_box(self.crop_box, image_size)

    def logits(self, images, training=False):
        """Pre-softmax scores `(N, len(class_names))`."""
        images = tf.cast(images, tf.float32)
        size = self.image_size
        if size is not None and tuple(images.shape[1:3]) != (size, size):
            images = tf.image.resize(images, (size, size), antialias=True)
        if self._pixels is not None:
            top, left, bottom, right = self._pixels
            images = images[:, top:bottom, left:right]
        return self.network(images, training=training)

    @classmethod
    def from_network(cls, network, class_names, image_size=None, crop_box=None):
        """A built classifier around a copy of the trained logits `network`, without its
        optimizer state (2/3 of a saved file).

        Args:
            network: keras.Model. The trained images → logits network (e.g. trained with
                `fit_classifier`).
            class_names, image_size, crop_box: as the constructor's.
        """
        trained = network.__class__.from_config(network.get_config())
        trained.set_weights(network.get_weights())
        model = cls(trained, class_names, image_size=image_size, crop_box=crop_box,
                    name="image_classifier")
        side = image_size or network.input_shape[1]
        model(np.zeros((1, side, side, 3), np.float32))
        return model

    def call(self, images, training=False):
        return tf.nn.softmax(self.logits(images, training=training), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.class_names))

    def get_config(self):
        return {
            **super().get_config(),
            "network": keras.saving.serialize_keras_object(self.network),
            "class_names": list(self.class_names),
            "image_size": self.image_size,
            "crop_box": None if self.crop_box is None else list(self.crop_box),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)


def pixel_box(crop_box, image_size):
    """A square box of fractions (top, left, bottom, right) → its pixels in an `image_size`²
    image, or None for None."""
    if crop_box is None:
        return None
    try:
        top, left, bottom, right = (float(f) for f in crop_box)
        valid = (0 <= top < bottom <= 1 and 0 <= left < right <= 1
                 and abs((bottom - top) - (right - left)) < 1e-6)
    except (TypeError, ValueError):
        valid = False
    if not valid or image_size is None:
        raise ValueError("`crop_box` must be a square (top, left, bottom, right) of fractions, "
                         "0 <= top < bottom <= 1, 0 <= left < right <= 1, bottom - top = "
                         "right - left, and needs `image_size`. "
                         f"Received: crop_box={crop_box!r}, image_size={image_size}")
    side = max(1, round((bottom - top) * image_size))
    y, x = (min(round(f * image_size), image_size - side) for f in (top, left))
    return y, x, y + side, x + side


def train_expression_classifier(
    data,
    class_names=EXPRESSIONS,
    image_size=64,
    split=(0.8, 0.1, 0.1),
    epochs=12,
    batch_size=32,
    augment=True,
    seed=0,
    count=8000,
    style="photo",
    yaw_range=(-30.0, 30.0),
    framing="portrait",
    crop_box=None,
    learning_rate=2e-3,
    patience=4,
    filters=16,
    blocks_per_stage=(2, 2, 2, 2),
    stem_pool=False,
    verbose=0,
):
    """Trains a `resnet_classifier` judge on a train/val/test split; returns `(model, report)`.

    Adam with a cosine decay of `learning_rate` over `epochs`, cross-entropy, flips and small
    random crops (`augment`); stops after `patience` epochs without a better validation
    accuracy, keeps the best epoch's weights, then measures the three splits. Seeds Keras'
    global generators with `seed`.

    Args:
        data: one of
            - `(images, labels)` numpy arrays: images (N, H, W, 3) uint8 [0, 255] or float
              [-1, 1] (resized, centre-cropped if not square, to `image_size`), labels (N,)
              class ids into `class_names`. Split: stratified, seeded.
            - a folder with one sub-folder per class, named after it (read with
              `keras_portrait.data.labeled`; files that cannot be used are skipped and listed
              in the report). Sub-folders must be names of `class_names` (None: the sorted
              folder names are the classes). Split: stratified, seeded.
            - `"synth"`: `count` `SynthPortraits(seed).sample` renders in `style`, class = the
              rendered expression. Split by sitter: no identity is in two splits (`sample`
              draws each index's sitter among 1000 identities, so indices share sitters and
              a split by index would test on faces seen in training).
        class_names: sequence of str or None. Defaults to `EXPRESSIONS`.
        image_size: int. Side the images are rendered at or resized to; the network sees
            them whole or their `crop_box`. Defaults to `64`.
        split: (train, val, test) fractions, each > 0, summing to 1. Defaults to
            `(0.8, 0.1, 0.1)`.
        epochs: int. Maximum epochs. Defaults to `12`.
        batch_size: int. Defaults to `32`.
        augment: bool. Random flips and crops of the training images. Defaults to `True`.
        seed: int. Seed of the renders, the split, the initial weights and the shuffling.
        count: int. Number of renders for `"synth"`. Defaults to `8000`.
        style: str. SynthPortraits style for `"synth"`. Defaults to `"photo"`.
        yaw_range: (float, float). Head yaw range (degrees) for `"synth"`. Defaults to `(-30, 30)`.
        framing: str. For `"synth"`: the whole portrait or the face alone, as
            `synth_portraits(framing=...)`. Defaults to `"portrait"`.
        crop_box: square (top, left, bottom, right) fractions or None: the box of each image
            the network sees (`ImageClassifier`; `SYNTH_FACE_BOX`: the face of a portrait-framed
            SynthPortraits render). Defaults to `None` (the whole image).
        learning_rate: float. Initial Adam learning rate. Defaults to `2e-3`.
        patience: int. Epochs without improvement before stopping. Defaults to `4`.
        filters, blocks_per_stage, stem_pool: the network's (see `resnet_classifier`).
        verbose: int. `fit`'s verbosity. Defaults to `0`.

    Returns:
        `(ImageClassifier, report)`; the report is a JSON-safe dict: `class_names`,
        `image_size`, `crop_box`, `network_input` (side of the network's input), `source`,
        `skipped` (path, reason, detail), `split_method`, `split_fractions`, `split_sizes`,
        `class_counts` (per split), `train_accuracy`, `val_accuracy`, `test_accuracy`,
        `test_accuracy_per_class` (None for a class absent from the test split),
        `confusion_matrix` (test split; rows true, columns predicted), `epochs_run`,
        `best_epoch` (1-based), `history`, `parameters`, `augment`, `train_seconds` and
        `seconds`; for `"synth"` also `identities` and `split_identities` (sitters per split).
    """
    start = time.perf_counter()
    fractions = _check_split(split)
    pixels = _check_arguments(data, image_size, epochs, batch_size, count, patience, framing,
                              crop_box)
    images, labels, groups, class_names, source, skipped = _load(
        data, class_names, image_size, count, style, yaw_range, framing, seed)
    parts, method = _split(labels, groups, fractions, seed)
    images = images if pixels is None else images[:, pixels[0]:pixels[2], pixels[1]:pixels[3]]
    keras.utils.set_random_seed(seed)
    network = resnet_classifier(len(class_names), images.shape[1], filters=filters,
                                blocks_per_stage=blocks_per_stage, stem_pool=stem_pool)
    train_seconds = -time.perf_counter()
    history, best_epoch = fit_classifier(network, images, labels, parts, epochs, batch_size,
                                         augment, seed, learning_rate, patience, verbose)
    train_seconds += time.perf_counter()
    model = ImageClassifier.from_network(network, class_names, image_size, crop_box)
    report = {
        "class_names": list(class_names), "image_size": image_size,
        "crop_box": None if crop_box is None else [float(f) for f in crop_box],
        "network_input": int(images.shape[1]), "source": source, "skipped": skipped,
        "split_method": method, "split_fractions": list(fractions),
        **_scores(network, images, labels, groups, parts, class_names, batch_size),
        "epochs_run": len(history["loss"]), "best_epoch": best_epoch, "history": history,
        "parameters": int(network.count_params()), "augment": bool(augment),
        "train_seconds": train_seconds, "seconds": time.perf_counter() - start,
    }
    return model, report


def _check_arguments(data, image_size, epochs, batch_size, count, patience, framing, crop_box):
    """Checks the arguments; returns the crop box in pixels (or None)."""
    for key, value in (("image_size", image_size), ("epochs", epochs), ("batch_size", batch_size),
                       ("count", count), ("patience", patience)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"`{key}` must be an int >= 1. Received: {key}={value!r}")
    render_size(image_size, framing)
    if framing == "face" and not (isinstance(data, str) and data == "synth"):
        raise ValueError("`framing='face'` frames SynthPortraits renders (data=\"synth\"); align "
                         "the faces of other data with `keras_portrait.face.align` first")
    if framing == "face" and crop_box is not None:
        raise ValueError("A face-framed image is the face already: `crop_box` (the face box of "
                         "a whole portrait) must be None with `framing='face'`")
    return pixel_box(crop_box, image_size)


def fit_classifier(network, images, labels, parts, epochs=12, batch_size=32, augment=True,
                   seed=0, learning_rate=2e-3, patience=4, verbose=0):
    """Trains a logits `network` as the judges are trained; returns `(history, best_epoch)`.

    Adam on a cosine decay of `learning_rate` over `epochs`, cross-entropy on logits, flips and
    small random crops of the training images (`augment`); stops after `patience` epochs
    without a better validation accuracy and keeps the best epoch's weights.

    Args:
        network: keras.Model. Images (as `images`) → logits `(N, classes)`.
        images: (N, H, W, 3) float32 [-1, 1]. labels: (N,) int class ids.
        parts: {"train": indices, "val": indices}: the examples of each part.
        epochs, batch_size, augment, seed, learning_rate, patience, verbose: as
            `train_expression_classifier`'s.

    Returns:
        `(history, best_epoch)`: the per-epoch metrics (floats) and the kept epoch, from 1.
    """
    for name in ("train", "val"):
        if name not in parts or not len(parts[name]):
            raise ValueError(f"`parts` needs a non-empty {name!r} part. Received keys: "
                             f"{sorted(parts)}")
    steps = -(-len(parts["train"]) // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps)
    network.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    stopper = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=patience,
                                            restore_best_weights=True)
    history = network.fit(
        _batches(images[parts["train"]], labels[parts["train"]], batch_size, seed, augment),
        validation_data=_batches(images[parts["val"]], labels[parts["val"]], batch_size),
        epochs=epochs, callbacks=[stopper], verbose=verbose, shuffle=False,  # shuffled above
    )
    history = {k: [float(v) for v in values] for k, values in history.history.items()}
    return history, int(stopper.best_epoch) + 1


def _scores(network, images, labels, groups, parts, class_names, batch_size):
    """Split sizes, accuracies and the test split's confusion matrix (rows true)."""
    num_classes = len(class_names)
    predicted = {name: _predict(network, images[parts[name]], batch_size) for name in SPLITS}
    truth = {name: labels[parts[name]] for name in SPLITS}
    confusion = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(confusion, (truth["test"], predicted["test"]), 1)
    per_class = [None if row.sum() == 0 else float(row[i] / row.sum())
                 for i, row in enumerate(confusion)]
    scores = {
        "split_sizes": {name: int(len(parts[name])) for name in SPLITS},
        "class_counts": {n: np.bincount(truth[n], minlength=num_classes).tolist() for n in SPLITS},
        **{f"{n}_accuracy": float(np.mean(predicted[n] == truth[n])) for n in SPLITS},
        "test_accuracy_per_class": dict(zip(class_names, per_class)),
        "confusion_matrix": confusion.tolist(),
    }
    if groups is not None:
        scores["identities"] = int(len(np.unique(groups)))
        scores["split_identities"] = {n: int(len(np.unique(groups[parts[n]]))) for n in SPLITS}
    return scores


def _split(labels, groups, fractions, seed):
    """→ ({split: sorted indices}, how it was made): stratified, or by group when given."""
    if groups is None:
        parts = _stratified_split(labels, fractions, seed)
        method = f"stratified random split of the images per class (seed {seed})"
    else:
        parts = _group_split(groups, fractions, seed)
        method = (f"by sitter: the {len(np.unique(groups))} SynthPortraits identities shuffled "
                  f"(seed {seed}) and cut {list(fractions)}; no identity is in two splits")
    sizes = {name: int(len(parts[name])) for name in SPLITS}
    if min(sizes.values()) == 0:
        raise ValueError(
            f"A split is empty ({sizes}): give more images or other `split` fractions.")
    return parts, method


def _check_split(split):
    try:
        fractions = tuple(float(f) for f in split)
    except (TypeError, ValueError):
        fractions = ()
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError("`split` must be 3 fractions > 0 (train, val, test) summing to 1. "
                         f"Received: split={split!r}")
    return fractions


def _load(data, class_names, image_size, count, style, yaw_range, framing, seed):
    """→ uint8 images (N, s, s, 3), int32 labels, groups (identities) or None, class names,
    the report's source description and skipped files."""
    if isinstance(data, str) and data == "synth":
        images, labels, groups = _render_synth(count, image_size, style, yaw_range, framing,
                                               seed)
        names = EXPRESSIONS if class_names is None else tuple(class_names)
        if tuple(names) != EXPRESSIONS:
            raise ValueError("The labels of \"synth\" are EXPRESSIONS: `class_names` must be "
                             f"those or None. Received: class_names={class_names}")
        source = {"kind": "synth", "count": count, "style": style, "seed": seed,
                  "yaw_range": list(yaw_range), "framing": framing}
        return images, labels, groups, names, source, []
    if isinstance(data, (str, os.PathLike)):
        return _read_folder(os.fspath(data), class_names, image_size)
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError("`data` must be (images, labels) arrays, a folder of class folders or "
                         f"\"synth\". Received: {type(data).__name__}")
    images, labels = _check_arrays(*data, class_names)
    if class_names is None:
        class_names = [str(i) for i in range(labels.max() + 1)]
    source = {"kind": "arrays", "count": int(len(labels))}
    return _fit_size(images, image_size), labels, None, tuple(class_names), source, []


def _render_synth(count, size, style, yaw_range, framing, seed):
    portraits = SynthPortraits(seed=seed)
    images = np.empty((count, size, size, 3), np.uint8)
    labels = np.empty(count, np.int32)
    groups = np.empty(count, np.int64)
    for index in range(count):
        render, _ = framed_sample(portraits, index, size, framing, style=style,
                                  yaw_range=yaw_range)
        images[index] = render["image"]
        labels[index], groups[index] = render["expression"], render["identity"]
    return images, labels, groups


def _read_folder(path, class_names, image_size):
    dataset = labeled(path, image_size=image_size, batch_size=256, shuffle=False,
                      drop_remainder=False, verbose=False)
    chunks = [(image.numpy(), label.numpy()) for image, label in dataset]
    images = np.concatenate([c[0] for c in chunks])
    images = np.round((images + 1.0) * 127.5).astype(np.uint8)
    folder_ids = np.concatenate([c[1] for c in chunks]).astype(np.int32)
    folders = tuple(dataset.class_names)
    if class_names is None:
        names, labels = folders, folder_ids
    else:
        names = tuple(class_names)
        lower = [n.lower() for n in names]
        unknown = [f for f in folders if f.lower() not in lower]
        if unknown:
            raise ValueError(f"Class folders {unknown} in {path!r} are not in `class_names`. "
                             f"Valid: {', '.join(names)} (or pass class_names=None).")
        labels = np.array([lower.index(f.lower()) for f in folders], np.int32)[folder_ids]
    skipped = [{"path": f["path"], "reason": f["reasons"][0], "detail": f.get("detail", "")}
               for f in dataset.scan_report.skipped]
    source = {"kind": "folder", "path": os.path.abspath(path), "count": int(len(labels))}
    return images, labels, None, names, source, skipped


def _check_arrays(images, labels, class_names):
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 4 or images.shape[-1] != 3 or labels.shape != images.shape[:1]:
        raise ValueError("`data` arrays must be images (N, H, W, 3) and labels (N,). Received "
                         f"shapes {images.shape} and {labels.shape}.")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or (
            class_names is not None and labels.max() >= len(class_names)):
        raise ValueError("labels must be int class ids in [0, len(class_names)). Received dtype "
                         f"{labels.dtype}, range [{labels.min()}, {labels.max()}].")
    if images.dtype != np.uint8:
        low, high = float(images.min()), float(images.max())
        if low < -1.001 or high > 1.001:
            raise ValueError(f"Float images must be in [-1, 1]. Received range [{low}, {high}].")
        images = np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
    return images, labels.astype(np.int32)


def _fit_size(images, size):
    """Centre square crop, then an antialiased resize to size² (uint8 in, uint8 out)."""
    height, width = images.shape[1:3]
    if (height, width) == (size, size):
        return images
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    images = images[:, top:top + side, left:left + side]
    out = [tf.image.resize(images[i:i + 256], (size, size), antialias=True).numpy()
           for i in range(0, len(images), 256)]
    return np.clip(np.round(np.concatenate(out)), 0, 255).astype(np.uint8)


def _stratified_split(labels, fractions, seed):
    rng = np.random.default_rng(seed)
    parts = {name: [] for name in SPLITS}
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        for name, chunk in zip(SPLITS, _cut(members, fractions)):
            parts[name].append(chunk)
    return {name: np.sort(np.concatenate(chunks)) for name, chunks in parts.items()}


def _group_split(groups, fractions, seed):
    unique = np.random.default_rng(seed).permutation(np.unique(groups))
    chunks = _cut(unique, fractions)
    return {name: np.flatnonzero(np.isin(groups, chunk)) for name, chunk in zip(SPLITS, chunks)}


def _cut(items, fractions):
    bounds = np.round(np.cumsum(fractions) * len(items)).astype(int)
    return np.split(items, bounds[:-1])


def _batches(images, labels, batch_size, shuffle_seed=None, augment=False):
    """uint8 arrays → batches of (float [-1, 1] images, labels), shuffled when a seed is given."""

    def augment_one(element, seed):
        image, label = element
        image = decode.random_flip_and_crop(tf.cast(image, tf.float32), seed, AUGMENT_CROP_SCALE)
        return image, label

    def to_unit_range(image, label):
        return decode.to_unit_range(image), label

    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
    if augment:
        seeds = tf.data.Dataset.random(seed=shuffle_seed, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip((dataset, seeds)).map(
            augment_one, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.map(to_unit_range)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _predict(network, images, batch_size):
    batches = _batches(images, np.zeros(len(images), np.int32), batch_size)
    return np.argmax(network.predict(batches, verbose=0), axis=-1)
