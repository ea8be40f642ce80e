"""Image grids and the float → uint8 conversion at the package's output boundary (DESIGN.md §2)."""

import os

import cv2
import numpy as np


def to_uint8(images):
    """[-1, 1] float images (tensor or array) → uint8 [0, 255] numpy array."""
    images = np.asarray(images.numpy() if hasattr(images, "numpy") else images, np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def image_grid(images, columns=None, padding=2, background=255, labels=None, title=None):
    """Tiles uint8 images (N, H, W, 3) row by row into one uint8 image.

    Args:
        images: uint8 array (N, H, W, 3) or a list of equally sized (H, W, 3) arrays.
        columns: int or None. Images per row; None makes the grid as square as possible (the
            number of `labels` when they are given).
        padding: int. Pixels between images. Defaults to `2`.
        background: int. Gray level of the padding. Defaults to `255`.
        labels: sequence of str or None. Column titles written in a band above the grid
            (what each column shows: "input", "translation", ...). A title wider than its
            column is broken at spaces over two lines, then shrunk. Defaults to `None`.
        title: str or None. One line over the whole grid, above the labels (`with_title`).
            Defaults to `None`.
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
    if title is not None:
        grid = with_title(grid, title, padding, background)
    return grid


def with_title(grid, title, padding=2, background=255):
    """`grid` (uint8, H x W x C) under a band with `title` centred over its whole width: a
    caption for a sheet whose columns need no names (e.g. "epoch 12" over unconditional
    samples), or over an existing sheet."""
    width = grid.shape[1] - 2 * padding
    band = _label_band([title], width, padding, grid.shape[1], grid.shape[2], background,
                       scale=min(TITLE_SCALE, _scale(width)))
    return np.concatenate([band, grid])


# Font scales of the column labels, from the column width (0.35: ~8-pixel capitals, still read
# over 64-pixel tiles), and the largest one of titles.
MIN_SCALE, MAX_SCALE, TITLE_SCALE = 0.35, 1.0, 0.5
_FONT = cv2.FONT_HERSHEY_SIMPLEX  # ASCII only: no arrows or degree signs in labels


def _scale(width):
    return max(MIN_SCALE, min(MAX_SCALE, width / 200.0))


def _label_band(labels, width, padding, total, channels, background, scale=None):
    """A band of `total` pixels' width with each label centred over its column, in black."""
    scale = _scale(width) if scale is None else scale
    fitted = [_fit(str(text), width, scale) for text in labels]
    line_height = int(28 * scale)
    lines = max(len(text_lines) for text_lines, _ in fitted)
    height = lines * line_height + 6
    band = np.full((height, total, channels), background, np.uint8)
    for index, (text_lines, fit) in enumerate(fitted):
        top = (height - len(text_lines) * line_height) // 2
        for k, line in enumerate(text_lines):
            (text_width, text_height), _ = cv2.getTextSize(line, _FONT, fit, 1)
            x = padding + index * (width + padding) + max(0, (width - text_width) // 2)
            y = top + k * line_height + (line_height + text_height) // 2
            cv2.putText(band, line, (x, y), _FONT, fit, (0,) * channels, 1, cv2.LINE_AA)
    return band


def _fit(text, width, scale):
    """(lines, scale) of `text` in `width` pixels: one line when it fits, else broken at the
    space that makes the longer line shortest; still too wide, shrunk to fit."""
    def widest(lines):
        return max(cv2.getTextSize(line, _FONT, scale, 1)[0][0] for line in lines)

    lines = [text]
    if widest(lines) > width and " " in text.strip():
        words = text.split()
        splits = [[" ".join(words[:k]), " ".join(words[k:])] for k in range(1, len(words))]
        lines = min(splits, key=widest)
    return lines, min(scale, scale * width / max(widest(lines), 1))


def save_image(path, image):
    """Writes an RGB uint8 image (PNG/JPEG by extension), creating the folder when missing."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if not cv2.imwrite(path, np.ascontiguousarray(image[..., ::-1])):
        raise OSError(f"Could not write the image {path!r}")
