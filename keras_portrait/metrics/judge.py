"""Scores of translations by a judge: a classifier trained to tell the target domain apart.

As an expression translation is scored by an expression judge (does the face show the target
expression?), a photo → painting translation is scored by a painting judge (photo crops
against painting crops, e.g. benchmarks/painting_judge.py): how many translations does it call
paintings? The judge is loaded by the caller: any callable from float32 images in [-1, 1]
(NHWC) to class probabilities (n, classes), such as a `keras_portrait.models.ImageClassifier`.
"""

import numpy as np


def judge_probabilities(judge, images, batch_size=32):
    """The judge's class probabilities of each image, float64 `(N, classes)`.

    Args:
        judge: callable. Float32 images (n, H, W, C) in [-1, 1] → probabilities (n, classes),
            as a tensor or an array.
        images: uint8 [0, 255] or float [-1, 1] array (N, H, W, C); uint8 is converted to
            [-1, 1] first.
        batch_size: int. Images per judge call. Defaults to `32`.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be an int >= 1. Received: batch_size={batch_size}")
    images = np.asarray(images.numpy() if hasattr(images, "numpy") else images)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"`images` must be a non-empty (N, H, W, C) batch. Received shape: "
                         f"{images.shape}")
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 127.5 - 1.0
    elif not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"`images` must be uint8 or float. Received dtype: {images.dtype}")
    chunks = []
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size].astype(np.float32)
        out = judge(batch)
        out = np.asarray(out.numpy() if hasattr(out, "numpy") else out, np.float64)
        if out.ndim != 2 or len(out) != len(batch):
            raise ValueError(f"`judge` must return probabilities (n, classes): {len(batch)} "
                             f"images gave an output of shape {out.shape}")
        chunks.append(out)
    return np.concatenate(chunks)


def painting_rate(judge, images, painting_class="painting", batch_size=32):
    """The fraction of `images` whose most probable class, for `judge`, is `painting_class`.

    Args:
        judge: callable, as in `judge_probabilities`.
        images: uint8 [0, 255] or float [-1, 1] array (N, H, W, C).
        painting_class: str or int. The class name (looked up in `judge.class_names`) or its
            index. Defaults to `"painting"`.
        batch_size: int. Images per judge call. Defaults to `32`.

    Returns:
        float in [0, 1]. A tie between classes goes to the first of them (`argmax`).
    """
    probabilities = judge_probabilities(judge, images, batch_size)
    index = _class_index(judge, painting_class, probabilities.shape[1])
    return float(np.mean(probabilities.argmax(axis=1) == index))


def _class_index(judge, target, num_classes):
    if isinstance(target, str):
        names = list(getattr(judge, "class_names", None) or [])
        if target not in names:
            raise ValueError(f"Class {target!r} is not one of the judge's class_names {names}: "
                             "pass the judge's own class name or the class index.")
        return names.index(target)
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool) \
            and 0 <= target < num_classes:
        return int(target)
    raise ValueError(f"`painting_class` must be a class name or an index in [0, {num_classes}). "
                     f"Received: painting_class={target!r}")
