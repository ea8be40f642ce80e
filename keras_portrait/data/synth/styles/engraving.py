"""Engraving: banknote-like line engraving, parallel lines that swell with the shadows and bend
with the form, cross-hatched in the darkest tones, one ink on cream paper."""

import functools

import cv2
import numpy as np

from keras_portrait.data.synth.styles.base import (
    _TEXTURE_BUCKETS, _to_float, _to_uint8, _per_seed,
)

# (paper RGB, ink RGB): banknote green, black, steel blue, sepia.
_ENGRAVING_INKS = np.array(
    [[[0.95, 0.94, 0.86], [0.12, 0.25, 0.18]],
     [[0.96, 0.95, 0.9], [0.08, 0.08, 0.1]],
     [[0.95, 0.95, 0.92], [0.12, 0.16, 0.3]],
     [[0.96, 0.93, 0.85], [0.3, 0.18, 0.1]]],
    np.float32,
)


@functools.lru_cache(maxsize=8)
def _engraving_textures(h, w, bucket):
    """Line phase (H, W, 2) of the main and the crossing lines, in line periods."""
    rng = np.random.default_rng([h, w, bucket, 4])
    s = min(h, w) / 128.0
    period = max(2.5, 2.8 * s)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    tilt = rng.uniform(-0.25, 0.25)
    main = (yy * np.cos(tilt) + xx * np.sin(tilt)) / period
    cross = (xx * np.cos(tilt + 0.9) + yy * np.sin(tilt + 0.9)) / (0.9 * period)
    return cv2.merge([main, cross]).astype(np.float32)


def _engraving(image, mask, seed):
    h, w = mask.shape
    s = min(h, w) / 128.0
    contrast, bend, lift = _per_seed("engraving", seed, _ENGRAVING_RANGES)
    paper, ink = _ENGRAVING_INKS[seed % len(_ENGRAVING_INKS)]
    gray = _to_float(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    gray = cv2.GaussianBlur(gray, (0, 0), max(0.5, 0.6 * s))
    # Lines bend with the large-scale shading, as an engraver follows the form of the head.
    small = max(2, min(h, w) // 16)
    form = cv2.resize(gray, (small, small), interpolation=cv2.INTER_AREA)
    # The engraver sets the tonal range per plate: stretch it, so dark scenes stay legible.
    low, high = float(form.min()), float(form.max())
    gray = (gray - low) * (1.0 / (high - low + 0.1))
    form = cv2.resize(form, (w, h))
    form *= bend
    phase = _engraving_textures(h, w, seed % _TEXTURE_BUCKETS) + cv2.merge([form, form])
    across = np.abs(phase - np.floor(phase) - 0.5) * 2.0  # 0 between lines, 1 on a line
    tone = np.clip((lift - gray) * contrast, 0.0, 1.0)
    tone = 0.4 * tone + 0.6 * tone * tone
    # A line is inked where its width (growing with the tone) covers the pixel, anti-aliased;
    # lines never merge, the darkest tones get crossing lines instead.
    width = cv2.merge([0.15 + 0.7 * tone, 1.5 * tone - 0.6])
    sharp = max(1.0, 1.6 * s)
    ink_amount = np.clip((across - 1.0 + width) * sharp, 0.0, 1.0)
    dark = np.maximum(ink_amount[..., 0], ink_amount[..., 1])
    colour = np.stack([ink - paper, paper], 1).astype(np.float32)
    return _to_uint8(cv2.transform(dark, colour))


_ENGRAVING_RANGES = [
    (1.1, 1.4),  # contrast
    (2.0, 4.0),  # how far lines bend with the form, in periods
    (1.0, 1.08),  # tone that stays blank
]
