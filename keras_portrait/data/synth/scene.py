"""Assembles, poses, rasterizes and shades one SynthPortraits scene (the photo render)."""

import functools
import math

import numpy as np

from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.imaging.raster import rasterize, interpolate
from keras_portrait.data.synth import background as bg
from keras_portrait.data.synth import compositing
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
            "basis": _global_basis(vertices), "weight": np.ones(len(vertices)),
            "double": np.ones(len(triangles), bool)}


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
    # Per-vertex surface parameters and (hair only) canonical strand directions.
    uv = np.concatenate(uv)
    strand = np.zeros((len(uv), 3))
    if hair is not None:
        strand[n_base:] = hair[2]
    return {"triangles": triangles, "surface": np.concatenate([uv, strand], axis=1),
            "material": np.concatenate(material), "body": np.concatenate(body),
            "double": np.concatenate(double)}


def _canonical_head(p, weights, jaw, lod):
    """Identity shape + expression + jaw opening of the head template, canonical frame."""
    t = hd.head_template(lod)
    basis, jaw_index = _head_basis(lod)
    coefficients = np.concatenate([sh.coefficients(p), weights])
    v = t.vertices + (coefficients @ basis).reshape(-1, 3)
    if jaw:
        v[jaw_index] = ex.jaw_rotation(v[jaw_index], t.jaw_weight[jaw_index], jaw)
    return v


def _posing(rotation, yaw):
    """(body, relative): the torso's share of the yaw, then the head's rotation relative to it."""
    body = rotation_matrix(TORSO_YAW * yaw, 0.0, 0.0)
    return body, rotation @ body.T


def _pose(v, weight, posing, size):
    """(world, pixels) of canonical `v`: the body turns by part of the yaw, then the head
    (blended along the neck by `weight`) by the rest; pixels as in `SynthPortraits`."""
    body, relative = posing
    v = (v - hd.HEAD_PIVOT) @ body.T
    turned = v @ relative.T
    return compositing.blend_and_project(v, turned, weight, hd.HEAD_PIVOT, size, FRAME_CM,
                                         CAMERA_Y)


def render_scene(p, weights, jaw, wrinkles, pose, light, background, size):
    """Renders the photo image and its labels (see `SynthPortraits.render`)."""
    yaw, pitch, roll = pose
    rotation = rotation_matrix(yaw, pitch, roll)
    posing = _posing(rotation, yaw)
    lod = 1 if size <= 96 else 0
    head = _canonical_head(p, weights, jaw, lod)
    hair = _hair(p["hair_style"], p["fringe"], lod)
    asm = _assembly(p["hair_style"], p["fringe"], lod)
    triangles, material = asm["triangles"], asm["material"]
    canonical = head if hair is None else np.concatenate(
        [head, _shaped(hair[0].vertices, hair[1], p)])
    world, pixels = _pose(canonical, asm["body"], posing, size)
    raster = rasterize(pixels, triangles, size, size, double_sided=asm["double"])

    normals = mp.vertex_normals(world, triangles)
    values = interpolate(raster, np.concatenate([normals, asm["surface"]], axis=1), compact=True)
    pix = raster.pixels
    facing = raster.front_facing.reshape(-1)[pix]
    pixel_material = material[raster.pixel_triangles()]
    tangent = None
    if hair is not None:
        # Strand directions of the hair pixels: the hair turns rigidly with the head, so the
        # canonical directions only need the head rotation.
        hair_pixels = np.flatnonzero(pixel_material == hd.HAIR)
        tangent = np.ascontiguousarray(values[hair_pixels, 5:8]) @ rotation.T
    noise = bg.noise_texture(size, max(size / 400.0, 0.25), 3).reshape(-1)
    rgb, classes = shading.shade(pixel_material, values, facing, pix, p, light, wrinkles,
                                 size, noise, tangent)

    image = bg.render_background(background, size).reshape(-1, 3)
    mask, ids = compositing.scatter(image, pix, rgb, classes, pixel_material)
    glasses_mask = np.zeros(size * size, bool)
    if p["glasses"]:
        _draw_glasses(image, ids, glasses_mask, raster.depth.reshape(-1), p, posing, light, size)
    image = compositing.finish(image, ids, size)

    # Landmarks and their visibility (depth test against the z-buffer).
    face_px = pixels[: cm.NUM_VERTICES]
    # Depth is sampled at the pixel centre, up to ~0.7 px from the vertex: allow for the slope.
    tolerance = max(VISIBILITY_TOLERANCE_CM * size / FRAME_CM, 1.5)
    return {
        "image": image,
        "mask": mask.reshape(size, size),
        "glasses_mask": glasses_mask.reshape(size, size),
        "landmarks_3d": face_px.astype(np.float32),
        "visible": compositing.visible(face_px, raster.depth, size, tolerance),
    }


def _draw_glasses(image, ids, glasses_mask, scene_depth, p, posing, light, size):
    asm = _glasses(p["frame_style"])
    v, pixels = _pose(_shaped(asm["vertices"], asm["basis"], p), asm["weight"], posing, size)
    r = rasterize(pixels, asm["triangles"], size, size, double_sided=asm["double"])
    normals = interpolate(r, mp.vertex_normals(v, asm["triangles"]), compact=True)
    compositing.draw_glasses(image, ids, glasses_mask, scene_depth, r,
                             asm["is_lens"][r.pixel_triangles()], normals, light,
                             _FRAME_RGB[p["frame_style"] % len(_FRAME_RGB)], hd.FRAME)
