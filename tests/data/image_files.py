"""Writes small image files of every kind the folder scan must handle, good and bad."""

import os
import struct
import zlib

import numpy as np
from PIL import Image

SIZE = (40, 32)  # (width, height) of the generated images


def quadrants(height=SIZE[1], width=SIZE[0]):
    """An asymmetric RGB pattern: red, green / blue, white quadrants (top-left is red)."""
    image = np.zeros((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    image[:h, :w] = (255, 0, 0)
    image[:h, w:] = (0, 255, 0)
    image[h:, :w] = (0, 0, 255)
    image[h:, w:] = (255, 255, 255)
    return image


def noise(seed=0, height=SIZE[1], width=SIZE[0]):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def png_bytes(width, height, bit_depth, colour_type, rows):
    """A PNG built by hand (for bit depths and sizes Pillow will not write cheaply)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(b"\x00" + row) for row in rows) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _save(folder, name, image, **kwargs):
    path = os.path.join(folder, name)
    image.save(path, **kwargs)
    return path


def _write(folder, name, data):
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def write_good_files(folder):
    """Files tf.io decodes as they are. Returns their names."""
    rgb = Image.fromarray(noise(1))
    _save(folder, "rgb.jpg", rgb, quality=95)
    _save(folder, "upper_case.JPEG", Image.fromarray(noise(2)))
    _save(folder, "rgb.png", Image.fromarray(noise(3)))
    _save(folder, "rgb.bmp", Image.fromarray(noise(4)))
    _save(folder, "rgb.webp", Image.fromarray(noise(5)))
    _save(folder, "jpeg_named.png", Image.fromarray(noise(6)), format="JPEG")
    os.makedirs(os.path.join(folder, "nested"), exist_ok=True)
    _save(folder, "nested/deep.jpg", Image.fromarray(noise(7)))
    return ["rgb.jpg", "upper_case.JPEG", "rgb.png", "rgb.bmp", "rgb.webp", "jpeg_named.png", "nested/deep.jpg"]


def write_convertible_files(folder):
    """Files that need converting to 8-bit RGB. Returns {name: expected reason}."""
    rgb = Image.fromarray(quadrants())
    alpha = np.full(SIZE[::-1], 255, np.uint8)
    alpha[:, : SIZE[0] // 2] = 0  # left half transparent
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray(alpha))
    _save(folder, "rgba.png", rgba)
    _save(folder, "rgba.webp", rgba, lossless=True)
    _save(folder, "la.png", rgba.convert("LA"))
    _save(folder, "gray.png", rgb.convert("L"))
    _save(folder, "gray.jpg", rgb.convert("L"))
    _save(folder, "palette.png", rgb.convert("P"))
    _save(folder, "palette_transparent.png", rgb.convert("P"), transparency=0)
    _save(folder, "bilevel.bmp", rgb.convert("1"))
    _save(folder, "cmyk.jpg", rgb.convert("CMYK"), quality=95)
    gray16 = (np.asarray(rgb.convert("L")).astype(np.uint16) * 257)
    _save(folder, "gray16.png", Image.fromarray(gray16))
    rgb48 = (quadrants().astype(">u2") * 257)
    _write(folder, "rgb48.png", png_bytes(SIZE[0], SIZE[1], 16, 2, [r.tobytes() for r in rgb48]))
    write_exif_rotated(folder, "exif_rotated.jpg")
    return {
        "rgba.png": "alpha", "rgba.webp": "alpha", "la.png": "alpha", "gray.png": "grayscale",
        "gray.jpg": "grayscale", "palette.png": "palette", "palette_transparent.png": "alpha",
        "bilevel.bmp": "bilevel", "cmyk.jpg": "cmyk", "gray16.png": "16-bit", "rgb48.png": "16-bit",
        "exif_rotated.jpg": "exif orientation",
    }


def write_exif_rotated(folder, name):
    """A JPEG stored rotated 90° counter-clockwise with EXIF orientation 6 (display: rotate CW),
    so that it displays as `quadrants()`."""
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(quadrants(), k=1)))
    exif = Image.Exif()
    exif[0x0112] = 6
    return _save(folder, name, stored, exif=exif.tobytes(), quality=95)


def write_bad_files(folder):
    """Files the scan must skip. Returns {name: expected reason}."""
    jpeg = os.path.join(folder, "_whole.jpg")
    Image.fromarray(noise(8, 64, 64)).save(jpeg, quality=95)
    with open(jpeg, "rb") as f:
        data = f.read()
    os.remove(jpeg)
    _write(folder, "truncated.jpg", data[: len(data) // 2])
    png = png_bytes(64, 64, 8, 2, [noise(9, 64, 64)[i].tobytes() for i in range(64)])
    _write(folder, "truncated.png", png[: len(png) // 2])
    _write(folder, "empty.jpg", b"")
    _write(folder, "text.jpg", b"this is a text file, not a picture\n")
    _save(folder, "tiny.png", Image.fromarray(noise(10, 4, 4)))
    write_huge_png(os.path.join(folder, "huge.png"))
    return {
        "truncated.jpg": "truncated or corrupt", "truncated.png": "truncated or corrupt",
        "empty.jpg": "empty file", "text.jpg": "not an image", "tiny.png": "too small",
        "huge.png": "too large",
    }


def write_huge_png(path, side=20000):
    """A valid 1-bit side×side PNG of zeros (a few tens of KiB; written in well under a second)."""
    row = bytes((side + 7) // 8)
    with open(path, "wb") as f:
        f.write(png_bytes(side, side, 1, 0, (row for _ in range(side))))
    return path


def write_every_kind(folder):
    """Good, convertible and bad files plus a non-image file; returns (good, convertible, bad)."""
    os.makedirs(folder, exist_ok=True)
    good = write_good_files(folder)
    convertible = write_convertible_files(folder)
    bad = write_bad_files(folder)
    _write(folder, "notes.txt", b"ignored: not an image extension")
    return good, convertible, bad
