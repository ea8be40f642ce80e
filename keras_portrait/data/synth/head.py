"""The static 3D template of a SynthPortraits person: face, skull, ears, eyes, mouth, neck, torso.

The face is the canonical 468-vertex mesh with its eye and mouth openings cut out. The skull is
grown from the face oval: every oval vertex starts a path over the head ellipsoid to the back
pole, so the face and the skull share their seam vertices and the head is closed at any yaw.
Everything is built once (cached) in the canonical frame (cm, y up, z toward the viewer).
"""

import functools
from typing import NamedTuple

import numpy as np

from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.data.synth import mesh_parts as mp

# Head ellipsoid (skull) in the canonical frame.
SKULL_CENTER = np.array([0.0, 1.5, -3.5])
SKULL_RADII = np.array([8.0, 11.0, 9.3])
# The point the head turns about (top of the neck).
HEAD_PIVOT = np.array([0.0, -5.0, -3.5])
# The jaw hinge: an axis parallel to x through this (y, z).
JAW_HINGE = np.array([0.0, 0.5, -3.0])
EYEBALL_RADIUS = 1.25
# Tessellation per level of detail: 0 = full, 1 = small images (<= 96 px), where far fewer
# triangles look the same and render faster.
_DETAIL = {
    0: {"skull_rings": 9, "ear": (6, 10), "eye": (5, 12), "cavity": (6, 10), "tongue": (5, 8),
        "neck": 16, "torso": (24, None)},
    1: {"skull_rings": 5, "ear": (4, 8), "eye": (4, 9), "cavity": (4, 8), "tongue": (4, 6),
        "neck": 10, "torso": (14, 6)},
}

# Materials, one per triangle.
FACE, SKIN, NECK, EYE, MOUTH, TEETH, TONGUE, CLOTH, HAIR, FRAME, LENS = range(11)


class HeadTemplate(NamedTuple):
    """The merged template mesh; every array is read-only and shared between renders."""

    vertices: np.ndarray  # (N, 3) canonical positions
    triangles: np.ndarray  # (T, 3)
    uv: np.ndarray  # (N, 2) per-part surface parameters
    material: np.ndarray  # (T,) material id
    part_vertices: dict  # name -> slice of vertices
    skull_rings: np.ndarray  # (K, 36) vertex ids of the skull rings, ring 0 next to the oval
    ring_falloff: np.ndarray  # (K,) how much of the oval's expression motion each ring follows
    jaw_weight: np.ndarray  # (N,) 1 = moves rigidly with the lower jaw
    body_weight: np.ndarray  # (N,) 1 = head, 0 = torso; in between on the neck
    eye_centers: np.ndarray  # (2, 3) canonical eyeball centres (subject's right, left)


def _skull(face_vertices, rings):
    oval = np.array(cm.FACE_OVAL)
    start = face_vertices[oval]
    unit = (start - SKULL_CENTER) / SKULL_RADII
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    on_ellipsoid = SKULL_CENTER + unit * SKULL_RADII
    offset = start - on_ellipsoid
    back = np.array([0.0, 0.0, -1.0])
    omega = np.arccos(np.clip(unit @ back, -1, 1))[None, :, None]
    t = np.linspace(0, 1, rings + 2)[1:-1][:, None, None]
    # Spherical interpolation from each oval direction to the back pole.
    direction = (np.sin((1 - t) * omega) * unit[None] + np.sin(t * omega) * back) / np.sin(omega)
    falloff = (1 - t) ** 2
    ring_points = SKULL_CENTER + direction * SKULL_RADII + offset[None] * falloff
    pole = SKULL_CENTER + back * SKULL_RADII
    vertices = np.concatenate([ring_points.reshape(-1, 3), pole[None]])
    return vertices, falloff[:, 0, 0]


def _head_mesh(rings):
    face_v = cm.canonical_vertices()
    face_t = cm.face_triangles(open_eyes=True, open_mouth=True)
    skull_v, falloff = _skull(face_v, rings)
    n_face = len(face_v)
    oval = np.array(cm.FACE_OVAL)
    n_oval = len(oval)
    ring_ids = n_face + np.arange(rings * n_oval).reshape(rings, n_oval)
    pole_id = n_face + rings * n_oval
    all_rings = np.concatenate([oval[None], ring_ids])
    tris = []
    for k in range(rings):
        a, b = all_rings[k], np.roll(all_rings[k], -1)
        c, d = all_rings[k + 1], np.roll(all_rings[k + 1], -1)
        tris += [np.stack([a, c, b], 1), np.stack([b, c, d], 1)]
    last = all_rings[-1]
    tris.append(np.stack([last, np.full(n_oval, pole_id), np.roll(last, -1)], 1))
    vertices = np.concatenate([face_v, skull_v])
    skull_t = mp.orient(vertices, np.concatenate(tris), SKULL_CENTER)
    uv = np.zeros((len(vertices), 2))
    uv[:n_face] = face_v[:, :2]
    return vertices, face_t, skull_t, ring_ids, falloff, uv


def _ear(side, rows, cols):
    ear = mp.ellipsoid([0, 0, 0], [0.55, 2.7, 1.55], rows=rows, cols=cols)
    tilt = np.radians(12.0)
    rot = np.array([[1, 0, 0], [0, np.cos(tilt), -np.sin(tilt)], [0, np.sin(tilt), np.cos(tilt)]])
    turn = np.radians(-20.0 * side)
    yaw = np.array([[np.cos(turn), 0, np.sin(turn)], [0, 1, 0], [-np.sin(turn), 0, np.cos(turn)]])
    vertices = ear.vertices @ rot.T @ yaw.T + np.array([7.95 * side, 0.6, -4.1])
    # uv.y: how far a point sticks out of the head (used to shade the inner ear darker).
    uv = np.stack([ear.vertices[:, 0] * side / 0.55, ear.vertices[:, 1] / 2.7], 1)
    return mp.Part(vertices, ear.triangles, uv)


@functools.lru_cache(maxsize=1)
def eye_centers():
    """(2, 3) canonical eyeball centres behind the right and left eye openings."""
    v = cm.canonical_vertices()
    centers = []
    for loop in (cm.RIGHT_EYE, cm.LEFT_EYE):
        c = v[list(loop)].mean(axis=0)
        centers.append(c + np.array([0.0, 0.05, 0.3 - EYEBALL_RADIUS]))
    centers = np.array(centers)
    centers.setflags(write=False)
    return centers


def _eyeball(center, rows, cols):
    ball = mp.ellipsoid([0, 0, 0], [1, 1, 1], rows=rows, cols=cols, polar_max=np.radians(75),
                        axis="z")
    # uv keeps the unit direction's (x, y); the angle to the gaze axis follows from it.
    return mp.Part(ball.vertices * EYEBALL_RADIUS + center, ball.triangles, ball.vertices[:, :2])


def _teeth(top, bottom, front_z):
    x = np.linspace(-2.0, 2.0, 13)
    z = front_z - 0.22 * x ** 2
    rows = np.array([top, bottom])
    vertices = np.stack([np.tile(x, 2), np.repeat(rows, len(x)), np.tile(z, 2)], 1)
    triangles = mp.grid_triangles(2, len(x))
    reference = np.array([0.0, (top + bottom) / 2, front_z - 5.0])
    triangles = mp.orient(vertices, triangles, reference)
    uv = np.stack([np.tile(x, 2), np.repeat([0.0, 1.0], len(x))], 1)
    return mp.Part(vertices, triangles, uv)


def _mouth_parts(detail):
    cavity = mp.ellipsoid([0, -4.4, 3.0], [2.4, 1.9, 2.4], *detail["cavity"], inward=True)
    upper = _teeth(-3.6, -4.35, 4.75)
    lower = _teeth(-4.45, -5.3, 4.55)
    tongue = mp.ellipsoid([0, -5.3, 3.4], [1.8, 0.55, 1.7], *detail["tongue"])
    return cavity, upper, lower, tongue


def _neck(cols):
    ys = np.linspace(-5.0, -20.0, 5)
    centers = np.stack([np.zeros_like(ys), ys, np.full_like(ys, -3.6)], 1)
    widen = mp.smoothstep(-11.0, -17.0, ys)
    return mp.tube(centers, 5.1 + 0.8 * widen, 4.6 + 0.3 * widen, cols=cols)


def _torso(cols, rings):
    ys = np.array([-12.8, -13.8, -15.1, -16.8, -18.8, -21.8, -26.0, -34.0])
    half_w = np.array([5.1, 7.5, 11.5, 15.0, 17.3, 18.8, 19.4, 19.6])
    half_d = np.array([4.7, 5.8, 7.2, 8.3, 9.0, 9.4, 9.5, 9.5])
    keep = slice(0, rings)
    ys, half_w, half_d = ys[keep], half_w[keep], half_d[keep]
    centers = np.stack([np.zeros_like(ys), ys, np.full_like(ys, -4.6)], 1)
    return mp.tube(centers, half_w, half_d, cols=cols)


@functools.lru_cache(maxsize=2)
def head_template(lod=0):
    """Builds (once per level of detail) and returns the `HeadTemplate`.

    Args:
        lod: int. 0 = full detail, 1 = fewer triangles for small images. The 468 face vertices
            come first and are the same at every level.
    """
    detail = _DETAIL[lod]
    head_v, face_t, skull_t, ring_ids, falloff, head_uv = _head_mesh(detail["skull_rings"])
    centers = eye_centers()
    cavity, upper, lower, tongue = _mouth_parts(detail)
    pieces = [
        ("head", mp.Part(head_v, np.concatenate([face_t, skull_t]), head_uv),
         [FACE] * len(face_t) + [SKIN] * len(skull_t)),
        ("ear_r", _ear(-1, *detail["ear"]), SKIN), ("ear_l", _ear(1, *detail["ear"]), SKIN),
        ("eye_r", _eyeball(centers[0], *detail["eye"]), EYE),
        ("eye_l", _eyeball(centers[1], *detail["eye"]), EYE),
        ("cavity", cavity, MOUTH), ("teeth_upper", upper, TEETH),
        ("teeth_lower", lower, TEETH), ("tongue", tongue, TONGUE),
        ("neck", _neck(detail["neck"]), NECK), ("torso", _torso(*detail["torso"]), CLOTH),
    ]
    vertices, triangles, uv, v_off, t_off = mp.merge([p for _, p, _ in pieces])
    material = np.concatenate([
        np.broadcast_to(np.asarray(m), (len(p.triangles),)) for _, p, m in pieces]).astype(np.int32)
    part_vertices = {name: slice(v_off[i], v_off[i + 1]) for i, (name, _, _) in enumerate(pieces)}

    y, z = vertices[:, 1], vertices[:, 2]
    jaw = mp.smoothstep(-3.9, -5.6, y) * mp.smoothstep(-8.0, -3.0, z)
    lips_lower = cm.region_vertices(cm.LIPS_OUTER)
    lips_lower = lips_lower[cm.canonical_vertices()[lips_lower, 1] < -4.28]
    jaw[lips_lower] = 1.0
    lips_upper = np.setdiff1d(cm.region_vertices(cm.LIPS_OUTER), lips_lower)
    jaw[lips_upper] = 0.0
    jaw[[61, 291, 78, 308]] = 0.5  # the mouth corners hinge between the lips
    for name, weight in (("cavity", None), ("teeth_upper", 0.0), ("teeth_lower", 1.0),
                         ("tongue", 1.0), ("ear_r", 0.0), ("ear_l", 0.0),
                         ("eye_r", 0.0), ("eye_l", 0.0), ("neck", 0.0), ("torso", 0.0)):
        part = part_vertices[name]
        jaw[part] = mp.smoothstep(-4.0, -5.2, y[part]) if weight is None else weight

    body = np.ones(len(vertices))
    body[part_vertices["neck"]] = mp.smoothstep(-16.0, -6.0, y[part_vertices["neck"]])
    body[part_vertices["torso"]] = 0.0
    arrays = [vertices, triangles, uv, material, ring_ids, falloff, jaw, body, centers]
    for a in arrays:
        a.setflags(write=False)
    return HeadTemplate(vertices, triangles, uv, material, part_vertices, ring_ids, falloff,
                        jaw, body, centers)
