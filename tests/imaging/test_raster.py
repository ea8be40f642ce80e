"""Coverage, occlusion and fill-rule checks of the z-buffer rasterizer."""

import numpy as np
import pytest

from keras_portrait.imaging.raster import interpolate, rasterize


def _front(triangle):
    """Orders a triangle's vertices to face the viewer (clockwise in the y-down frame)."""
    t = np.asarray(triangle, np.float64)
    area2 = (t[1, 0] - t[0, 0]) * (t[2, 1] - t[0, 1]) - (t[2, 0] - t[0, 0]) * (t[1, 1] - t[0, 1])
    return t if area2 < 0 else t[[0, 2, 1]]


def test_single_triangle_coverage_matches_area():
    tri = _front([[3.2, 4.1, 0.0], [58.7, 9.3, 0.0], [20.4, 60.2, 0.0]])
    r = rasterize(tri, [[0, 1, 2]], 64, 64)
    x, y = tri[:, 0], tri[:, 1]
    area = 0.5 * abs((x[1] - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (y[1] - y[0]))
    perimeter = np.linalg.norm(tri[:, :2] - np.roll(tri[:, :2], 1, axis=0), axis=1).sum()
    assert abs(r.covered.sum() - area) < 0.5 * perimeter
    assert np.allclose(r.barycentric[r.covered].sum(-1), 1.0)
    assert (r.barycentric[r.covered] >= 0).all()


def test_back_faces_are_culled_unless_double_sided():
    tri = _front([[2, 2, 0], [30, 4, 0], [10, 28, 0]])[[0, 2, 1]]
    assert rasterize(tri, [[0, 1, 2]], 32, 32).covered.sum() == 0
    r = rasterize(tri, [[0, 1, 2]], 32, 32, double_sided=True)
    assert r.covered.sum() > 100 and not r.front_facing[r.covered].any()


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_nearest_triangle_wins_in_any_order(order):
    near = _front([[0, 0, 5.0], [32, 0, 5.0], [0, 32, 5.0]])
    far = _front([[0, 0, -5.0], [32, 0, -5.0], [32, 32, -5.0]])
    vertices = np.concatenate([near, far])
    triangles = np.array([[0, 1, 2], [3, 4, 5]])[list(order)]
    r = rasterize(vertices, triangles, 32, 32)
    near_id = 0 if order == (0, 1) else 1
    both = (np.arange(32)[None, :] + 0.5 > np.arange(32)[:, None] + 0.5)  # above the diagonal
    overlap = both & (np.arange(32)[None, :] + np.arange(32)[:, None] + 1.0 < 32)
    assert (r.triangle_id[overlap] == near_id).all()
    assert np.allclose(r.depth[overlap], 5.0)


def test_shared_edges_leave_no_cracks_and_no_double_hits():
    # A 5 x 5 grid of squares split into triangles, with vertices on pixel centres so that
    # many pixel centres lie exactly on shared edges.
    n, step, start = 5, 6.0, 4.5
    xs = start + step * np.arange(n + 1)
    gx, gy = np.meshgrid(xs, xs)
    vertices = np.stack([gx.ravel(), gy.ravel(), np.zeros(gx.size)], 1)
    triangles = []
    for i in range(n):
        for j in range(n):
            a, b = i * (n + 1) + j, i * (n + 1) + j + 1
            c, d = a + n + 1, b + n + 1
            for t in ([a, b, d], [a, d, c]):
                same = np.array_equal(_front(vertices[t]), vertices[t])
                triangles.append(t if same else [t[0], t[2], t[1]])
    triangles = np.array(triangles)
    union = rasterize(vertices, triangles, 40, 40).covered
    single = sum(rasterize(vertices, t[None], 40, 40).covered.astype(int) for t in triangles)
    assert single.max() == 1, "a pixel centre was drawn by two triangles"
    assert (single > 0).sum() == union.sum()
    inner = union[6:30, 6:30]
    assert inner.all(), "crack inside the mesh"
    # Half-open square: 30 pixel centres per side (4.5 <= c < 34.5 on the owning sides).
    assert 29 * 29 <= union.sum() <= 31 * 31


def test_interpolate_reproduces_linear_attributes():
    tri = _front([[1, 1, 0], [31, 2, 1], [5, 30, 2]])
    r = rasterize(tri, [[0, 1, 2]], 32, 32)
    values = interpolate(r, tri[:, :2])
    rows, cols = np.nonzero(r.covered)
    assert np.allclose(values[rows, cols, 0], cols + 0.5)
    assert np.allclose(values[rows, cols, 1], rows + 0.5)
    assert np.allclose(values[~r.covered], 0.0)
