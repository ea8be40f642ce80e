"""A visibility-correct z-buffer triangle rasterizer in numpy, vectorized over triangles.

Conventions (shared with everything in `keras_portrait.face` that renders):
- Vertices are given in pixel units: x to the right, y down, z toward the viewer. The pixel
  (row i, column j) is sampled at its centre (j + 0.5, i + 0.5).
- The nearest surface is the one with the LARGEST z.
- A triangle is front-facing when its vertices turn counter-clockwise as seen by the viewer with y
  up, i.e. clockwise in the y-down pixel frame (the winding of the canonical face mesh).
- Fill rule: a pixel centre exactly on an edge shared by two triangles is drawn by exactly one of
  them (the edge functions of a shared edge are exact negatives of each other and ties go to the
  "top-left" owner), so a closed mesh leaves no cracks and no double hits.

The work is one vectorized pass: every triangle's pixel bounding box is expanded into candidate
pixel centres, all barycentrics are computed at once, the inside candidates are kept and the depth
test is resolved per pixel with `np.maximum.at`.
"""

import numpy as np


class Raster:
    """The visible triangle at each pixel.

    Attributes:
        triangle_id: (H, W) int32. Index of the visible triangle, -1 where nothing is drawn.
        depth: (H, W) float64. z of the visible surface, -inf where empty.
        front_facing: (H, W) bool. True where the visible triangle faces the viewer (False on
            the back side of double-sided triangles and where empty).
        pixels: (K,) int64. Flat indices (row * W + column) of the covered pixels, ascending.
        triangles: (T, 3) int array. The triangles that were rasterized (for `interpolate`).
        barycentric: (H, W, 3) float64. Weights of the visible triangle's three vertices (0 where
            empty); built on first access from the compact per-pixel weights.
    """

    def __init__(self, triangle_id, depth, front_facing, pixels, pixel_barycentric, triangles):
        self.triangle_id = triangle_id
        self.depth = depth
        self.front_facing = front_facing
        self.pixels = pixels
        self.triangles = triangles
        self._pixel_barycentric = pixel_barycentric
        self._barycentric = None

    @property
    def covered(self):
        """(H, W) bool mask of the drawn pixels."""
        return self.triangle_id >= 0

    @property
    def barycentric(self):
        if self._barycentric is None:
            height, width = self.triangle_id.shape
            full = np.zeros((height * width, 3))
            full[self.pixels] = self._pixel_barycentric
            self._barycentric = full.reshape(height, width, 3)
        return self._barycentric

    def pixel_triangles(self):
        """(K,) triangle ids of the covered pixels, in the order of `pixels`."""
        return self.triangle_id.reshape(-1)[self.pixels]

    def pixel_barycentrics(self):
        """(K, 3) barycentrics of the covered pixels, in the order of `pixels`."""
        return self._pixel_barycentric


def _edge_coefficients(p, q):
    """A, B, C of the edge function E(X) = A x + B y + C of the directed edge p -> q.

    Written so that the edge q -> p gives exactly the negated coefficients in floating point.
    """
    a = p[1] - q[1]
    b = q[0] - p[0]
    c = q[1] * p[0] - q[0] * p[1]
    return a, b, c


def _empty(height, width, triangles):
    return Raster(np.full((height, width), -1, np.int32), np.full((height, width), -np.inf),
                  np.zeros((height, width), bool), np.zeros(0, np.int64), np.zeros((0, 3)),
                  triangles)


def rasterize(vertices, triangles, height, width, double_sided=False):
    """Rasterizes a triangle mesh with a z-buffer.

    Args:
        vertices: (N, 3) float array of pixel x, y (down) and z (toward the viewer).
        triangles: (T, 3) int array of vertex indices.
        height: int. Image height in pixels.
        width: int. Image width in pixels.
        double_sided: bool or (T,) bool array. Triangles that are drawn when facing away from the
            viewer; the others are culled when back-facing. Defaults to `False` (cull all).

    Returns:
        A `Raster`.
    """
    vertices = np.asarray(vertices, np.float64)
    triangles = np.asarray(triangles)
    if len(triangles) == 0:
        return _empty(height, width, triangles)
    corners = np.ascontiguousarray(triangles.T)  # (3, T)
    xs = np.ascontiguousarray(vertices[:, 0])[corners]  # (3, T)
    ys = np.ascontiguousarray(vertices[:, 1])[corners]
    # Twice the signed area in the y-down frame; negative = front-facing.
    area2 = (xs[1] - xs[0]) * (ys[2] - ys[0]) - (xs[2] - xs[0]) * (ys[1] - ys[0])
    keep = area2 < 0
    if np.any(double_sided):
        keep |= (area2 > 0) & np.broadcast_to(np.asarray(double_sided, bool), area2.shape)
    x_min = np.maximum(np.ceil(xs.min(axis=0) - 0.5), 0)
    x_max = np.minimum(np.floor(xs.max(axis=0) - 0.5), width - 1)
    y_min = np.maximum(np.ceil(ys.min(axis=0) - 0.5), 0)
    y_max = np.minimum(np.floor(ys.max(axis=0) - 0.5), height - 1)
    keep &= (x_max >= x_min) & (y_max >= y_min)
    kept = np.flatnonzero(keep)
    if len(kept) == 0:
        return _empty(height, width, triangles)
    xs, ys, area2 = xs[:, kept], ys[:, kept], area2[kept]
    x_min, y_min = x_min[kept], y_min[kept]
    sign = np.sign(area2)
    # The three edges (1->2, 2->0, 0->1) at once, oriented so that the inside is positive.
    p, q = [1, 2, 0], [2, 0, 1]
    a, b, c = _edge_coefficients((xs[p], ys[p]), (xs[q], ys[q]))
    a, b, c = a * sign, b * sign, c * sign
    # Pixel centres exactly on an edge belong to its "top-left" owner: test e > -tiny there.
    threshold = np.where((a > 0) | ((a == 0) & (b > 0)), -5e-324, 0.0)

    # Two-level expansion (rows of each box, then columns of each row): no divisions.
    box_w = (x_max[kept] - x_min + 1).astype(np.int64)
    box_h = (y_max[kept] - y_min + 1).astype(np.int64)
    # Per-triangle values are spread to rows with np.repeat (faster than gathering).
    row_tri = np.repeat(np.arange(len(kept)), box_h)
    row_start = np.repeat(np.cumsum(box_h) - box_h, box_h)
    row_y = np.repeat(y_min, box_h) + (np.arange(len(row_tri)) - row_start) + 0.5
    row_w = np.repeat(box_w, box_h)
    total = int(row_w.sum())
    col_start = np.cumsum(row_w) - row_w
    col_x = np.repeat(np.repeat(x_min, box_h) - col_start + 0.5, row_w) + np.arange(total)
    row_part = np.repeat(b, box_h, axis=1) * row_y + np.repeat(c, box_h, axis=1)
    row_a = np.repeat(a, box_h, axis=1)
    row_threshold = np.repeat(threshold, box_h, axis=1)
    values = np.repeat(row_part, row_w, axis=1) + np.repeat(row_a, row_w, axis=1) * col_x
    inside = (values > np.repeat(row_threshold, row_w, axis=1)).all(axis=0)
    hit = np.flatnonzero(inside)
    row_of_hit = np.repeat(np.arange(len(row_tri)), row_w)[hit]
    local_tri = row_tri[row_of_hit]
    bary = values[:, hit].T * (1.0 / np.abs(area2))[local_tri, None]
    tri = kept[local_tri]
    zc = vertices[:, 2][corners[:, tri]]  # (3, hits)
    z = bary[:, 0] * zc[0] + bary[:, 1] * zc[1] + bary[:, 2] * zc[2]
    pix = (row_y[row_of_hit].astype(np.int64) * width + col_x[hit].astype(np.int64))

    num_pixels = height * width
    depth = np.full(num_pixels, -np.inf)
    np.maximum.at(depth, pix, z)
    win = np.flatnonzero(z == depth[pix])
    # Among exact depth ties the last candidate wins, deterministically.
    slot = np.full(num_pixels, -1, np.int64)
    slot[pix[win]] = win
    pixels = np.flatnonzero(slot >= 0)
    winner = slot[pixels]
    triangle_id = np.full(num_pixels, -1, np.int32)
    triangle_id[pixels] = tri[winner]
    front_facing = np.zeros(num_pixels, bool)
    front_facing[pixels] = sign[local_tri[winner]] < 0
    return Raster(triangle_id.reshape(height, width), depth.reshape(height, width),
                  front_facing.reshape(height, width), pixels, bary[winner], triangles)


def interpolate(raster, vertex_attributes, compact=False):
    """Interpolates per-vertex attributes at the covered pixels with the barycentrics.

    Args:
        raster: a `Raster`.
        vertex_attributes: (N,) or (N, C) array, one row per vertex of the rasterized mesh.
        compact: bool. Return only the covered pixels, in the order of `raster.pixels`, instead
            of a full image. Defaults to `False`.

    Returns:
        (H, W, C) (or (H, W) for 1-D attributes) float64 with zeros where empty, or (K, C)/(K,)
        when `compact`.
    """
    attributes = np.asarray(vertex_attributes, np.float64)
    flat = attributes.reshape(len(attributes), -1)
    corners = np.ascontiguousarray(raster.triangles[raster.pixel_triangles()].T)
    bary = np.ascontiguousarray(raster.pixel_barycentrics().T)
    values = (flat[corners[0]] * bary[0][:, None] + flat[corners[1]] * bary[1][:, None]
              + flat[corners[2]] * bary[2][:, None])
    if compact:
        return values if attributes.ndim > 1 else values[:, 0]
    height, width = raster.triangle_id.shape
    image = np.zeros((height * width, flat.shape[1]))
    image[raster.pixels] = values
    shape = (height, width) + attributes.shape[1:]
    return image.reshape(shape)
