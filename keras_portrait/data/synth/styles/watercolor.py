"""Watercolour: transparent washes that bleed past the drawing, darker pooled edges, pigment
granulation in the paper's grain, a faint pencil under-drawing and an unfinished border."""

import functools

import cv2
import numpy as np

from keras_portrait.data.synth.styles.base import (
    _TEXTURE_BUCKETS, _to_float, _to_uint8, _luminance, _smooth_noise, _class_values,
    _class_means, _pull_to_means, _reduced, _contours, _per_seed,
)
from keras_portrait.data.synth.styles.sketch import _SKETCH_CONTOUR

# Per class, how much the wash is pulled to one flat colour, and how much pigment it holds.
_WASH_FLATTEN = np.array([0.7, 0.35, 0.5, 0.1, 0.3, 0.3, 0.2], np.float32)
_WASH_PIGMENT = np.array([0.6, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], np.float32)


@functools.lru_cache(maxsize=8)
def _watercolor_textures(h, w, bucket, factor):
    """Sampling maps from the reduced image to the full one with the bleeding displacement,
    the granulation (H, W) around 0 and the vignette (H, W) of the unfinished border."""
    rng = np.random.default_rng([h, w, bucket, 3])
    s = min(h, w) / 128.0
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    amplitude = max(0.7, 1.4 * s)
    bleed_x = amplitude * _smooth_noise(rng, (h, w), 4.0 * s)
    bleed_y = amplitude * _smooth_noise(rng, (h, w), 4.0 * s)
    map_x = ((xx + bleed_x + 0.5) / factor - 0.5).astype(np.float32)
    map_y = ((yy + bleed_y + 0.5) / factor - 0.5).astype(np.float32)
    grain = (
        0.5 * min(1.0, s) * _smooth_noise(rng, (h, w), 0.5)
        + 0.35 * _smooth_noise(rng, (h, w), 1.5 * s)
        + 0.5 * _smooth_noise(rng, (h, w), 12.0 * s)  # flow marks of the wet pigment
    )
    radius = np.hypot((xx + 0.5) / w - 0.5, (yy + 0.5) / h - 0.5) * 2.0
    ragged = radius + 0.12 * _smooth_noise(rng, (h, w), 6.0 * s)
    vignette = np.clip((1.25 - ragged) * 4.0, 0.0, 1.0)
    return map_x, map_y, (grain / grain.std()).astype(np.float32), vignette.astype(np.float32)


def _watercolor(image, mask, seed):
    h, w = mask.shape
    s = min(h, w) / 128.0
    factor = 2 if min(h, w) >= 64 else 1
    pigment, pooling, granulation, pencil, hue = _per_seed("watercolor", seed, _WASH_RANGES)
    small, mask_u8 = _reduced(image, mask, factor)
    wash = _to_float(cv2.GaussianBlur(small, (0, 0), max(0.7, 1.2 * s / factor)))
    wash = _pull_to_means(wash, mask_u8, _WASH_FLATTEN, _class_means(wash, mask_u8))
    # Pigment density (0 = bare paper); washes are transparent, so they stay light.
    density = cv2.transform(wash, _wash_matrix(pigment, hue))
    density *= cv2.cvtColor(_class_values(mask_u8, _WASH_PIGMENT), cv2.COLOR_GRAY2RGB)
    map_x, map_y, grain, vignette = _watercolor_textures(h, w, seed % _TEXTURE_BUCKETS, factor)
    density = cv2.remap(density, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # Pigment pools where a wash dries: denser just inside its border, paler just outside.
    body = _luminance(density)
    edge = body - cv2.GaussianBlur(body, (0, 0), max(1.0, 1.5 * s))
    lines = _contours(mask.astype(np.uint8), _SKETCH_CONTOUR)
    amount = (1.0 + pooling * edge * 8.0 + granulation * grain) * vignette
    density *= cv2.cvtColor(amount, cv2.COLOR_GRAY2RGB)
    density += cv2.cvtColor(pencil * lines, cv2.COLOR_GRAY2RGB)
    return _to_uint8(_WASH_PAPER - density)


def _wash_matrix(pigment, hue):
    """Maps a colour to its pigment density (1 - colour, scaled), with a seeded hue rotation
    that mixes neighbouring channels."""
    rotate = np.array([[1 - abs(hue), max(hue, 0), max(-hue, 0)],
                       [max(-hue, 0), 1 - abs(hue), max(hue, 0)],
                       [max(hue, 0), max(-hue, 0), 1 - abs(hue)]], np.float32)
    return np.concatenate([-pigment * rotate, np.full((3, 1), pigment, np.float32)], 1)


_WASH_RANGES = [
    (0.6, 0.8),  # pigment load of the washes
    (0.6, 1.0),  # edge pooling
    (0.05, 0.1),  # granulation
    (0.1, 0.2),  # pencil under-drawing
    (-0.06, 0.06),  # hue drift
]
_WASH_PAPER = np.array([0.98, 0.97, 0.94], np.float32)
