"""What every art style shares: argument checks, seeded style parameters, and the image
filters and noise textures the styles are built from."""

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
