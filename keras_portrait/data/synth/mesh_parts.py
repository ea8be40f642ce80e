"""Small mesh builders shared by the head, hair and glasses geometry of SynthPortraits.

All coordinates are the canonical head frame of `keras_portrait.imaging.canonical_mesh`: centimetres,
x toward the subject's left, y up, z toward the viewer.
"""

from typing import NamedTuple

import numba
import numpy as np


class Part(NamedTuple):
    """A named piece of geometry.

    Attributes:
        vertices: (N, 3) float64 canonical positions.
        triangles: (T, 3) int64, front faces counter-clockwise seen from outside.
        uv: (N, 2) float64 surface parameters (meaning depends on the part).
    """

    vertices: np.ndarray
    triangles: np.ndarray
    uv: np.ndarray


def grid_triangles(rows, cols, wrap=False):
    """Triangles of a rows x cols vertex grid (row-major); `wrap` closes the columns into a ring."""
    c_count = cols if wrap else cols - 1
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(c_count), indexing="ij")
    r, c = r.ravel(), c.ravel()
    c1 = (c + 1) % cols
    a, b = r * cols + c, r * cols + c1
    d, e = (r + 1) * cols + c, (r + 1) * cols + c1
    return np.concatenate([np.stack([a, d, b], 1), np.stack([b, d, e], 1)]).astype(np.int64)


def orient(vertices, triangles, reference, inward=False):
    """Flips triangles so that their normals point away from (or toward) reference points.

    Args:
        vertices: (N, 3) positions.
        triangles: (T, 3) indices.
        reference: (3,) point or (T, 3) one point per triangle.
        inward: bool. Point the normals toward the reference instead.
    """
    p = vertices[triangles]
    normal = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    outward = ((p.mean(axis=1) - reference) * normal).sum(axis=1) >= 0
    flip = outward == inward
    triangles = triangles.copy()
    triangles[flip] = triangles[flip][:, ::-1]
    return triangles


def ellipsoid(center, radii, rows=10, cols=16, polar_max=np.pi, axis="y", inward=False):
    """A UV ellipsoid; `polar_max` < pi keeps a cap around the +axis pole.

    uv holds (azimuth / 2pi, polar angle / pi).
    """
    polar = np.linspace(0.0, polar_max, rows)
    azimuth = np.linspace(0.0, 2 * np.pi, cols, endpoint=False)
    pp, aa = np.meshgrid(polar, azimuth, indexing="ij")
    along, s1, s2 = np.cos(pp), np.sin(pp) * np.cos(aa), np.sin(pp) * np.sin(aa)
    if axis == "y":
        unit = np.stack([s2, along, s1], axis=-1)
    elif axis == "z":
        unit = np.stack([s1, s2, along], axis=-1)
    else:
        unit = np.stack([along, s1, s2], axis=-1)
    vertices = (unit.reshape(-1, 3) * np.asarray(radii)) + np.asarray(center)
    # Collapse each pole row to a single vertex to avoid slivers: keep the grid, drop zero-area.
    triangles = grid_triangles(rows, cols, wrap=True)
    p = vertices[triangles]
    area = np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1)
    triangles = triangles[area > 1e-12]
    triangles = orient(vertices, triangles, np.asarray(center, np.float64), inward=inward)
    uv = np.stack([aa.ravel() / (2 * np.pi), pp.ravel() / np.pi], axis=1)
    return Part(vertices, triangles, uv)


def tube(centers, radii_a, radii_b, cols=16):
    """A vertical tube of elliptic sections: centers (R, 3), radii along x and z per ring."""
    azimuth = np.linspace(0.0, 2 * np.pi, cols, endpoint=False)
    centers = np.asarray(centers, np.float64)
    x = centers[:, 0:1] + np.asarray(radii_a)[:, None] * np.sin(azimuth)
    z = centers[:, 2:3] + np.asarray(radii_b)[:, None] * np.cos(azimuth)
    y = np.broadcast_to(centers[:, 1:2], x.shape)
    vertices = np.stack([x, y, z], axis=-1).reshape(-1, 3)
    triangles = grid_triangles(len(centers), cols, wrap=True)
    reference = np.repeat(centers, cols, axis=0)[triangles].mean(axis=1)
    triangles = orient(vertices, triangles, reference)
    rows = np.repeat(np.arange(len(centers)), cols)
    uv = np.stack([np.tile(azimuth / (2 * np.pi), len(centers)), rows / max(len(centers) - 1, 1)], 1)
    return Part(vertices, triangles, uv)


def merge(parts):
    """Concatenates parts; returns (vertices, triangles, uv, vertex offsets, triangle offsets)."""
    v_off = np.cumsum([0] + [len(p.vertices) for p in parts])
    t_off = np.cumsum([0] + [len(p.triangles) for p in parts])
    vertices = np.concatenate([p.vertices for p in parts])
    triangles = np.concatenate([p.triangles + v_off[i] for i, p in enumerate(parts)])
    uv = np.concatenate([p.uv for p in parts])
    return vertices, triangles, uv, v_off, t_off


def smoothstep(edge0, edge1, x):
    """Hermite step from 0 at edge0 to 1 at edge1 (either order)."""
    t = np.minimum(np.maximum((np.asarray(x, np.float64) - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


@numba.njit(cache=True)
def _accumulate_normals(vertices, triangles, normals):
    for t in range(triangles.shape[0]):
        i0, i1, i2 = triangles[t, 0], triangles[t, 1], triangles[t, 2]
        ax, ay, az = (vertices[i1, 0] - vertices[i0, 0], vertices[i1, 1] - vertices[i0, 1],
                      vertices[i1, 2] - vertices[i0, 2])
        bx, by, bz = (vertices[i2, 0] - vertices[i0, 0], vertices[i2, 1] - vertices[i0, 1],
                      vertices[i2, 2] - vertices[i0, 2])
        nx, ny, nz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
        for i in (i0, i1, i2):
            normals[i, 0] += nx
            normals[i, 1] += ny
            normals[i, 2] += nz
    for i in range(normals.shape[0]):
        x, y, z = normals[i, 0], normals[i, 1], normals[i, 2]
        length = max(np.sqrt(x * x + y * y + z * z), 1e-12)
        normals[i, 0], normals[i, 1], normals[i, 2] = x / length, y / length, z / length


def vertex_normals(vertices, triangles):
    """Area-weighted unit vertex normals, (N, 3): each vertex sums its faces' cross products."""
    vertices = np.ascontiguousarray(vertices, np.float64)
    normals = np.zeros_like(vertices)
    _accumulate_normals(vertices, np.ascontiguousarray(triangles, np.int64), normals)
    return normals
