"""Decodes image files to 8-bit RGB and fits them into a square, inside the tf.data graph.

Files that TensorFlow decodes correctly as they are (8-bit RGB JPEG, PNG, BMP, WebP, no EXIF
orientation) stay in the graph; JPEGs are decoded at a reduced DCT scale (1/2, 1/4, 1/8) whenever that
still leaves enough pixels for the requested size, which is most of the cost saved at 64²–256².
Every other file (alpha, grayscale, palette, CMYK, 16-bit, EXIF-rotated, exotic formats) goes
through `to_rgb8`, one Pillow function called with `tf.numpy_function`.
"""

import math

import numpy as np
import tensorflow as tf

from keras_portrait.imaging.reading import has_transparency  # noqa: F401  (re-exported)
from keras_portrait.imaging.reading import read_rgb8  # noqa: F401
from keras_portrait.imaging.reading import to_rgb8  # noqa: F401

# Decoder codes carried next to each path through the pipeline (index of `_decode` branches).
DECODE_ANY = 0  # tf.io.decode_image
DECODE_JPEG = (1, 2, 3, 4)  # tf.io.decode_jpeg at ratio 1, 2, 4, 8
DECODE_PIL = 5  # to_rgb8 through tf.numpy_function
_JPEG_RATIOS = (1, 2, 4, 8)

RESIZE_MODES = ("crop", "pad")
PAD_MODES = ("reflect", "constant")


def jpeg_ratio(width, height, min_side):
    """The largest DCT scale divisor (1, 2, 4 or 8) that keeps both sides >= `min_side`."""
    for ratio in reversed(_JPEG_RATIOS):
        if math.ceil(min(width, height) / ratio) >= min_side:
            return ratio
    return 1


def decoder_code(record, min_side):
    """The `_decode` branch for a usable scan record (a dict with format, size, convert)."""
    if record["convert"]:
        return DECODE_PIL
    if record["format"] == "JPEG":
        ratio = jpeg_ratio(record["width"], record["height"], min_side)
        return DECODE_JPEG[_JPEG_RATIOS.index(ratio)]
    return DECODE_ANY


def decode(path, code, min_side):
    """Graph op: reads `path` with the decoder `code` and returns (H, W, 3) uint8."""

    def pil():
        image = tf.numpy_function(read_rgb8, [path, min_side], tf.uint8, stateful=False)
        return image

    def any_format():
        contents = tf.io.read_file(path)
        return tf.io.decode_image(contents, channels=3, expand_animations=False)

    def jpeg(ratio):
        return lambda: tf.io.decode_jpeg(tf.io.read_file(path), channels=3, ratio=ratio)

    branches = [any_format] + [jpeg(r) for r in _JPEG_RATIOS] + [pil]
    image = tf.switch_case(code, branches)
    image.set_shape([None, None, 3])
    return image


def fit_square(image, size, resize="crop", pad_mode="reflect"):
    """Scales an (H, W, 3) image keeping its aspect ratio and makes it `size`×`size`.

    `"crop"` scales the short side to `size` and keeps the centre; `"pad"` scales the long side to
    `size` and pads the short one on both sides, mirroring the border (`"reflect"`, no hard edge
    for a discriminator to latch onto) or with black (`"constant"`). Returns float32 in [0, 255].
    """
    shape = tf.shape(image)
    height = tf.cast(shape[0], tf.float32)
    width = tf.cast(shape[1], tf.float32)
    side = tf.minimum(height, width) if resize == "crop" else tf.maximum(height, width)
    scale = size / side
    new_h = tf.clip_by_value(tf.cast(tf.round(height * scale), tf.int32), 1, 1 << 20)
    new_w = tf.clip_by_value(tf.cast(tf.round(width * scale), tf.int32), 1, 1 << 20)
    if resize == "crop":
        new_h, new_w = tf.maximum(new_h, size), tf.maximum(new_w, size)
    else:
        new_h, new_w = tf.minimum(new_h, size), tf.minimum(new_w, size)
    scaled = tf.image.resize(image, tf.stack([new_h, new_w]), antialias=True)
    if resize == "crop":
        top, left = (new_h - size) // 2, (new_w - size) // 2
        out = scaled[top : top + size, left : left + size]
    elif pad_mode == "reflect":
        out = _reflect_to(_reflect_to(scaled, size, axis=0), size, axis=1)
    else:
        top, left = (size - new_h) // 2, (size - new_w) // 2
        out = tf.pad(scaled, [[top, size - new_h - top], [left, size - new_w - left], [0, 0]])
    out.set_shape([size, size, 3])
    return tf.clip_by_value(out, 0.0, 255.0)


def _reflect_to(image, size, axis):
    """Pads `axis` to `size` by mirroring, for any pad width (repeats the mirror if needed)."""
    length = tf.shape(image)[axis]
    before = (size - length) // 2
    period = tf.maximum(2 * (length - 1), 1)
    index = tf.math.floormod(tf.range(size) - before, period)
    index = tf.where(index >= length, period - index, index)
    return tf.gather(image, tf.minimum(index, length - 1), axis=axis)


def random_flip_and_crop(image, seed, crop_scale=(0.8, 1.0)):
    """Random horizontal flip and random square crop of `crop_scale` of the area, resized back.

    Stateless: the same `seed` (shape (2,) int) gives the same result, whatever the parallelism.
    """
    size = image.shape[0]
    seeds = tf.random.split(seed, 4)
    flip = tf.random.stateless_uniform([], seeds[0]) < 0.5
    image = tf.cond(flip, lambda: tf.reverse(image, axis=[1]), lambda: image)
    area = tf.random.stateless_uniform([], seeds[1], crop_scale[0], crop_scale[1])
    side = tf.clip_by_value(tf.cast(tf.math.ceil(size * tf.sqrt(area)), tf.int32), 1, size)
    top = tf.random.stateless_uniform([], seeds[2], 0, size - side + 1, dtype=tf.int32)
    left = tf.random.stateless_uniform([], seeds[3], 0, size - side + 1, dtype=tf.int32)
    crop = image[top : top + side, left : left + side]
    out = tf.image.resize(crop, [size, size])
    out.set_shape(image.shape)
    return out


def to_unit_range(image):
    """[0, 255] → float32 [-1, 1] (DESIGN.md §2)."""
    return tf.cast(image, tf.float32) / 127.5 - 1.0
