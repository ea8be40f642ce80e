"""Texture maps painted once in the canonical face plane (x, y in cm) of SynthPortraits.

The renderer looks them up with each face pixel's canonical coordinates, so they stick to the
skin whatever the identity, expression or pose: region labels (lips, nose), static shadows
(eye sockets, lash lines, nostrils), age wrinkles, expression lines, blush and the beard area.
"""

import functools

import cv2
import numpy as np

from keras_portrait.imaging import canonical_mesh as cm

RESOLUTION = 0.04  # cm per map pixel
X0, Y0 = -8.6, -10.6
WIDTH, HEIGHT = 431, 511
CHANNELS = ("shadow", "age", "forehead", "frown", "nose_lines", "smile_fold", "blush", "beard",
            "lip_shade", "lash")
REGION_SKIN, REGION_LIPS, REGION_NOSE = 0, 1, 2

# Nose outline (subject's right half, top to bottom); mirrored for the left half.
_NOSE_RIGHT = np.array([(0.0, 2.95), (-0.72, 2.55), (-0.95, 1.3), (-1.3, 0.1), (-1.78, -0.85),
                        (-1.78, -1.5), (-1.25, -1.95), (-0.55, -2.2), (0.0, -2.25)])


def _to_map(points):
    p = np.asarray(points, np.float64)
    return np.stack([(p[:, 0] - X0) / RESOLUTION, (p[:, 1] - Y0) / RESOLUTION], 1)


def _pts(points):
    return np.round(_to_map(points) * 16).astype(np.int32)


def _canvas():
    return np.zeros((HEIGHT, WIDTH), np.float32)


def _line(canvas, points, width_cm, value=1.0, closed=False):
    thickness = max(1, int(round(width_cm / RESOLUTION)))
    cv2.polylines(canvas, [_pts(points)], closed, value, thickness, cv2.LINE_AA, shift=4)


def _blur(canvas, sigma_cm):
    return cv2.GaussianBlur(canvas, (0, 0), sigma_cm / RESOLUTION)


def _mirror(points):
    p = np.asarray(points, np.float64)
    return [p, p * np.array([-1.0, 1.0])]


def _curve(a, b, bend, count=12):
    """A quadratic curve from a to b bulging by `bend` (cm) to the right of the direction."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    t = np.linspace(0, 1, count)[:, None]
    d = b - a
    normal = np.array([d[1], -d[0]]) / (np.linalg.norm(d) + 1e-9)
    mid = (a + b) / 2 + normal * bend
    return (1 - t) ** 2 * a + 2 * t * (1 - t) * mid + t ** 2 * b


@functools.lru_cache(maxsize=1)
def face_maps():
    """(region uint8 (H, W), maps float32 (H, W, C)) in the order of `CHANNELS`."""
    v = cm.canonical_vertices()[:, :2]
    region = np.zeros((HEIGHT, WIDTH), np.uint8)
    nose = np.concatenate([_NOSE_RIGHT, _NOSE_RIGHT[::-1] * np.array([-1.0, 1.0])])
    cv2.fillPoly(region, [_pts(nose)], REGION_NOSE, cv2.LINE_8, shift=4)
    cv2.fillPoly(region, [_pts(v[list(cm.LIPS_OUTER)])], REGION_LIPS, cv2.LINE_8, shift=4)

    shadow, lash = _canvas(), _canvas()
    for eye, upper in ((cm.RIGHT_EYE, cm.RIGHT_EYE_UPPER), (cm.LEFT_EYE, cm.LEFT_EYE_UPPER)):
        ring = v[list(eye)]
        lid = v[[eye[8], *upper, eye[0]]]
        _line(lash, lid + np.array([0.0, 0.05]), 0.16)
        _line(lash, v[[eye[0], eye[1], eye[2]]], 0.06, 0.6)
        _line(shadow, lid + np.array([0.0, 0.42]), 0.1, 0.5)  # lid crease
        centre = ring.mean(axis=0)
        socket = _canvas()
        cv2.ellipse(socket, tuple(np.round(_to_map([centre + (0, 0.25)])[0]).astype(int)),
                    (int(1.9 / RESOLUTION), int(1.25 / RESOLUTION)), 0, 0, 360, 1.0, -1)
        shadow += 0.35 * _blur(socket, 0.5)
    for nostril in _mirror([(-0.75, -1.82)]):
        c = tuple(np.round(_to_map(nostril)[0]).astype(int))
        cv2.ellipse(shadow, c, (int(0.42 / RESOLUTION), int(0.17 / RESOLUTION)), -18 * np.sign(
            nostril[0, 0]), 0, 360, 1.6, -1)
    for corner in _mirror([(-2.5, -4.35)]):
        c = tuple(np.round(_to_map(corner)[0]).astype(int))
        cv2.circle(shadow, c, int(0.25 / RESOLUTION), 0.8, -1)
    _line(shadow, [(-1.6, -5.55), (0.0, -5.7), (1.6, -5.55)], 0.3, 0.45)  # under the lower lip
    shadow = _blur(shadow, 0.1)
    lash = _blur(lash, 0.03)

    age = _canvas()
    for y in (5.9, 6.55, 7.2):
        _line(age, _curve((-3.8, y), (3.8, y), -0.25), 0.07)
    for side in _mirror([(-1.9, -1.1), (-3.0, -4.9)]):
        _line(age, _curve(side[0], side[1], 0.25 * -np.sign(side[0, 0])), 0.12, 1.4)
    for side in (-1, 1):
        for dy in (-0.35, 0.0, 0.35):
            _line(age, [(side * 4.9, 2.65 + dy * 0.5), (side * 5.9, 2.65 + dy * 1.6)], 0.05)
        _line(age, _curve((side * 2.0, 1.85), (side * 4.1, 1.95), 0.25 * side), 0.06, 0.8)
        _line(age, [(side * 2.6, -4.6), (side * 2.9, -6.5)], 0.08, 0.9)
    age = _blur(age, 0.05)

    forehead, frown, nose_lines, fold = _canvas(), _canvas(), _canvas(), _canvas()
    for y in (5.8, 6.4, 7.0, 7.6):
        _line(forehead, _curve((-3.3, y), (3.3, y), -0.3), 0.08)
    for x in (-0.45, 0.45):
        _line(frown, [(x, 3.7), (x * 1.3, 5.0)], 0.08)
    for y in (1.9, 2.25, 2.6):
        _line(nose_lines, _curve((-0.9, y), (0.9, y), -0.12), 0.07)
    for side in _mirror([(-1.9, -1.0), (-3.05, -4.6)]):
        _line(fold, _curve(side[0], side[1], 0.35 * -np.sign(side[0, 0])), 0.18)

    blush, beard, lip_shade = _canvas(), _canvas(), _canvas()
    for c in _mirror([(-3.7, -1.6)]):
        cv2.circle(blush, tuple(np.round(_to_map(c)[0]).astype(int)), int(1.4 / RESOLUTION), 1.0,
                   -1)
    blush = _blur(blush, 0.7)
    oval = v[list(cm.FACE_OVAL)]
    jaw = oval[oval[:, 1] < -1.0]
    jaw_poly = np.concatenate([jaw, [(7.2, -1.0), (2.2, -2.9), (0, -2.6), (-2.2, -2.9),
                                     (-7.2, -1.0)]])
    cv2.fillPoly(beard, [_pts(jaw_poly)], 1.0, cv2.LINE_AA, shift=4)
    beard = _blur(beard, 0.35)
    _line(lip_shade, v[list(cm.LIPS_INNER)], 0.35, closed=True)
    lip_shade = _blur(lip_shade, 0.15)

    maps = np.stack([shadow, age, _blur(forehead, 0.06), _blur(frown, 0.07),
                     _blur(nose_lines, 0.06), _blur(fold, 0.2), blush, beard, lip_shade, lash],
                    axis=-1)
    maps = np.clip(maps, 0.0, 1.5).astype(np.float32)
    region.setflags(write=False)
    maps.setflags(write=False)
    return region, maps


def lookup(xy):
    """(region (K,), maps (K, C)) at canonical face points (K, 2), nearest map pixel."""
    region, maps = face_maps()
    col = np.clip(((xy[:, 0] - X0) / RESOLUTION).astype(np.int64), 0, WIDTH - 1)
    row = np.clip(((xy[:, 1] - Y0) / RESOLUTION).astype(np.int64), 0, HEIGHT - 1)
    flat = row * WIDTH + col
    return region.reshape(-1)[flat], maps.reshape(-1, len(CHANNELS))[flat]
