"""The canonical 468-vertex face mesh, its named vertex groups and the 68-point landmark subset.

The mesh is MediaPipe's canonical face model (see `assets/NOTICE`). Its coordinates are in
centimetre-like units: x toward the subject's left (the image's right in a frontal view), y up,
z toward the viewer. Vertex 10 is the top of the forehead, 152 the chin, 4 the nose tip.

The stored mesh is closed over the eyes and the mouth; `face_triangles(open_eyes=True,
open_mouth=True)` removes the triangles that fill those openings so that eyeballs and a mouth
interior can be seen through them.
"""

import functools
import os

import numpy as np

ASSET_PATH = os.path.join(os.path.dirname(__file__), "assets", "canonical_face_model.npz")
NUM_VERTICES = 468

# Closed contours, in order around each loop. "right" and "left" are the subject's: the right eye
# is on the image's left in a frontal view (negative x).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
             377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67,
             109)
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39,
              40, 185)
LIPS_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81,
              80, 191)
# The lower and upper halves of the inner lip contour (corner 78 -> 308), for opening the jaw.
LIPS_INNER_LOWER = (95, 88, 178, 87, 14, 317, 402, 318, 324)
LIPS_INNER_UPPER = (415, 310, 311, 312, 13, 82, 81, 80, 191)
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
# Lower lid is the first 9 entries (corner to corner), upper lid the rest.
RIGHT_EYE_UPPER = (173, 157, 158, 159, 160, 161, 246)
LEFT_EYE_UPPER = (398, 384, 385, 386, 387, 388, 466)
RIGHT_EYE_LOWER = (7, 163, 144, 145, 153, 154, 155)
LEFT_EYE_LOWER = (249, 390, 373, 374, 380, 381, 382)
# Eyebrows: upper edge outer -> inner, lower edge outer -> inner.
RIGHT_BROW_UPPER = (70, 63, 105, 66, 107)
RIGHT_BROW_LOWER = (46, 53, 52, 65, 55)
LEFT_BROW_UPPER = (300, 293, 334, 296, 336)
LEFT_BROW_LOWER = (276, 283, 282, 295, 285)
NOSE_BRIDGE = (168, 6, 197, 195, 5, 4)
NOSE_TIP = 4
NOSE_BOTTOM = (98, 97, 2, 326, 327)
MOUTH_CORNERS = (61, 291)
CHIN = 152
FOREHEAD_TOP = 10

# MediaPipe index of each iBUG 300-W 68-point landmark, in the iBUG order: jaw 0-16 (image left to
# right), brows 17-26, nose bridge 27-30, lower nose 31-35, eyes 36-47, outer lips 48-59, inner
# lips 60-67.
LANDMARKS_68 = (
    127, 234, 93, 132, 58, 136, 150, 176, 152, 400, 379, 365, 288, 361, 323, 454, 356,
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
    168, 197, 5, 4, 98, 97, 2, 326, 327,
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    61, 39, 37, 0, 267, 269, 291, 321, 314, 17, 84, 91,
    78, 81, 13, 311, 308, 402, 14, 178,
)


@functools.lru_cache(maxsize=1)
def _load():
    with np.load(ASSET_PATH) as data:
        vertices = data["vertices"].astype(np.float64)
        triangles = data["triangles"].astype(np.int64)
        uv = data["uv"].astype(np.float64)
    for array in (vertices, triangles, uv):
        array.setflags(write=False)
    return vertices, triangles, uv


def canonical_vertices():
    """Returns the (468, 3) float64 canonical vertices (read-only)."""
    return _load()[0]


def canonical_uv():
    """Returns the (468, 2) float64 texture coordinates (read-only)."""
    return _load()[2]


def _fill_mask(triangles, loop):
    members = np.zeros(NUM_VERTICES, bool)
    members[list(loop)] = True
    return members[triangles].all(axis=1)


@functools.lru_cache(maxsize=4)
def face_triangles(open_eyes=False, open_mouth=False):
    """Returns the (T, 3) int64 triangles, counter-clockwise seen from +z (the front).

    Args:
        open_eyes: bool. Drop the triangles that close the two eye openings.
        open_mouth: bool. Drop the triangles that close the mouth opening.
    """
    triangles = _load()[1]
    drop = np.zeros(len(triangles), bool)
    if open_eyes:
        drop |= _fill_mask(triangles, RIGHT_EYE) | _fill_mask(triangles, LEFT_EYE)
    if open_mouth:
        drop |= _fill_mask(triangles, LIPS_INNER)
    kept = triangles[~drop].copy()
    kept.setflags(write=False)
    return kept


def points_in_polygon(points, polygon):
    """Even-odd test of (N, 2) points against a closed (M, 2) polygon; returns (N,) bool."""
    points = np.asarray(points, np.float64)
    polygon = np.asarray(polygon, np.float64)
    x, y = points[:, 0:1], points[:, 1:2]
    x0, y0 = polygon[:, 0], polygon[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return (crosses & (x < x_cross)).sum(axis=1) % 2 == 1


def region_vertices(loop):
    """Returns the sorted indices of the vertices inside or on a closed contour, frontal view."""
    vertices = canonical_vertices()
    inside = points_in_polygon(vertices[:, :2], vertices[list(loop), :2])
    inside[list(loop)] = True
    return np.flatnonzero(inside)


def mirror_index():
    """Returns the (468,) index of each vertex's mirror image across the x = 0 plane."""
    vertices = canonical_vertices()
    mirrored = vertices * np.array([-1.0, 1.0, 1.0])
    distances = ((vertices[:, None, :] - mirrored[None, :, :]) ** 2).sum(-1)
    return distances.argmin(axis=1)
