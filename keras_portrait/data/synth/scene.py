"""Assembles, poses, rasterizes and shades one SynthPortraits scene (the photo render)."""

import functools
import math

import cv2
import numpy as np

from keras_portrait.face import canonical_mesh as cm
from keras_portrait.face.raster import rasterize, interpolate
from keras_portrait.data.synth import background as bg
from keras_portrait.data.synth import expressions as ex
from keras_portrait.data.synth import glasses as gl
from keras_portrait.data.synth import hair as hr
from keras_portrait.data.synth import head as hd
from keras_portrait.data.synth import mesh_parts as mp
from keras_portrait.data.synth import shading
from keras_portrait.data.synth import shape as sh

FRAME_CM = 33.0  # the image spans this many cm of the canonical frame
CAMERA_Y = -2.6  # canonical y at the image centre
TORSO_YAW = 0.35  # share of the yaw that the torso follows
VISIBILITY_TOLERANCE_CM = 0.3
_FRAME_RGB = ((0.05, 0.045, 0.04), (0.32, 0.17, 0.08), (0.55, 0.55, 0.57))


def rotation_matrix(yaw, pitch, roll):
    """R = R_roll @ R_pitch @ R_yaw (degrees) in the canonical frame (x right, y up, z out)."""
    y, p, r = math.radians(yaw), math.radians(-pitch), math.radians(-roll)
    cy, sy, cp, sp, cr, sr = math.cos(y), math.sin(y), math.cos(p), math.sin(p), math.cos(r), \
        math.sin(r)
    r_yaw = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
    r_pitch = np.array([[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]])
    r_roll = np.array([[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]])
    return r_roll @ r_pitch @ r_yaw


@functools.lru_cache(maxsize=2)
def _head_basis(lod):
    """(P + U, N * 3) identity shape and expression basis of the head template, flattened."""
    t = hd.head_template(lod)
    n_head = t.part_vertices["neck"].start
    eyeball = np.full(n_head, -1)
    eyeball[t.part_vertices["eye_r"]] = 0
    eyeball[t.part_vertices["eye_l"]] = 1
    fields = sh.shape_fields(t.vertices[:n_head], local=True, eyeball=eyeball)
    units = ex.unit_fields()
    basis = np.zeros((len(sh.PARAMETERS) + len(units), len(t.vertices), 3))
    basis[: len(sh.PARAMETERS), :n_head] = sh.shape_basis(fields)
    expression = basis[len(sh.PARAMETERS):]
    expression[:, : cm.NUM_VERTICES] = units
    oval = units[:, list(cm.FACE_OVAL)]
    expression[:, t.skull_rings] = oval[:, None] * t.ring_falloff[None, :, None, None]
    jaw_index = np.flatnonzero(t.jaw_weight > 0)
    return basis.reshape(len(basis), -1), jaw_index


def _global_basis(vertices):
    basis = sh.shape_basis(sh.shape_fields(vertices, local=False))
    return basis.reshape(len(basis), -1)


@functools.lru_cache(maxsize=64)
def _hair(style, fringe, lod):
    """(hair Part, shape basis, unit strand directions (H, 3)) of a style, or None when bald."""
    part = hr.hair_part(style, fringe, lod)
    if part is None:
        return None
    grid = part.vertices.reshape(*hr.GRID[lod], 3)
    strand = np.gradient(grid, axis=0).reshape(-1, 3)
    strand /= np.maximum(np.linalg.norm(strand, axis=1, keepdims=True), 1e-9)
    return part, _global_basis(part.vertices), strand


def _shaped(vertices, basis, p):
    return vertices + (sh.coefficients(p) @ basis).reshape(-1, 3)


@functools.lru_cache(maxsize=4)
def _glasses(frame_style):
    frame, lens = gl.glasses_parts(frame_style)
    vertices, triangles, _, _, t_off = mp.merge([frame, lens])
    is_lens = np.arange(len(triangles)) >= t_off[1]
    return {"vertices": vertices, "triangles": triangles, "is_lens": is_lens,
            "basis": _global_basis(vertices),
            "normals": mp.normal_operator(triangles, len(vertices))}


@functools.lru_cache(maxsize=64)
def _assembly(style, fringe, lod):
    """The merged triangles, materials and per-vertex data of head + hair (cached per style)."""
    t = hd.head_template(lod)
    hair = _hair(style, fringe, lod)
    n_base = len(t.vertices)
    triangles, uv, material = [t.triangles], [t.uv], [t.material]
    body, double = [t.body_weight], [np.zeros(len(t.triangles), bool)]
    if hair is not None:
        part = hair[0]
        triangles.append(part.triangles + n_base)
        uv.append(part.uv)
        material.append(np.full(len(part.triangles), hd.HAIR, np.int32))
        body.append(np.ones(len(part.vertices)))
        # Only the hanging part of the hair can be seen from inside; the cap's inside is hidden
        # by the head, so it is culled like any closed surface.
        centroid_y = part.vertices[part.triangles, 1].mean(axis=1)
        double.append(centroid_y < hd.SKULL_CENTER[1] + 2.0)
    triangles = np.concatenate(triangles)
    n_vertices = n_base + (0 if hair is None else len(hair[0].vertices))
    return {"triangles": triangles, "uv": np.concatenate(uv), "material": np.concatenate(material),
            "body": np.concatenate(body), "double": np.concatenate(double), "n_base": n_base,
            "normals": mp.normal_operator(triangles, n_vertices)}


def _canonical_head(p, weights, jaw, lod):
    """Identity shape + expression + jaw opening of the head template, canonical frame."""
    t = hd.head_template(lod)
    basis, jaw_index = _head_basis(lod)
    coefficients = np.concatenate([sh.coefficients(p), weights])
    v = t.vertices + (coefficients @ basis).reshape(-1, 3)
    if jaw:
        v[jaw_index] = ex.jaw_rotation(v[jaw_index], t.jaw_weight[jaw_index], jaw)
    return v


def _pose(v, weight, rotation, yaw):
    """Turns the body by part of the yaw, then the head (blended along the neck) by the rest."""
    pivot = hd.HEAD_PIVOT
    body = rotation_matrix(TORSO_YAW * yaw, 0.0, 0.0)
    v = (v - pivot) @ body.T
    relative = rotation @ body.T
    turned = v @ relative.T
    return v + weight[:, None] * (turned - v) + pivot


def _to_pixels(v, size):
    s = size / FRAME_CM
    return np.stack([v[:, 0] * s + size / 2, (CAMERA_Y - v[:, 1]) * s + size / 2,
                     (v[:, 2] - hd.HEAD_PIVOT[2]) * s], axis=1)


def _antialias(image, ids):
    """Softens the staircase on object boundaries only (the interiors stay sharp)."""
    edge = np.zeros(ids.shape, np.uint8)
    edge[:, 1:] |= ids[:, 1:] != ids[:, :-1]
    edge[1:, :] |= ids[1:, :] != ids[:-1, :]
    edge = cv2.dilate(edge, np.ones((2, 2), np.uint8))
    soft = cv2.GaussianBlur(image, (3, 3), 0.6)
    cv2.copyTo(soft, edge, image)
    return image


def render_scene(p, weights, jaw, wrinkles, pose, light, background, size):
    """Renders the photo image and its labels (see `SynthPortraits.render`)."""
    yaw, pitch, roll = pose
    rotation = rotation_matrix(yaw, pitch, roll)
    lod = 1 if size <= 96 else 0
    head = _canonical_head(p, weights, jaw, lod)
    hair = _hair(p["hair_style"], p["fringe"], lod)
    asm = _assembly(p["hair_style"], p["fringe"], lod)
    triangles, material, n_base = asm["triangles"], asm["material"], asm["n_base"]
    canonical = head if hair is None else np.concatenate(
        [head, _shaped(hair[0].vertices, hair[1], p)])
    world = _pose(canonical, asm["body"], rotation, yaw)
    pixels = _to_pixels(world, size)
    raster = rasterize(pixels, triangles, size, size, double_sided=asm["double"])

    normals = mp.vertex_normals(world, triangles, asm["normals"])
    values = interpolate(raster, np.concatenate([normals, asm["uv"]], axis=1), compact=True)
    tri = raster.pixel_triangles()
    pix = raster.pixels
    facing = raster.front_facing.reshape(-1)[pix]
    pixel_material = material[tri]
    tangent = None
    if hair is not None:
        # Strand directions of the hair pixels: the hair turns rigidly with the head, so the
        # canonical directions only need the head rotation.
        hair_pixels = np.flatnonzero(pixel_material == hd.HAIR)
        corners = triangles[tri[hair_pixels]] - n_base
        bary = raster.pixel_barycentrics()[hair_pixels]
        strand = hair[2]
        tangent = (strand[corners[:, 0]] * bary[:, 0:1] + strand[corners[:, 1]] * bary[:, 1:2]
                   + strand[corners[:, 2]] * bary[:, 2:3]) @ rotation.T
        tangent /= np.maximum(np.sqrt((tangent * tangent).sum(axis=1, keepdims=True)), 1e-9)
    noise = bg.noise_texture(size, max(size / 400.0, 0.25), 3).reshape(-1)
    rgb, classes = shading.shade(pixel_material, values[:, 0:3], values[:, 3:5], facing, pix, p,
                                 light, wrinkles, size, noise, tangent)

    image = bg.render_background(background, size).reshape(-1, 3).astype(np.float64)
    image[pix] = rgb
    mask = np.zeros(size * size, np.int32)
    mask[pix] = classes
    ids = np.full(size * size, -1, np.int32)
    ids[pix] = pixel_material
    glasses_mask = np.zeros(size * size, bool)
    if p["glasses"]:
        _draw_glasses(image, ids, glasses_mask, raster.depth.reshape(-1), p, rotation, yaw,
                      light, size)
    image = np.clip(image.reshape(size, size, 3), 0, 1)
    image = _antialias((image * 255 + 0.5).astype(np.uint8), ids.reshape(size, size))

    # Landmarks and their visibility (depth test against the z-buffer).
    face_px = pixels[: cm.NUM_VERTICES]
    col = np.floor(face_px[:, 0]).astype(np.int64)
    row = np.floor(face_px[:, 1]).astype(np.int64)
    inside = (col >= 0) & (col < size) & (row >= 0) & (row < size)
    depth = raster.depth.reshape(-1)[np.clip(row, 0, size - 1) * size + np.clip(col, 0, size - 1)]
    # Depth is sampled at the pixel centre, up to ~0.7 px from the vertex: allow for the slope.
    tolerance = max(VISIBILITY_TOLERANCE_CM * size / FRAME_CM, 1.5)
    visible = inside & np.isfinite(depth) & (face_px[:, 2] >= depth - tolerance)
    return {
        "image": image,
        "mask": mask.reshape(size, size),
        "glasses_mask": glasses_mask.reshape(size, size),
        "landmarks_3d": face_px.astype(np.float32),
        "visible": visible,
    }


def _draw_glasses(image, ids, glasses_mask, scene_depth, p, rotation, yaw, light, size):
    asm = _glasses(p["frame_style"])
    v = _pose(_shaped(asm["vertices"], asm["basis"], p), np.ones(len(asm["vertices"])), rotation,
              yaw)
    r = rasterize(_to_pixels(v, size), asm["triangles"], size, size, double_sided=True)
    pix = r.pixels
    front = r.depth.reshape(-1)[pix] > scene_depth[pix]
    pix = pix[front]
    if len(pix) == 0:
        return
    glasses_mask[pix] = True
    lens = asm["is_lens"][r.pixel_triangles()[front]]
    shine = 0.06 + 0.1 * (pix[lens] // size) / size
    image[pix[lens]] = image[pix[lens]] * 0.88 + np.array([0.75, 0.82, 0.9]) * shine[:, None]
    pix = pix[~lens]
    normals = mp.vertex_normals(v, asm["triangles"], asm["normals"])
    n = interpolate(r, normals, compact=True)[front][~lens]
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-9)
    ndl = np.abs(n @ light)
    color = np.asarray(_FRAME_RGB[p["frame_style"] % len(_FRAME_RGB)])
    image[pix] = color * (0.45 + 0.55 * ndl)[:, None] + 0.25 * ndl[:, None] ** 20
    ids[pix] = hd.FRAME
