"""Per-pixel materials and lighting of the SynthPortraits photo render.

Works on the covered pixels only (compact arrays in raster order): material ids, interpolated
normals and surface parameters in, RGB in [0, 1] and mask class ids out. Lighting is Lambert with
a little wrap (soft skin), a sky-tinted ambient term and Blinn specular; hair gets a strand-
direction highlight.
"""

import functools

import numpy as np

from keras_portrait.data.synth import face_maps as fm
from keras_portrait.data.synth import head as hd
from keras_portrait.data.synth import materials as mt

CLASS = {"background": 0, "skin": 1, "hair": 2, "eyes": 3, "brows": 4, "nose": 5, "mouth": 6}
# (specular strength, shininess, wrap) per material.
_SURFACE = {hd.FACE: (0.12, 18.0, 0.3), hd.SKIN: (0.08, 14.0, 0.3), hd.NECK: (0.06, 12.0, 0.3),
            hd.EYE: (0.9, 90.0, 0.0), hd.MOUTH: (0.0, 1.0, 0.0), hd.TEETH: (0.25, 30.0, 0.0),
            hd.TONGUE: (0.3, 25.0, 0.0), hd.CLOTH: (0.03, 6.0, 0.15), hd.HAIR: (0.0, 1.0, 0.2)}
_REGION_CLASS = np.zeros(3, np.int32)
_REGION_CLASS[[fm.REGION_SKIN, fm.REGION_LIPS, fm.REGION_NOSE]] = (
    CLASS["skin"], CLASS["mouth"], CLASS["nose"])
_MAP_FRAME = np.array([fm.X0, fm.Y0, fm.RESOLUTION, fm.REGION_LIPS, CLASS["brows"]], np.float64)
_CLASS_OF = {hd.FACE: "skin", hd.SKIN: "skin", hd.NECK: "skin", hd.EYE: "eyes", hd.MOUTH: "mouth",
             hd.TEETH: "mouth", hd.TONGUE: "mouth", hd.HAIR: "hair"}
_KIND = {hd.SKIN: mt.KIND_EARS, hd.FACE: mt.KIND_FACE, hd.EYE: mt.KIND_EYE,
         hd.TEETH: mt.KIND_TEETH, hd.HAIR: mt.KIND_HAIR}
# Per material: kind, textured, specular strength, shininess, wrap, mask class (no albedo yet).
_SURFACE_TABLE = np.zeros((12, mt.SURFACE_COLUMNS))
for _m in range(12):
    _SURFACE_TABLE[_m, : mt.ALBEDO] = (
        _KIND.get(_m, mt.KIND_PLAIN), _m <= hd.NECK or _m == hd.CLOTH,
        *_SURFACE.get(_m, (0.0, 1.0, 0.0)), CLASS[_CLASS_OF.get(_m, "background")])
_SURFACE_TABLE.setflags(write=False)

_CH = {name: i for i, name in enumerate(fm.CHANNELS)}
_NO_TANGENT = np.zeros((0, 3))


@functools.lru_cache(maxsize=1)
def _strand_noise():
    """A smooth periodic 1-D noise (unit deviation) indexed by position around the head."""
    rng = np.random.default_rng(11)
    values = np.zeros(mt.STRAND_LENGTH)
    for octave, weight in ((8, 0.6), (32, 0.5), (128, 0.35), (512, 0.3)):
        coarse = rng.standard_normal(octave)
        x = np.arange(mt.STRAND_LENGTH) * octave / mt.STRAND_LENGTH
        values += weight * np.interp(x, np.arange(octave + 1), np.append(coarse, coarse[0]))
    values = (values - values.mean()) / values.std()
    values.setflags(write=False)
    return values


def _identity_vector(p, size):
    """The identity's colours and brow/hair parameters packed for `materials` (its slots)."""
    q = np.empty(mt.PACKED_SIZE)
    for slot, key in ((mt.SKIN, "skin_rgb"), (mt.CLOTH, "cloth_rgb"), (mt.LIP, "lip_rgb"),
                      (mt.HAIR, "hair_rgb"), (mt.BROW, "brow_rgb"), (mt.EYE, "eye_rgb")):
        q[slot: slot + 3] = p[key]
    q[mt.BUZZ: mt.BUZZ + 3] = 0.5 * p["skin_rgb"] * 0.8
    q[mt.ARCH], q[mt.TILT], q[mt.THICKNESS] = p["brow_arch"], p["brow_tilt"], p["brow_thickness"]
    q[mt.STUBBLE], q[mt.IS_BUZZ] = p["stubble"], p["hair_style"] == "buzz"
    q[mt.DETAIL] = min(1.0, size / 256.0)
    return q


def _surface(p):
    """The per-material table of `materials.shade_pixels` with the identity's base colours."""
    skin = p["skin_rgb"]
    table = _SURFACE_TABLE.copy()
    albedo = table[:, mt.ALBEDO:]
    albedo[hd.FACE], albedo[hd.SKIN], albedo[hd.NECK] = skin, skin * 0.98, skin * 0.93
    albedo[hd.MOUTH], albedo[hd.TONGUE] = (0.2, 0.05, 0.05), (0.6, 0.24, 0.26)
    albedo[hd.CLOTH] = p["cloth_rgb"]
    return table


def _map_weights(p, wrinkles):
    """(C, 5) weights of the face map channels in darkening, blush, beard, lip shade, lash."""
    w = np.zeros((len(fm.CHANNELS), 5))
    w[_CH["shadow"], 0], w[_CH["age"], 0] = 0.3, 0.42 * p["wrinkles"]
    w[_CH["forehead"], 0], w[_CH["frown"], 0] = 0.28 * wrinkles[0], 0.28 * wrinkles[1]
    w[_CH["nose_lines"], 0], w[_CH["smile_fold"], 0] = 0.28 * wrinkles[2], 0.22 * wrinkles[3]
    w[_CH["blush"], 1], w[_CH["beard"], 2] = 0.09, p["stubble"]
    w[_CH["lip_shade"], 3], w[_CH["lash"], 4] = 0.35, 1.0
    return w


def shade(material, values, facing, pix, p, light, wrinkles, size, noise, tangent=None):
    """Shades the covered pixels.

    Args:
        material: (K,) material ids (see `head`).
        values: (K, C >= 5) interpolated normals (camera frame, y up, z toward the viewer),
            then the two surface parameters; further columns are ignored.
        facing: (K,) bool, False where a double-sided triangle is seen from behind.
        pix: (K,) flat pixel indices (for screen-space noise).
        p: identity parameters from `identity.resolve`.
        light: (3,) unit direction toward the light.
        wrinkles: (4,) expression line weights (forehead, frown, nose, smile fold).
        size: image size in pixels.
        noise: (size * size,) float32 fine noise with unit deviation.
        tangent: (H, 3) strand directions (camera frame, any length) of the H hair pixels, in
            order (None = no hair).

    Returns:
        (rgb (K, 3) in [0, 1], mask class ids (K,) int32).
    """
    half = light + np.array([0.0, 0.0, 1.0])
    half /= np.linalg.norm(half)
    region_map, maps = fm.face_maps()
    rgb = np.empty((len(material), 3))
    classes = np.empty(len(material), np.int32)
    mt.shade_pixels(material, values, facing, pix, noise,
                    _NO_TANGENT if tangent is None else tangent, _identity_vector(p, size),
                    _surface(p), _map_weights(p, wrinkles), light, half, region_map, maps,
                    _MAP_FRAME, _REGION_CLASS, _strand_noise(), rgb, classes)
    return rgb, classes
