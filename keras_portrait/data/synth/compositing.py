"""Compiled per-pixel and per-vertex steps of a SynthPortraits scene around the shading.

Blending the head pose along the neck and projecting to pixels, composing the shaded pixels over
the backdrop into 8-bit with the edge mask of the antialiasing, and the depth test of the
landmarks. Each is one compiled loop instead of a dozen small array passes, whose call overhead
dominated the cost of a small image; the arithmetic keeps the order of the array formulas, so
the pixels are the same.
"""

import cv2
import numba
import numpy as np


@numba.njit(cache=True)
def _blend_and_project(v, turned, weight, pivot, scale, half_size, camera_y, pivot_z, world,
                       pixels):
    for i in range(v.shape[0]):
        for k in range(3):
            world[i, k] = v[i, k] + weight[i] * (turned[i, k] - v[i, k]) + pivot[k]
        pixels[i, 0] = world[i, 0] * scale + half_size
        pixels[i, 1] = (camera_y - world[i, 1]) * scale + half_size
        pixels[i, 2] = (world[i, 2] - pivot_z) * scale


def blend_and_project(v, turned, weight, pivot, size, frame_cm, camera_y):
    """(world (N, 3), pixels (N, 3)): `v` turned by `weight` toward `turned`, then projected.

    The image spans `frame_cm` of the canonical frame centred at (0, camera_y); pixel z is 0 at
    the depth of `pivot`.
    """
    world = np.empty_like(v)
    pixels = np.empty_like(v)
    _blend_and_project(v, turned, weight, pivot, size / frame_cm, size / 2, camera_y, pivot[2],
                       world, pixels)
    return world, pixels


@numba.njit(cache=True)
def _scatter(pixels, rgb, classes, material, image, mask, ids):
    for k in range(len(pixels)):
        p = pixels[k]
        image[p, 0], image[p, 1], image[p, 2] = rgb[k, 0], rgb[k, 1], rgb[k, 2]
        mask[p] = classes[k]
        ids[p] = material[k]


def scatter(image, pixels, rgb, classes, material):
    """Writes the shaded pixels into the flat image (size * size, 3) in place.

    Returns (mask, ids): flat int32 mask classes (0 where empty) and material ids (-1 where
    empty, the objects whose boundaries are antialiased).
    """
    mask = np.zeros(len(image), np.int32)
    ids = np.full(len(image), -1, np.int32)
    _scatter(pixels, rgb, classes, material, image, mask, ids)
    return mask, ids


@numba.njit(cache=True)
def _to_8bit(image, ids, size, out, edge):
    for i in range(size):
        for j in range(size):
            k = i * size + j
            for c in range(3):
                value = min(max(image[k, c], 0.0), 1.0)
                out[i, j, c] = np.uint8(value * 255 + 0.5)
            # Object boundaries, dilated by one pixel up and left (a 2 x 2 dilation).
            here = ids[k]
            hit = ((j > 0 and here != ids[k - 1]) or (i > 0 and here != ids[k - size]))
            if hit:
                for a in range(i, min(i + 2, size)):
                    for b in range(j, min(j + 2, size)):
                        edge[a, b] = 1


def finish(image, ids, size):
    """(size, size, 3) uint8 of the float image (size * size, 3), antialiased on the boundaries.

    Only object boundaries (where `ids` changes) are softened; the interiors stay sharp.
    """
    out = np.empty((size, size, 3), np.uint8)
    edge = np.zeros((size, size), np.uint8)
    _to_8bit(image, ids, size, out, edge)
    soft = cv2.GaussianBlur(out, (3, 3), 0.6)
    cv2.copyTo(soft, edge, out)
    return out


@numba.njit(cache=True)
def _visible(points, depth, size, tolerance, out):
    for i in range(points.shape[0]):
        col, row = np.floor(points[i, 0]), np.floor(points[i, 1])
        out[i] = False
        if col >= 0 and col < size and row >= 0 and row < size:
            d = depth[int(row) * size + int(col)]
            out[i] = np.isfinite(d) and points[i, 2] >= d - tolerance


def visible(points, depth, size, tolerance):
    """(N,) bool: pixel points (N, 3) inside the image and not behind the z-buffer `depth`.

    `depth` is sampled at the pixel that contains the point; `tolerance` (pixels) allows for the
    slope between the point and that pixel's centre.
    """
    out = np.empty(len(points), bool)
    _visible(points, depth.reshape(-1), size, tolerance, out)
    return out


@numba.njit(cache=True)
def _glasses(image, ids, glasses_mask, scene_depth, depth, size, pixels, is_lens, normals,
             light, color, frame_id):
    for k in range(len(pixels)):
        p = pixels[k]
        if not depth[p] > scene_depth[p]:
            continue
        glasses_mask[p] = True
        if is_lens[k]:
            # A light tint, a little brighter toward the bottom of the image.
            shine = 0.06 + 0.1 * (p // size) / size
            image[p, 0] = image[p, 0] * 0.88 + 0.75 * shine
            image[p, 1] = image[p, 1] * 0.88 + 0.82 * shine
            image[p, 2] = image[p, 2] * 0.88 + 0.9 * shine
            continue
        nx, ny, nz = normals[k, 0], normals[k, 1], normals[k, 2]
        length = max(np.sqrt(nx * nx + ny * ny + nz * nz), 1e-9)
        ndl = abs(nx / length * light[0] + ny / length * light[1] + nz / length * light[2])
        for c in range(3):
            image[p, c] = color[c] * (0.45 + 0.55 * ndl) + 0.25 * ndl ** 20.0
        ids[p] = frame_id


def draw_glasses(image, ids, glasses_mask, scene_depth, raster, is_lens, normals, light, color,
                 frame_id):
    """Draws the glasses' pixels that are in front of the scene (`scene_depth`, flat).

    `raster` is the glasses' own; `is_lens` and `normals` are per covered pixel of it. Lenses
    tint the image; the frame is lit (two-sided Lambert plus a highlight) and gets `frame_id`.
    """
    _glasses(image, ids, glasses_mask, scene_depth, raster.depth.reshape(-1),
             raster.depth.shape[1], raster.pixels, is_lens, normals, light,
             np.asarray(color, np.float64), frame_id)
