"""Reading pictures: files to 8-bit RGB arrays, and the image files of a folder.

The floor that `data/` (tf.data pipelines) and `face/` (detection, alignment) both stand on.
"""

import os

import numpy as np
from PIL import Image, ImageOps

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
_WHITE = 255


def to_rgb8(image):
    """Converts a Pillow image to an (H, W, 3) uint8 RGB array, honouring EXIF orientation.

    Transparency (RGBA, LA, PA, palette or colour-key transparency) is composited on white,
    which is how viewers show such images and keeps transparent areas from turning black.
    16-bit samples keep their 8 high bits.
    """
    image = ImageOps.exif_transpose(image)
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # Pillow's own convert clips 16-bit samples at 255 instead of scaling them.
        values = np.asarray(image).astype(np.uint32)
        if mode == "I" and values.max(initial=0) <= 255:
            gray = values.astype(np.uint8)
        else:
            gray = np.clip(values >> 8, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=-1)
    if mode == "F":
        gray = np.clip(np.asarray(image), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=-1)
    if has_transparency(image):
        rgba = np.asarray(image.convert("RGBA")).astype(np.float32)
        alpha = rgba[..., 3:] / 255.0
        rgb = rgba[..., :3] * alpha + _WHITE * (1.0 - alpha)
        return np.round(rgb).astype(np.uint8)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def has_transparency(image):
    """Whether a Pillow image carries an alpha channel or a transparent colour."""
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def read_rgb8(path, min_side=0):
    """Reads a file with Pillow as (H, W, 3) uint8 RGB.

    Args:
        path: str or bytes. The file.
        min_side: int. JPEGs are decoded at the smallest DCT scale whose sides stay
            >= `min_side`; `0` decodes at full size.
    """
    if isinstance(path, bytes):
        path = path.decode()
    with Image.open(path) as image:
        if min_side and image.format == "JPEG":
            image.draft(None, (int(min_side), int(min_side)))
        image.load()
        return to_rgb8(image)


def list_images(path):
    """Sorted absolute paths of the files under `path` with an image extension."""
    found = []
    for folder, dirs, files in os.walk(os.path.abspath(path)):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(folder, f) for f in files if f.lower().endswith(IMAGE_EXTENSIONS)]
    return sorted(found)
