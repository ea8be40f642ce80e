"""Seeded backdrops and screen-space noise textures of SynthPortraits.

Noise textures are made once per image size (cached) from a fixed seed, so they cost nothing per
render; each sample picks its colours and a random offset into them.
"""

import functools

import numpy as np

BACKGROUNDS = ("plain", "gradient", "textured")


@functools.lru_cache(maxsize=16)
def noise_texture(size, scale, seed=0):
    """(size, size) float32 smooth periodic noise, unit deviation, features ~`scale` px.

    Periodic (Gaussian filtering in the Fourier domain), so shifted copies have no seams.
    """
    rng = np.random.default_rng([seed, size, int(scale * 100)])
    base = rng.standard_normal((size, size))
    if scale > 0.3:
        frequency = np.fft.fftfreq(size)
        gain = np.exp(-2.0 * (np.pi * scale) ** 2 * frequency ** 2)
        base = np.fft.ifft2(np.fft.fft2(base) * gain[:, None] * gain[None, :]).real
    base = base.astype(np.float32)
    base -= base.mean()
    base /= base.std() + 1e-8
    base.setflags(write=False)
    return base


@functools.lru_cache(maxsize=16)
def _ramps(size):
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size
    yy, xx = np.meshgrid(coords, coords, indexing="ij")
    radial = np.sqrt((xx - 0.5) ** 2 + (yy - 0.42) ** 2)
    out = (xx, yy, radial)
    for a in out:
        a.setflags(write=False)
    return out


def draw_background(rng):
    """Draws a backdrop description: {"kind", "color", "color2", "angle", "offset"}."""
    kind = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    hue = rng.random()
    base = np.clip(np.abs((hue * 6.0 + np.array([0.0, 4.0, 2.0])) % 6.0 - 3.0) - 1.0, 0, 1)
    saturation, value = 0.08 + 0.45 * rng.random(), 0.25 + 0.65 * rng.random()
    color = value * (1 - saturation + saturation * base)
    color2 = np.clip(color * (0.45 + 0.5 * rng.random()) + 0.05 * rng.random(3), 0, 1)
    return {"kind": kind, "color": color.round(4).tolist(), "color2": color2.round(4).tolist(),
            "angle": float(rng.uniform(-0.6, 0.6)), "offset": int(rng.integers(1 << 16))}


def render_background(description, size):
    """(size, size, 3) float32 RGB in [0, 1] for a description from `draw_background`."""
    kind = description["kind"]
    if kind not in BACKGROUNDS:
        raise ValueError(f"Unknown background kind {kind!r}. Valid: {', '.join(BACKGROUNDS)}")
    color = np.asarray(description["color"], np.float32)
    color2 = np.asarray(description["color2"], np.float32)
    xx, yy, radial = _ramps(size)
    if kind == "plain":
        t = np.clip(radial * 0.6, 0, 1)  # a faint vignette keeps it from looking flat
    else:
        a = description["angle"]
        t = np.clip((yy * np.cos(a) + xx * np.sin(a)) * 0.9 + 0.05, 0, 1)
    if kind == "textured":
        off = description["offset"]
        shift = (off % size, (off // size) % size)
        blobs = np.roll(noise_texture(size, size / 10.0, 1), shift, axis=(0, 1))
        fine = np.roll(noise_texture(size, max(size / 90.0, 0.5), 2), shift, axis=(0, 1))
        t = np.clip(t * 0.6 + 0.16 * blobs + 0.2, 0, 1) + 0.03 * fine
    image = color[None, None, :] * (1 - t[..., None]) + color2[None, None, :] * t[..., None]
    return np.clip(image, 0, 1)
