"""Seeded backdrops and screen-space noise textures of SynthPortraits.

Noise textures are made once per image size (cached) from a fixed seed, so they cost nothing per
render; each sample picks its colours and a random offset into them.
"""

import functools

import numba
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


@numba.njit(cache=True)
def _paint(kind, color, color2, cos_a, sin_a, xx, yy, radial, blobs, fine, shift, out):
    """Fills out (size * size, 3) float64; float32 where the plain vignette works in float32."""
    size = xx.shape[0]
    for i in range(size):
        for j in range(size):
            k = i * size + j
            if kind == 0:  # plain: a faint vignette keeps it from looking flat
                t32 = min(max(radial[i, j] * np.float32(0.6), np.float32(0.0)), np.float32(1.0))
                for c in range(3):
                    value = color[c] * (np.float32(1.0) - t32) + color2[c] * t32
                    out[k, c] = min(max(value, np.float32(0.0)), np.float32(1.0))
                continue
            t = min(max((np.float64(yy[i, j]) * cos_a + np.float64(xx[i, j]) * sin_a) * 0.9
                        + 0.05, 0.0), 1.0)
            if kind == 2:
                a, b = (i - shift[0]) % size, (j - shift[1]) % size
                t = min(max(t * 0.6 + np.float64(np.float32(0.16) * blobs[a, b]) + 0.2, 0.0),
                        1.0) + np.float64(np.float32(0.03) * fine[a, b])
            for c in range(3):
                value = np.float64(color[c]) * (1.0 - t) + np.float64(color2[c]) * t
                out[k, c] = min(max(value, 0.0), 1.0)


def render_background(description, size):
    """(size, size, 3) float64 RGB in [0, 1] for a description from `draw_background`."""
    kind = description["kind"]
    if kind not in BACKGROUNDS:
        raise ValueError(f"Unknown background kind {kind!r}. Valid: {', '.join(BACKGROUNDS)}")
    color = np.asarray(description["color"], np.float32)
    color2 = np.asarray(description["color2"], np.float32)
    xx, yy, radial = _ramps(size)
    a = description["angle"]
    blobs = fine = radial
    shift = (0, 0)
    if kind == "textured":
        off = description["offset"]
        shift = (off % size, (off // size) % size)
        blobs = noise_texture(size, size / 10.0, 1)
        fine = noise_texture(size, max(size / 90.0, 0.5), 2)
    image = np.empty((size * size, 3))
    _paint(BACKGROUNDS.index(kind), color, color2, float(np.cos(a)), float(np.sin(a)), xx, yy,
           radial, blobs, fine, np.array(shift, np.int64), image)
    return image.reshape(size, size, 3)
