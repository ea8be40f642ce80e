"""Sketch: pencil lines, contours of the mask, tonal hatching, smudge and paper tooth."""

import functools

import cv2
import numpy as np

from keras_portrait.data.synth.styles.base import (
    _TEXTURE_BUCKETS, _to_float, _to_uint8, _smooth_noise, _class_values, _contours, _per_seed,
)

# Per class (the highest class id around a border), how strongly its contour is drawn.
_SKETCH_CONTOUR = np.array([0.0, 0.45, 0.3, 0.6, 0.45, 0.2, 0.5], np.float32)
# Per class, how much of the tone is shaded (the background stays mostly bare paper).
_SKETCH_SHADE = np.array([0.3, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], np.float32)
# (paper RGB, graphite RGB): graphite, charcoal, sepia chalk.
_SKETCH_MEDIA = np.array(
    [[[0.96, 0.955, 0.94], [0.22, 0.22, 0.24]],
     [[0.94, 0.94, 0.93], [0.1, 0.1, 0.1]],
     [[0.955, 0.95, 0.93], [0.28, 0.24, 0.21]]],
    np.float32,
)


def _hatch_lines(rng, h, w, spacing, angle, stroke_length):
    """Parallel pencil strokes (ink amount in [0, 1]) at `angle`, broken into wobbly dashes."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    v = v + 0.25 * spacing * _smooth_noise(rng, (h, w), 2.0 * spacing)
    line = np.floor(v / spacing)
    # Each line has its own dash phase, each dash its own pressure.
    offsets = rng.uniform(0, stroke_length, 4096).astype(np.float32)
    line_id = (line.astype(np.int64) % 4096)
    dash = np.floor((u + offsets[line_id]) / stroke_length).astype(np.int64)
    pressure = rng.uniform(0.45, 1.0, 65536).astype(np.float32)[(line_id * 131 + dash * 7) % 65536]
    across = np.abs(v / spacing - line - 0.5) * 2.0  # 0 on the line, 1 between lines
    along = (u + offsets[line_id]) / stroke_length - dash  # 0..1 along the dash
    taper = np.minimum(1.0, 6.0 * np.minimum(along, 1.0 - along))
    return (np.clip(1.6 - 2.2 * across, 0.0, 1.0) * pressure * taper).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _sketch_textures(h, w, bucket):
    """Hatching layers (H, W, 3), light to dark, and the paper tooth (H, W) in [0, 1]."""
    rng = np.random.default_rng([h, w, bucket, 2])
    s = min(h, w) / 128.0
    spacing = max(2.2, 3.0 * s)
    base = rng.uniform(0.6, 1.0)
    layers = [
        _hatch_lines(rng, h, w, spacing, base + a, max(6.0, 14.0 * s) * k)
        for a, k in ((0.0, 1.0), (-1.2, 0.8), (0.7, 0.6))
    ]
    tooth = 0.6 * _smooth_noise(rng, (h, w), 0.5 * s) + 0.4 * _smooth_noise(rng, (h, w), 1.5 * s)
    tooth = np.clip(0.5 + 0.25 * tooth, 0.0, 1.0).astype(np.float32)
    return cv2.merge(layers), tooth


def _sketch(image, mask, seed):
    h, w = mask.shape
    s = min(h, w) / 128.0
    line_weight, shading, smudge, lightness = _per_seed("sketch", seed, _SKETCH_RANGES)
    paper, graphite = _SKETCH_MEDIA[seed % len(_SKETCH_MEDIA)]
    layers, tooth = _sketch_textures(h, w, seed % _TEXTURE_BUCKETS)
    gray = _to_float(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    fine = cv2.GaussianBlur(gray, (0, 0), max(0.5, 0.8 * s))
    coarse = cv2.GaussianBlur(fine, (0, 0), max(1.0, 1.6 * s))
    # Lines where the centre is darker than its surround (difference of Gaussians).
    lines = line_weight * (coarse - fine) - 0.25
    # Contours of the mask, strongest around the small features.
    mask_u8 = mask.astype(np.uint8)
    contour = _contours(mask_u8, _SKETCH_CONTOUR)
    # Tone: three hatching layers come in as the drawing darkens.
    tone = np.clip((lightness - coarse) * 1.3 - 0.15, 0.0, 1.0)
    tone *= _class_values(mask_u8, _SKETCH_SHADE)
    steps = cv2.merge([tone, tone, tone]) * shading - _HATCH_THRESHOLDS
    hatching = cv2.transform(np.clip(steps, 0.0, 1.0) * layers, _ONES3)
    dark = np.maximum(np.maximum(lines, contour), hatching) + smudge * tone
    # Graphite catches on the paper's tooth.
    dark = np.clip(dark, 0.0, 1.0) * (0.55 + 0.6 * tooth)
    colour = np.stack([graphite - paper, paper], 1).astype(np.float32)
    return _to_uint8(cv2.transform(dark, colour))


_SKETCH_RANGES = [
    (18.0, 28.0),  # line weight
    (1.1, 1.4),  # shading pressure
    (0.15, 0.3),  # smudged tone
    (0.9, 1.0),  # tone that stays paper-white
]
_HATCH_THRESHOLDS = np.array([0.2, 0.5, 0.8], np.float32)
_ONES3 = np.ones((1, 3), np.float32)
