"""Art styles of SynthPortraits: post-processes that turn a photo render into another medium.

Every style keeps the layout of the photo (same head, same mask), so a portrait rendered in two
styles is an exact translation pair. Styles are cheap image filters over textures that are made
once per image size and seed bucket and then cached, so stylizing costs well under a millisecond
at 64x64. The same (image, mask, style, seed) always gives the same pixels.
"""

import functools

import cv2
import numpy as np

STYLES = ("photo", "painting", "sketch", "watercolor", "engraving")

# Textures are shared by seeds with the same `seed % _TEXTURE_BUCKETS`; the per-seed look
# (palette, stroke strength, paper colour...) still varies continuously with the seed.
_TEXTURE_BUCKETS = 4
_NUM_CLASSES = 7
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_RGB_OFFSETS = np.arange(3, dtype=np.intp)
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def stylize(image, mask, style, seed):
    """Renders `image` (uint8 RGB, (H, W, 3)) in `style`, using `mask` (int (H, W), class ids).

    Returns a new uint8 (H, W, 3) array; "photo" returns `image` itself.
    """
    if style not in _RENDERERS:
        raise ValueError(f"Unknown style {style!r}. Valid: {', '.join(STYLES)}")
    _check_arguments(image, mask, seed)
    if style == "photo":
        return image
    return _RENDERERS[style](np.ascontiguousarray(image), mask, int(seed))


def _check_arguments(image, mask, seed):
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError(
            f"`image` must be a uint8 numpy array. Received: image of type {type(image).__name__}"
            f" and dtype {getattr(image, 'dtype', None)}"
        )
    if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 8:
        raise ValueError(
            f"`image` must have shape (H, W, 3) with H, W >= 8. Received: image.shape={image.shape}"
        )
    if not isinstance(mask, np.ndarray) or not np.issubdtype(mask.dtype, np.integer):
        raise ValueError(
            f"`mask` must be an integer numpy array of class ids. Received: mask of type "
            f"{type(mask).__name__} and dtype {getattr(mask, 'dtype', None)}"
        )
    if mask.shape != image.shape[:2]:
        raise ValueError(
            f"`mask` must have shape {image.shape[:2]} (the image's H, W). "
            f"Received: mask.shape={mask.shape}"
        )
    if mask.min() < 0 or mask.max() >= _NUM_CLASSES:
        raise ValueError(
            f"`mask` ids must be in [0, {_NUM_CLASSES - 1}]. "
            f"Received: ids in [{mask.min()}, {mask.max()}]"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be an int >= 0. Received: seed={seed!r}")


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _to_float(image):
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def _to_uint8(x):
    return cv2.convertScaleAbs(x, alpha=255.0)


def _luminance(rgb):
    return cv2.transform(rgb, _LUMA[None, :])


def _smooth_noise(rng, shape, sigma):
    """White noise blurred to correlation length `sigma`, rescaled to zero mean, unit std.

    Wide blurs are made on a coarser grid and interpolated up, which looks the same and keeps
    large textures quick to build.
    """
    step = max(1, int(sigma / 2))
    coarse = (-(-shape[0] // step), -(-shape[1] // step))
    noise = rng.standard_normal(coarse).astype(np.float32)
    if sigma > 0:
        noise = cv2.GaussianBlur(noise, (0, 0), sigma / step, borderType=cv2.BORDER_REFLECT)
    if step > 1:
        size = (coarse[1] * step, coarse[0] * step)
        noise = cv2.resize(noise, size, interpolation=cv2.INTER_CUBIC)[: shape[0], : shape[1]]
    return (noise - noise.mean()) / (noise.std() + 1e-6)


def _oriented_kernel(length, width, angle):
    """A normalised anisotropic Gaussian, long along `angle` (radians, image x/y axes)."""
    r = int(np.ceil(2.5 * max(length, width)))
    y, x = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
    u = x * np.cos(angle) + y * np.sin(angle)
    v = -x * np.sin(angle) + y * np.cos(angle)
    k = np.exp(-0.5 * ((u / length) ** 2 + (v / width) ** 2))
    return (k / k.sum()).astype(np.float32)


def _orientation_weights(gray, sigma, prior):
    """Per-pixel weights (H, W, 4) of the stroke directions 0, 45, 90, 135 degrees.

    Strokes run along edges, perpendicular to the smoothed gradient (structure tensor) of the
    uint8 `gray`; where it is flat the `prior` direction, doubled-angle (cos 2a, sin 2a) in
    squared grey levels, takes over.
    With the doubled-angle tangent (c, s), direction k gets max(0, its cosine to (c, s))^4,
    which picks the nearest direction and blends smoothly between neighbours. Not normalised.
    """
    gx, gy = cv2.spatialGradient(gray)  # Sobel of a uint8 image, in int16
    gx, gy = gx.astype(np.float32), gy.astype(np.float32)
    k = 2 * int(round(1.2 * sigma)) + 1  # a box as wide as the Gaussian of `sigma`
    cs = cv2.blur(cv2.merge([gy * gy - gx * gx, -2.0 * gx * gy]), (k, k))
    cs += np.asarray(prior, np.float32)
    cs /= cv2.cvtColor(cv2.magnitude(cs[..., 0], cs[..., 1]) + 1e-9, cv2.COLOR_GRAY2BGR)[..., :2]
    weights = np.maximum(cv2.merge([cs, -cs]), 0.0)
    weights *= weights
    return weights * weights


def _class_values(mask_u8, values):
    """Looks up one float per class (or one RGB triple when `values` is (classes, 3))."""
    table = np.zeros((256, 1, values.shape[1] if values.ndim == 2 else 1), np.float32)
    table[: len(values), 0] = values.reshape(len(values), -1)
    if values.ndim == 2:
        return cv2.LUT(cv2.cvtColor(mask_u8, cv2.COLOR_GRAY2RGB), table)
    return cv2.LUT(mask_u8, table[:, 0, 0])


def _class_means(rgb, mask_u8):
    """The mean colour (classes, 3) of every class of the mask (0 for absent classes), estimated
    on a grid of about 32x32 pixels."""
    step = max(1, min(mask_u8.shape) // 32)
    if step > 1:
        rgb, mask_u8 = rgb[::step, ::step], mask_u8[::step, ::step]
    index = (mask_u8.reshape(-1, 1).astype(np.intp) * 3 + _RGB_OFFSETS).ravel()
    sums = np.bincount(index, rgb.ravel(), 3 * _NUM_CLASSES).reshape(_NUM_CLASSES, 3)
    counts = np.bincount(mask_u8.ravel(), minlength=_NUM_CLASSES)[: _NUM_CLASSES, None]
    return (sums / (counts + 1e-6)).astype(np.float32)


def _pull_to_means(rgb, mask_u8, pull, means):
    """Moves every pixel by `pull[class]` of the way to `means[class]` (region flattening)."""
    table = np.zeros((256, 1, 6), np.float32)
    table[:_NUM_CLASSES, 0, :3] = 1.0 - pull[:, None]
    table[:_NUM_CLASSES, 0, 3:] = pull[:, None] * means
    mask3 = cv2.cvtColor(mask_u8, cv2.COLOR_GRAY2RGB)
    return rgb * cv2.LUT(mask3, table[..., :3]) + cv2.LUT(mask3, table[..., 3:])


def _reduced(image, mask, factor):
    """The image and the mask, both uint8, at 1/`factor` of their size."""
    h, w = mask.shape
    size = (max(1, w // factor), max(1, h // factor))
    mask_u8 = mask.astype(np.uint8)
    if factor == 1:
        return image, mask_u8
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return small, cv2.resize(mask_u8, size, interpolation=cv2.INTER_NEAREST)


def _contours(mask_u8, strength):
    """Lines ~2 px wide on the borders between classes; a border's `strength` is that of the
    highest class id on it (the small features have the highest ids)."""
    border = cv2.morphologyEx(mask_u8, cv2.MORPH_GRADIENT, _CROSS) > 0
    return _class_values(cv2.dilate(mask_u8, _CROSS), strength) * border


def _per_seed(style, seed, ranges):
    """Seeded style parameters, one uniform draw per (low, high) range.

    A splitmix64 hash of (style, seed, index): a generator object per call would cost more than
    a whole small style.
    """
    mask64 = 0xFFFFFFFFFFFFFFFF
    values = []
    for index, (low, high) in enumerate(ranges):
        z = (seed * 0x9E3779B97F4A7C15 + (_STYLE_IDS[style] << 32) + index * 0xBF58476D1CE4E5B9)
        z &= mask64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask64
        z ^= z >> 31
        values.append(low + (high - low) * (z >> 11) * 2.0**-53)
    return values


_STYLE_IDS = {name: i for i, name in enumerate(STYLES)}


# ---------------------------------------------------------------------------------------------
# Painting: flattened colour, oriented bristle strokes with impasto relief, canvas, varnish.

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


# ---------------------------------------------------------------------------------------------
# Sketch: pencil lines, contours of the mask, tonal hatching, smudge and paper tooth.

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


# ---------------------------------------------------------------------------------------------
# Watercolour: transparent washes that bleed past the drawing, darker pooled edges, pigment
# granulation in the paper's grain, a faint pencil under-drawing and an unfinished border.

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


# ---------------------------------------------------------------------------------------------
# Engraving: banknote-like line engraving, parallel lines that swell with the shadows and bend
# with the form, cross-hatched in the darkest tones, one ink on cream paper.

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


_RENDERERS = {
    "photo": None,
    "painting": _painting,
    "sketch": _sketch,
    "watercolor": _watercolor,
    "engraving": _engraving,
}
