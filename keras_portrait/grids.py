"""Image grids and the float → uint8 conversion at the package's output boundary (DESIGN.md §2)."""

import os

import cv2
import numpy as np


def to_uint8(images):
    """[-1, 1] float images (tensor or array) → uint8 [0, 255] numpy array."""
    images = np.asarray(images.numpy() if hasattr(images, "numpy") else images, np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def image_grid(images, columns=None, padding=2, background=255):
    """Tiles uint8 images (N, H, W, 3) row by row into one uint8 image.

    Args:
        images: uint8 array (N, H, W, 3) or a list of equally sized (H, W, 3) arrays.
        columns: int or None. Images per row; None makes the grid as square as possible.
        padding: int. Pixels between images. Defaults to `2`.
        background: int. Gray level of the padding. Defaults to `255`.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(
            f"`images` must be uint8 (N, H, W, C). Received: {images.dtype} {images.shape}"
        )
    n, h, w, c = images.shape
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
    return grid


def save_image(path, image):
    """Writes an RGB uint8 image (PNG/JPEG by extension), creating the folder when missing."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if not cv2.imwrite(path, np.ascontiguousarray(image[..., ::-1])):
        raise OSError(f"Could not write the image {path!r}")
