"""The one image format the face tools work on: (H, W, 3) uint8 RGB, from whatever was given."""

import numpy as np

from keras_portrait.imaging.reading import read_rgb8


def as_rgb8(image):
    """An image path, or an array (H, W) gray, (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA,
    uint8 [0, 255] or float [0, 1], as a contiguous (H, W, 3) uint8 RGB array.

    RGBA is composited on white (as `keras_portrait.data` does). Raises `ValueError` naming the
    shape or dtype it cannot read.
    """
    if isinstance(image, (str, bytes)):
        return read_rgb8(image)
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4) or min(image.shape[:2]) < 1:
        raise ValueError(
            "Expected an image (H, W), (H, W, 1), (H, W, 3) or (H, W, 4). "
            f"Received shape {image.shape}"
        )
    if image.dtype != np.uint8:
        if not np.issubdtype(image.dtype, np.floating):
            raise ValueError(
                f"Expected uint8 [0, 255] or float [0, 1] pixels. Received dtype {image.dtype}"
            )
        image = np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    elif image.shape[-1] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        blended = image[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        image = np.round(blended).astype(np.uint8)
    return np.ascontiguousarray(image)
