"""Image grids and the float → uint8 conversion at the package's output boundary (DESIGN.md §2)."""

import os

import cv2
import numpy as np


def to_uint8(images):
    """[-1, 1] float images (tensor or array) → uint8 [0, 255] numpy array."""
    images = np.asarray(images.numpy() if hasattr(images, "numpy") else images, np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def image_grid(images, columns=None, padding=2, background=255, labels=None):
    """Tiles uint8 images (N, H, W, 3) row by row into one uint8 image.

    Args:
        images: uint8 array (N, H, W, 3) or a list of equally sized (H, W, 3) arrays.
        columns: int or None. Images per row; None makes the grid as square as possible (the
            number of `labels` when they are given).
        padding: int. Pixels between images. Defaults to `2`.
        background: int. Gray level of the padding. Defaults to `255`.
        labels: sequence of str or None. Column titles written in a band above the grid
            (what each column shows: "input", "translation", ...). Defaults to `None`.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(
            f"`images` must be uint8 (N, H, W, C). Received: {images.dtype} {images.shape}"
        )
    n, h, w, c = images.shape
    if labels is not None:
        columns = columns or len(labels)
        if len(labels) != columns:
            raise ValueError(f"`labels` must name each of the {columns} columns. Received "
                             f"{len(labels)}: {list(labels)}")
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    grid = np.full(
        (rows * h + (rows + 1) * padding, columns * w + (columns + 1) * padding, c),
        background,
        np.uint8,
    )
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y : y + h, x : x + w] = image
    if labels is not None:
        grid = np.concatenate([_label_band(labels, w, padding, grid.shape[1], c, background),
                               grid])
    return grid


def _label_band(labels, width, padding, total, channels, background):
    """A band of `total` pixels' width with each label centred over its column, in black."""
    scale = max(0.3, min(1.0, width / 200.0))
    height = int(28 * scale) + 6
    band = np.full((height, total, channels), background, np.uint8)
    for index, text in enumerate(labels):
        (text_width, text_height), _ = cv2.getTextSize(str(text), cv2.FONT_HERSHEY_SIMPLEX,
                                                       scale, 1)
        # Shrink a label wider than its column.
        fit = min(scale, scale * width / max(text_width, 1))
        (text_width, text_height), _ = cv2.getTextSize(str(text), cv2.FONT_HERSHEY_SIMPLEX, fit, 1)
        x = padding + index * (width + padding) + max(0, (width - text_width) // 2)
        cv2.putText(band, str(text), (x, (height + text_height) // 2), cv2.FONT_HERSHEY_SIMPLEX,
                    fit, (0,) * channels, 1, cv2.LINE_AA)
    return band


def save_image(path, image):
    """Writes an RGB uint8 image (PNG/JPEG by extension), creating the folder when missing."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if not cv2.imwrite(path, np.ascontiguousarray(image[..., ::-1])):
        raise OSError(f"Could not write the image {path!r}")
