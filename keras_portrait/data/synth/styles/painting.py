"""Painting: flattened colour, oriented bristle strokes with impasto relief, canvas, varnish."""

import functools

import cv2
import numpy as np

from keras_portrait.data.synth.styles.base import (
    _TEXTURE_BUCKETS, _to_float, _to_uint8, _luminance, _smooth_noise, _oriented_kernel,
    _orientation_weights, _class_values, _class_means, _pull_to_means, _reduced, _per_seed,
)

# How much each class is pulled towards its mean colour (the background becomes a flat ground).
_PAINT_FLATTEN = np.array([0.5, 0.2, 0.3, 0.0, 0.1, 0.1, 0.1], np.float32)
# Per class, how far strokes drag colour and how thick their relief is.
_PAINT_BRUSH = np.array([1.2, 1.0, 1.2, 0.25, 0.5, 0.7, 0.4], np.float32)
_PAINT_ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def _stroke_layer(rng, h, w, length, width, angle):
    """Overlapping brush strokes of one direction, painted in random order.

    Returns the stroke height (paint thickness, bristles and ridges) and, per pixel, the offset
    (dx, dy) from the pixel to the centre of the stroke that covers it: sampling the colour
    there gives each stroke one colour, as a brush loaded with one colour would.
    """
    r = int(np.ceil(length))
    y, x = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
    u = x * np.cos(angle) + y * np.sin(angle)
    v = -x * np.sin(angle) + y * np.cos(angle)
    footprint = ((u / length) ** 2 + (v / width) ** 2 <= 1.0).astype(np.uint8)
    # Stroke centres carry a unique random rank; a grey dilation keeps the top-ranked stroke.
    count = int(3.0 * h * w / max(footprint.sum(), 1)) + 1
    cy = rng.integers(0, h, count)
    cx = rng.integers(0, w, count)
    ranks = np.full((h, w), -1.0, np.float32)
    ranks[cy, cx] = rng.permutation(count).astype(np.float32)
    top = cv2.dilate(ranks, footprint, borderType=cv2.BORDER_CONSTANT, borderValue=-1.0)
    order = np.full(count, -1, np.int64)
    order[ranks[cy, cx].astype(np.int64)] = np.arange(count)
    stroke = order[np.maximum(top, 0).astype(np.int64)]
    covered = top >= 0
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = np.where(covered, cx[stroke] - xx, 0).astype(np.float32)
    dy = np.where(covered, cy[stroke] - yy, 0).astype(np.float32)
    # Paint thickness: one level per stroke, bristle streaks along it, ridges at its rim.
    level = rng.uniform(-1, 1, count).astype(np.float32)[stroke]
    bristles = cv2.filter2D(
        rng.standard_normal((h, w)).astype(np.float32), -1,
        _oriented_kernel(max(1.5, 0.5 * length), max(0.4, 0.12 * length), angle),
        borderType=cv2.BORDER_REFLECT,
    )
    height = level + 0.6 * bristles / (bristles.std() + 1e-6)
    height = cv2.GaussianBlur(height, (0, 0), 0.6)
    relief = -0.6 * cv2.Sobel(height, cv2.CV_32F, 1, 0) - 0.8 * cv2.Sobel(height, cv2.CV_32F, 0, 1)
    texture = 0.5 * height + 0.35 * relief  # impasto lit from the top left
    return texture / (texture.std() + 1e-6), dx, dy


@functools.lru_cache(maxsize=8)
def _painting_textures(h, w, bucket):
    """Stroke textures over the canvas weave and stroke offsets, all (H, W, 4) with one channel
    per direction of _PAINT_ANGLES, and the pixel coordinates (H, W)."""
    rng = np.random.default_rng([h, w, bucket, 1])
    s = min(h, w) / 128.0
    layers = [
        _stroke_layer(rng, h, w, max(2.5, 6.0 * s), max(1.0, 2.0 * s), angle)
        for angle in _PAINT_ANGLES
    ]
    textures, dx, dy = (cv2.merge(list(parts)) for parts in zip(*layers))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = max(2.0, 3.0 * s)
    weave = np.abs(np.sin(np.pi * xx / period)) * np.abs(np.sin(np.pi * yy / period))
    canvas = weave + 0.5 * _smooth_noise(rng, (h, w), 0.7 * s)
    canvas = (canvas - canvas.mean()) / (canvas.std() + 1e-6)
    # The canvas shows through every stroke direction alike, at about half the relief's strength
    # (less on small images, where its weave is at the scale of the pixels).
    canvas *= 0.5 * min(1.0, s)
    textures += cv2.cvtColor(canvas.astype(np.float32), cv2.COLOR_GRAY2RGBA)
    return textures, dx, dy, xx, yy


def _painting(image, mask, seed):
    h, w = mask.shape
    s = min(h, w) / 128.0
    factor = 2 if min(h, w) >= 96 else 1
    warmth, saturation, stroke, prior_angle, tint_r, tint_b, ground, smear = (
        _per_seed("painting", seed, _PAINT_RANGES)
    )
    small, mask_u8 = _reduced(image, mask, factor)
    # Edge-preserving flattening at the reduced size, where it is cheap; small images are
    # flattened by the strokes alone.
    if factor > 1:
        small = cv2.bilateralFilter(small, 5, 40, max(1.0, 2.0 * s / factor))
    flat = _to_float(small)

    # Region-aware flattening: each class moves towards its mean colour.
    means = _class_means(flat, mask_u8)
    means[0] = means[0] * ground + (1 - ground) * _PAINT_GROUNDS[int(seed) % len(_PAINT_GROUNDS)]
    flat = _pull_to_means(flat, mask_u8, _PAINT_FLATTEN, means)

    # Palette: desaturated shadows, then a warm varnish with a seeded tint.
    luma = _luminance(flat)
    luma3 = cv2.cvtColor(luma, cv2.COLOR_GRAY2RGB)
    flat = luma3 + (flat - luma3) * (saturation * np.minimum(0.55 + luma3, 1.0))
    varnish = np.array(
        [[1.0 + 0.04 * warmth + tint_r, 0, 0, 0.02 * warmth],
         [0, 1.0 + 0.01 * warmth, 0, 0.01 * warmth],
         [0, 0, 1.0 - 0.1 * warmth + tint_b, -0.01 * warmth]],
        np.float32,
    )
    flat = cv2.transform(flat, varnish)

    # Strokes follow the image structure (smooth, so found at half size): each takes the colour
    # at its centre, and its relief and the canvas show through the paint.
    if factor == 1:
        small, mask_u8 = _reduced(image, mask, 2)
    prior = (200.0 * np.cos(2 * prior_angle), 200.0 * np.sin(2 * prior_angle))
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    weights = _orientation_weights(gray, max(1.0, 0.75 * s), prior)
    # Small features keep their shape: shorter drags and thinner paint inside them.
    brush = _class_values(mask_u8, _PAINT_BRUSH) / cv2.transform(weights, _ONES4)
    weights *= cv2.cvtColor(brush, cv2.COLOR_GRAY2RGBA)
    weights = cv2.resize(weights, (w, h), interpolation=cv2.INTER_LINEAR)
    if factor > 1:
        flat = cv2.resize(flat, (w, h), interpolation=cv2.INTER_LINEAR)
    textures, dx, dy, xx, yy = _painting_textures(h, w, seed % _TEXTURE_BUCKETS)
    smear_row = np.full((1, 4), smear, np.float32)
    map_x = xx + cv2.transform(weights * dx, smear_row)
    map_y = yy + cv2.transform(weights * dy, smear_row)
    flat = cv2.remap(flat, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # The transform's last column adds the 1 around which the paint is modulated.
    texture = cv2.transform(weights * textures, np.array([[stroke] * 4 + [1.0]], np.float32))
    return _to_uint8(flat * cv2.cvtColor(texture, cv2.COLOR_GRAY2RGB))


_PAINT_RANGES = [
    (0.3, 1.0),  # warmth of the varnish
    (0.85, 1.05),  # saturation
    (0.04, 0.07),  # stroke relief and canvas grain
    (0.0, np.pi),  # stroke direction where the image is flat
    (-0.04, 0.04),  # red tint
    (-0.04, 0.04),  # blue tint
    (0.35, 0.7),  # how much of the photo's background survives in the painted ground
    (0.6, 0.9),  # how far a stroke drags the colour at its centre
]
# Dark grounds of portrait paintings: umber, olive, slate, oxblood.
_PAINT_GROUNDS = np.array(
    [[0.25, 0.19, 0.12], [0.24, 0.24, 0.15], [0.2, 0.22, 0.25], [0.3, 0.15, 0.12]], np.float32
)
_ONES4 = np.ones((1, 4), np.float32)
