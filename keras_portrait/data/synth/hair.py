"""Procedural hair of SynthPortraits: one shell mesh per style over the skull.

A style is a grid of strands: columns around the head (azimuth measured from the face, +z) and
rows from the crown down. Each column follows an enlarged skull ellipsoid down to the equator
and then, for long styles, falls vertically. Where a column ends depends on its azimuth: at the
hairline over the face, above the ears, at the nape, or at the shoulders. uv holds (azimuth in
turns, distance from the crown in cm), which the shader uses for the strand texture.
"""

import functools

import numpy as np

from keras_portrait.data.synth import head as hd
from keras_portrait.data.synth import mesh_parts as mp
from keras_portrait.data.synth.sitters import HAIR_STYLES

# Per style: (shell offset in cm, end height y at |azimuth| nodes, volume noise, hairline y).
_AZIMUTH_NODES = np.array([0.0, 55.0, 68.0, 78.0, 88.0, 100.0, 125.0, 180.0])
_STYLES = {
    "short": (0.55, [7.4, 7.0, 6.0, 2.5, 4.6, 4.6, 0.5, -3.5], 0.15),
    "long": (0.75, [7.4, 7.0, 6.5, -21.0, -22.0, -23.0, -24.0, -24.0], 0.1),
    "bob": (0.85, [7.4, 7.0, 6.5, -6.5, -7.2, -7.6, -7.8, -7.6], 0.1),
    "curly": (1.25, [7.6, 7.3, 6.8, 2.2, 2.8, 1.5, -1.5, -4.5], 0.5),
    "buzz": (0.3, [7.4, 7.1, 6.3, 2.8, 4.5, 4.5, 0.5, -3.0], 0.0),
}
# Fringe: the front columns end just above the brows instead of at the hairline.
_FRINGE_Y = 5.6
# (rows, columns) of the strand grid per level of detail: 0 = full, 1 = small images.
GRID = {0: (15, 40), 1: (10, 26)}


def _column(azimuth, end_y, offset, fringe):
    """Dense polyline (M, 3) of one strand column from the crown to end_y."""
    elevation = np.linspace(np.pi / 2, -np.pi / 2, 121)
    # Thicker on top (volume), thinner toward the ears.
    thickness = offset * (1.0 + 0.5 * np.maximum(np.sin(elevation), 0.0))[:, None]
    r = hd.SKULL_RADII + thickness
    c = hd.SKULL_CENTER + np.array([0.0, 0.25 * offset, 0.0])
    pts = np.stack([r[:, 0] * np.cos(elevation) * np.sin(azimuth),
                    c[1] + r[:, 1] * np.sin(elevation),
                    c[2] + r[:, 2] * np.cos(elevation) * np.cos(azimuth)], 1)
    front = max(np.cos(azimuth), 0.0)
    # The forehead bulges out of the skull ellipsoid: keep the hair in front of it.
    forward = (1.2 if fringe else 0.7) * min(1.0, 0.3 + 2.0 * offset) * front * mp.smoothstep(
        12.0, 6.5, pts[:, 1])
    pts[:, 2] += forward
    if end_y >= c[1]:
        return pts[pts[:, 1] >= end_y]
    upper = pts[: 61]
    drop = np.linspace(upper[-1, 1], end_y, 40)[1:]
    flare = 1.0 + 0.06 * mp.smoothstep(c[1], end_y, drop)
    hang = np.stack([upper[-1, 0] * flare, drop, c[2] + (upper[-1, 2] - c[2]) * flare], 1)
    return np.concatenate([upper, hang])


def _resample(polyline, count):
    seg = np.linalg.norm(np.diff(polyline, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0.0, s[-1], count)
    return np.stack([np.interp(t, s, polyline[:, k]) for k in range(3)], 1), t


@functools.lru_cache(maxsize=32)
def hair_part(style, fringe=False, lod=0):
    """The hair `Part` of a style (None for "bald"); uv = (azimuth turns, cm from the crown).

    Vertices form a `GRID[lod]` (rows, columns) grid in row-major order.
    """
    if style not in HAIR_STYLES:
        raise ValueError(f"Unknown hair_style {style!r}. Valid: {', '.join(HAIR_STYLES)}")
    if style == "bald":
        return None
    offset, ends, noise = _STYLES[style]
    rows_count, columns = GRID[lod]
    use_fringe = fringe and style in ("short", "long", "bob")
    azimuths = np.linspace(-np.pi, np.pi, columns, endpoint=False) + np.pi / columns
    rows, lengths = [], []
    ragged = np.random.default_rng(5).uniform(-1.0, 1.0, columns)
    for a, jitter in zip(azimuths, ragged):
        end_y = float(np.interp(abs(np.degrees(a)), _AZIMUTH_NODES, ends))
        if use_fringe and abs(np.degrees(a)) < 62:
            end_y = _FRINGE_Y
        # Uneven ends: a few millimetres at the hairline, more on long hair.
        end_y += jitter * (0.25 if end_y > 4.0 else 0.7)
        pts, s = _resample(_column(a, end_y, offset, use_fringe), rows_count)
        rows.append(pts)
        lengths.append(s)
    grid = np.stack(rows, axis=1)  # (rows, columns, 3)
    dist = np.stack(lengths, axis=1)
    if noise:
        rng = np.random.default_rng(7)
        bumps = rng.normal(size=(rows_count, columns))
        bumps = (bumps + np.roll(bumps, 1, 1) + np.roll(bumps, -1, 1)) / 3
        radial = grid - np.array([0.0, grid[..., 1].mean(), hd.SKULL_CENTER[2]])
        radial[..., 1] *= 0.3
        radial /= np.linalg.norm(radial, axis=-1, keepdims=True) + 1e-9
        scale = noise * mp.smoothstep(0.0, 3.0, dist)
        grid = grid + radial * (bumps * scale)[..., None] * 0.6
    vertices = grid.reshape(-1, 3)
    triangles = mp.grid_triangles(rows_count, columns, wrap=True)
    # Orient outward from the vertical head axis at each triangle's height.
    centroid = vertices[triangles].mean(axis=1)
    reference = np.stack([np.zeros(len(centroid)),
                          np.minimum(centroid[:, 1], hd.SKULL_CENTER[1]),
                          np.full(len(centroid), hd.SKULL_CENTER[2])], 1)
    triangles = mp.orient(vertices, triangles, reference)
    uv = np.stack([np.tile(azimuths / (2 * np.pi), rows_count), dist.reshape(-1)], 1)
    for a in (vertices, triangles, uv):
        a.setflags(write=False)
    return mp.Part(vertices, triangles, uv)
