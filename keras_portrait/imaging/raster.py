"""A visibility-correct z-buffer triangle rasterizer, compiled with numba.

Conventions (shared with everything in `keras_portrait.face` that renders):
- Vertices are given in pixel units: x to the right, y down, z toward the viewer. The pixel
  (row i, column j) is sampled at its centre (j + 0.5, i + 0.5).
- The nearest surface is the one with the LARGEST z.
- A triangle is front-facing when its vertices turn counter-clockwise as seen by the viewer with y
  up, i.e. clockwise in the y-down pixel frame (the winding of the canonical face mesh).
- Fill rule: a pixel centre exactly on an edge shared by two triangles is drawn by exactly one of
  them (the edge functions of a shared edge are exact negatives of each other and ties go to the
  "top-left" owner), so a closed mesh leaves no cracks and no double hits.

The work is one compiled loop over the triangles and the pixel centres of their bounding boxes
(`numba`, without fast-math, so the arithmetic is IEEE and the output deterministic). A small
image is a few thousand candidates; vectorizing them in numpy spent most of its time in call
overhead.
"""

import numba
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


def _empty(height, width, triangles):
    return Raster(np.full((height, width), -1, np.int32), np.full((height, width), -np.inf),
                  np.zeros((height, width), bool), np.zeros(0, np.int64), np.zeros((0, 3)),
                  triangles)


@numba.njit(cache=True)
def _scan(vertices, triangles, double_sided, height, width):
    """Draws every kept triangle into the flat buffers, in triangle order (see `rasterize`).

    Edge values are computed as A x + (B y + C) with A, B, C of the directed edges p -> q
    (A = p.y - q.y, B = q.x - p.x, C = q.y p.x - q.x p.y), so the two triangles of a shared edge
    get exact negatives; the depth test keeps the last candidate among exact ties. Returns
    (depth, triangle_id, front, pixels, pixel barycentrics), flat.
    """
    num_pixels = height * width
    depth = np.full(num_pixels, -np.inf)
    triangle_id = np.full(num_pixels, -1, np.int32)
    front = np.zeros(num_pixels, np.bool_)
    bary = np.empty((num_pixels, 3))
    for t in range(triangles.shape[0]):
        i0, i1, i2 = triangles[t, 0], triangles[t, 1], triangles[t, 2]
        x0, y0, z0 = vertices[i0, 0], vertices[i0, 1], vertices[i0, 2]
        x1, y1, z1 = vertices[i1, 0], vertices[i1, 1], vertices[i1, 2]
        x2, y2, z2 = vertices[i2, 0], vertices[i2, 1], vertices[i2, 2]
        # Twice the signed area in the y-down frame; negative = front-facing.
        area2 = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
        if not (area2 < 0 or (area2 > 0 and double_sided[t])):
            continue
        col_lo = max(np.ceil(min(x0, x1, x2) - 0.5), 0.0)
        col_hi = min(np.floor(max(x0, x1, x2) - 0.5), width - 1.0)
        row_lo = max(np.ceil(min(y0, y1, y2) - 0.5), 0.0)
        row_hi = min(np.floor(max(y0, y1, y2) - 0.5), height - 1.0)
        if not (col_hi >= col_lo and row_hi >= row_lo):
            continue
        sign = -1.0 if area2 < 0 else 1.0
        # Edges 1->2, 2->0, 0->1, oriented so that the inside is positive.
        a0, b0, c0 = (y1 - y2) * sign, (x2 - x1) * sign, (y2 * x1 - x2 * y1) * sign
        a1, b1, c1 = (y2 - y0) * sign, (x0 - x2) * sign, (y0 * x2 - x0 * y2) * sign
        a2, b2, c2 = (y0 - y1) * sign, (x1 - x0) * sign, (y1 * x0 - x1 * y0) * sign
        # Pixel centres exactly on an edge belong to its "top-left" owner: test e > -tiny there.
        t0 = -5e-324 if (a0 > 0 or (a0 == 0 and b0 > 0)) else 0.0
        t1 = -5e-324 if (a1 > 0 or (a1 == 0 and b1 > 0)) else 0.0
        t2 = -5e-324 if (a2 > 0 or (a2 == 0 and b2 > 0)) else 0.0
        inverse = 1.0 / abs(area2)
        for row in range(int(row_lo), int(row_hi) + 1):
            y = row + 0.5
            r0, r1, r2 = b0 * y + c0, b1 * y + c1, b2 * y + c2
            for col in range(int(col_lo), int(col_hi) + 1):
                x = col + 0.5
                e0, e1, e2 = r0 + a0 * x, r1 + a1 * x, r2 + a2 * x
                if not (e0 > t0 and e1 > t1 and e2 > t2):
                    continue
                w0, w1, w2 = e0 * inverse, e1 * inverse, e2 * inverse
                z = w0 * z0 + w1 * z1 + w2 * z2
                k = row * width + col
                if z >= depth[k]:
                    depth[k] = z
                    triangle_id[k] = t
                    front[k] = sign < 0
                    bary[k, 0], bary[k, 1], bary[k, 2] = w0, w1, w2
    count = 0
    for k in range(num_pixels):
        count += triangle_id[k] >= 0
    pixels = np.empty(count, np.int64)
    pixel_bary = np.empty((count, 3))
    count = 0
    for k in range(num_pixels):
        if triangle_id[k] >= 0:
            pixels[count] = k
            pixel_bary[count] = bary[k]
            count += 1
    return depth, triangle_id, front, pixels, pixel_bary


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
    vertices = np.ascontiguousarray(vertices, np.float64)
    triangles = np.asarray(triangles)
    if len(triangles) == 0:
        return _empty(height, width, triangles)
    corners = np.ascontiguousarray(triangles, np.int64)
    two_sided = np.asarray(double_sided, bool)
    if two_sided.shape != (len(corners),):
        two_sided = np.broadcast_to(two_sided, (len(corners),))
    depth, triangle_id, front_facing, pixels, bary = _scan(
        vertices, corners, np.ascontiguousarray(two_sided), height, width)
    return Raster(triangle_id.reshape(height, width), depth.reshape(height, width),
                  front_facing.reshape(height, width), pixels, bary, triangles)


@numba.njit(cache=True)
def _blend(attributes, triangles, pixel_triangles, bary, out):
    for k in range(pixel_triangles.shape[0]):
        t = pixel_triangles[k]
        i0, i1, i2 = triangles[t, 0], triangles[t, 1], triangles[t, 2]
        w0, w1, w2 = bary[k, 0], bary[k, 1], bary[k, 2]
        for c in range(attributes.shape[1]):
            out[k, c] = attributes[i0, c] * w0 + attributes[i1, c] * w1 + attributes[i2, c] * w2


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
    flat = np.ascontiguousarray(attributes.reshape(len(attributes), -1))
    values = np.empty((len(raster.pixels), flat.shape[1]))
    _blend(flat, np.ascontiguousarray(raster.triangles, np.int64), raster.pixel_triangles(),
           raster.pixel_barycentrics(), values)
    if compact:
        return values if attributes.ndim > 1 else values[:, 0]
    height, width = raster.triangle_id.shape
    image = np.zeros((height * width, flat.shape[1]))
    image[raster.pixels] = values
    shape = (height, width) + attributes.shape[1:]
    return image.reshape(shape)
