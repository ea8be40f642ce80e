"""Glasses of SynthPortraits: two rims, a bridge, two temples to the ears, and two lenses.

Built in the canonical head frame in front of the eyes, slightly wrapped around the face so that
they stay on the head at any yaw. Frames are opaque; lenses are drawn as a light tint.
"""

import functools

import numpy as np

from keras_portrait.data.synth import head as hd
from keras_portrait.data.synth import mesh_parts as mp

FRAME_STYLES = ("round", "rectangular", "wide")
_SHAPES = {"round": (1.55, 1.45, 2.2), "rectangular": (1.85, 1.2, 6.0), "wide": (2.05, 1.45, 4.0)}


def _lens_z(x):
    return 5.45 - 0.075 * x ** 2


def _outline(center_x, half_w, half_h, power, count=28):
    t = np.linspace(0, 2 * np.pi, count, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    # A superellipse: power 2 is an ellipse, larger values give rounded rectangles.
    x = center_x + half_w * np.sign(c) * np.abs(c) ** (2 / power)
    y = 2.55 + half_h * np.sign(s) * np.abs(s) ** (2 / power)
    return np.stack([x, y, _lens_z(x)], 1)


def _ring(inner, outer):
    n = len(inner)
    vertices = np.concatenate([inner, outer])
    i = np.arange(n)
    j = (i + 1) % n
    triangles = np.concatenate([np.stack([i, n + i, j], 1), np.stack([j, n + i, n + j], 1)])
    return mp.Part(vertices, triangles, np.zeros((2 * n, 2)))


def _strip(points, half_height):
    """A vertical ribbon along a polyline (double-sided in the renderer)."""
    top = points + np.array([0.0, half_height, 0.0])
    bottom = points - np.array([0.0, half_height, 0.0])
    vertices = np.concatenate([top, bottom])
    return mp.Part(vertices, mp.grid_triangles(2, len(points)), np.zeros((len(vertices), 2)))


def _disc(outline):
    center = outline.mean(axis=0)
    n = len(outline)
    vertices = np.concatenate([center[None], outline])
    i = np.arange(n)
    triangles = np.stack([np.zeros(n, np.int64), 1 + i, 1 + (i + 1) % n], 1)
    return mp.Part(vertices, triangles, np.zeros((n + 1, 2)))


@functools.lru_cache(maxsize=4)
def glasses_parts(frame_style):
    """(frame Part, lens Part) of a frame style (an index into FRAME_STYLES or a name)."""
    if isinstance(frame_style, (int, np.integer)):
        frame_style = FRAME_STYLES[int(frame_style) % len(FRAME_STYLES)]
    half_w, half_h, power = _SHAPES[frame_style]
    rim = 0.22
    frames, lenses = [], []
    for side in (-1, 1):
        cx = side * (3.25 + 0.2 * (half_w - 1.55))
        inner = _outline(cx, half_w, half_h, power)
        outer = _outline(cx, half_w + rim, half_h + rim, power)
        frames.append(_ring(inner, outer))
        lenses.append(_disc(inner))
        # Temple: from the outer rim edge back to above the ear.
        x0 = cx + side * (half_w + rim * 0.5)
        t = np.linspace(0.0, 1.0, 6)
        ear = hd.SKULL_RADII[0] + 0.35
        path = np.stack([side * (abs(x0) + (ear - abs(x0)) * np.sqrt(t)),
                         2.95 - 0.3 * t, _lens_z(x0) + (-3.6 - _lens_z(x0)) * t], 1)
        frames.append(_strip(path, 0.17))
    bridge_x = np.linspace(-1.3, 1.3, 7)
    bridge = np.stack([bridge_x, 3.05 + 0.25 * (1 - (bridge_x / 1.3) ** 2), _lens_z(bridge_x)], 1)
    frames.append(_strip(bridge, 0.12))
    frame_v, frame_t, frame_uv, _, _ = mp.merge(frames)
    lens_v, lens_t, lens_uv, _, _ = mp.merge(lenses)
    return mp.Part(frame_v, frame_t, frame_uv), mp.Part(lens_v, lens_t, lens_uv)
