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
from keras_portrait.data.synth.mesh_parts import smoothstep

CLASS = {"background": 0, "skin": 1, "hair": 2, "eyes": 3, "brows": 4, "nose": 5, "mouth": 6}
# Brow centre line (|x|, y) from the inner to the outer end, canonical cm.
_BROW_X = np.array([1.2, 2.0, 2.9, 3.9, 4.8, 5.6])
_BROW_Y = np.array([4.45, 4.72, 4.86, 4.84, 4.6, 4.1])
# (specular strength, shininess, wrap) per material.
_SURFACE = {hd.FACE: (0.12, 18.0, 0.3), hd.SKIN: (0.08, 14.0, 0.3), hd.NECK: (0.06, 12.0, 0.3),
            hd.EYE: (0.9, 90.0, 0.0), hd.MOUTH: (0.0, 1.0, 0.0), hd.TEETH: (0.25, 30.0, 0.0),
            hd.TONGUE: (0.3, 25.0, 0.0), hd.CLOTH: (0.03, 6.0, 0.15), hd.HAIR: (0.0, 1.0, 0.2)}
_KS, _SHININESS, _WRAP = (np.array([_SURFACE.get(m, (0.0, 1.0, 0.0))[i] for m in range(12)])
                          for i in range(3))
_STRAND_LENGTH = 4096
_TIP_START = 14.0  # cm from the crown where long hair starts to get thinner and darker
_REGION_CLASS = np.zeros(3, np.int32)
_REGION_CLASS[[fm.REGION_SKIN, fm.REGION_LIPS, fm.REGION_NOSE]] = (
    CLASS["skin"], CLASS["mouth"], CLASS["nose"])
_CLASS_OF = np.zeros(12, np.int32)
_CLASS_OF[[hd.FACE, hd.SKIN, hd.NECK]] = CLASS["skin"]
_CLASS_OF[hd.EYE] = CLASS["eyes"]
_CLASS_OF[[hd.MOUTH, hd.TEETH, hd.TONGUE]] = CLASS["mouth"]
_CLASS_OF[hd.HAIR] = CLASS["hair"]


_CH = {name: i for i, name in enumerate(fm.CHANNELS)}


def _face(uv, p, wrinkles, noise):
    """(albedo (K, 3), classes (K,)) of face pixels from their canonical coordinates."""
    region, maps = fm.lookup(uv)
    # The maps enter linearly: darkening, blush, beard, lip shading and lashes in one product.
    w = np.zeros((len(fm.CHANNELS), 5))
    w[_CH["shadow"], 0], w[_CH["age"], 0] = 0.3, 0.42 * p["wrinkles"]
    w[_CH["forehead"], 0], w[_CH["frown"], 0] = 0.28 * wrinkles[0], 0.28 * wrinkles[1]
    w[_CH["nose_lines"], 0], w[_CH["smile_fold"], 0] = 0.28 * wrinkles[2], 0.22 * wrinkles[3]
    w[_CH["blush"], 1], w[_CH["beard"], 2] = 0.09, p["stubble"]
    w[_CH["lip_shade"], 3], w[_CH["lash"], 4] = 0.35, 1.0
    mix = maps @ w
    col = p["skin_rgb"] * (1.0 + mix[:, 1:2] * np.array([0.6, -0.25, -0.25]))
    if p["stubble"] > 0:
        beard = np.minimum(mix[:, 2] * (0.7 + 0.3 * noise), 1.0)
        col += beard[:, None] * 0.35 * (p["hair_rgb"] * 0.5 - col)
    lips = region == fm.REGION_LIPS
    col[lips] = p["lip_rgb"] * (1.0 - mix[lips, 3:4])
    # Brows: a tapered band around the centre line, thicker at the inner end.
    ax = np.abs(uv[:, 0])
    u = (ax - _BROW_X[0]) / (_BROW_X[-1] - _BROW_X[0])
    near = np.flatnonzero((u > -0.1) & (u < 1.1) & (np.abs(uv[:, 1] - 4.6) < 1.4))
    brow = np.zeros(len(uv))
    if len(near):
        un, axn = u[near], ax[near]
        uc = np.minimum(np.maximum(un, 0.0), 1.0)
        centre = (np.interp(axn, _BROW_X, _BROW_Y) + p["brow_arch"] * np.sin(np.pi * uc)
                  + p["brow_tilt"] * (un - 0.4) * 0.6)
        half = p["brow_thickness"] * (0.33 - 0.17 * uc)
        taper = smoothstep(-0.06, 0.06, un) * smoothstep(1.06, 0.95, un)
        alpha = (half - np.abs(uv[near, 1] - centre)) / 0.07 + 0.5
        brow[near] = np.minimum(np.maximum(alpha, 0.0), 1.0) * taper * (0.75 + 0.25 * noise[near])
        col[near] += brow[near, None] * (p["brow_rgb"] - col[near])
    col *= np.maximum(1.0 - mix[:, 0:1], 0.3)
    lash = np.minimum(mix[:, 4:5], 1.0)
    col += lash * (np.array([0.05, 0.035, 0.03]) - col)
    classes = _REGION_CLASS[region]
    classes[brow > 0.5] = CLASS["brows"]
    return col, classes


def _eye(uv, p, noise):
    """Sclera, iris (with a darker limbus ring) and pupil from the eyeball's unit direction."""
    r = np.sqrt((uv * uv).sum(axis=1))
    col = np.broadcast_to(np.array([0.9, 0.88, 0.84]), (len(uv), 3)).copy()
    iris = p["eye_rgb"] * (0.75 + 0.35 * noise[:, None]) * (1.25 - 0.6 * r[:, None])
    t = smoothstep(0.56, 0.5, r)[:, None]
    col += t * (iris - col)
    col *= (1.0 - 0.45 * smoothstep(0.44, 0.54, r) * smoothstep(0.6, 0.54, r))[:, None]
    col *= 1.0 - 0.93 * smoothstep(0.23, 0.19, r)[:, None]
    # The upper lid shades the top of the eyeball.
    col *= (1.0 - 0.45 * smoothstep(0.05, 0.6, uv[:, 1]))[:, None]
    return col


def _teeth(uv):
    """Off-white teeth with dark gaps, darker toward the back of the mouth."""
    gap = np.abs(((np.abs(uv[:, 0]) + 0.02) / (0.5 + 0.08 * np.abs(uv[:, 0]))) % 1.0 - 0.5)
    col = np.broadcast_to(np.array([0.92, 0.9, 0.82]), (len(uv), 3)).copy()
    col *= (1.0 - 0.35 * smoothstep(0.42, 0.5, gap))[:, None]
    col *= (0.65 + 0.35 * smoothstep(2.3, 0.8, np.abs(uv[:, 0])))[:, None]
    return col


@functools.lru_cache(maxsize=1)
def _strand_noise():
    """A smooth periodic 1-D noise (unit deviation) indexed by position around the head."""
    rng = np.random.default_rng(11)
    values = np.zeros(_STRAND_LENGTH)
    for octave, weight in ((8, 0.6), (32, 0.5), (128, 0.35), (512, 0.3)):
        coarse = rng.standard_normal(octave)
        x = np.arange(_STRAND_LENGTH) * octave / _STRAND_LENGTH
        values += weight * np.interp(x, np.arange(octave + 1), np.append(coarse, coarse[0]))
    values = (values - values.mean()) / values.std()
    values.setflags(write=False)
    return values


def _strands(position):
    table = _strand_noise()
    return table[(position * _STRAND_LENGTH).astype(np.int64) % _STRAND_LENGTH]


def _hair(uv, p, size, tangent, light):
    """(albedo, strand highlight) of hair pixels; uv = (azimuth turns, cm from the crown)."""
    # Strands run down the grid columns: the texture varies across them (azimuth) and wavers
    # slowly along them.
    u = uv[:, 0] + 0.006 * np.sin(uv[:, 1] * 0.8 + uv[:, 0] * 40.0)
    detail = min(1.0, size / 256.0)
    strands = _strands(u * 3.0) * 0.6 + _strands(u * 11.0 + 0.3) * 0.4 * detail
    tips = np.minimum(np.maximum(uv[:, 1] - _TIP_START, 0.0) * 0.04, 0.25)
    col = p["hair_rgb"] * (0.9 + 0.1 * strands - tips)[:, None]
    if p["hair_style"] == "buzz":
        col = 0.5 * col + 0.5 * p["skin_rgb"] * 0.8
    # Strand-direction highlight: bright where the half vector is across the strands.
    half = light + np.array([0.0, 0.0, 1.0])
    half = half / np.linalg.norm(half)
    th = tangent @ half
    across = np.sqrt(np.maximum(1.0 - th * th, 0.0))
    spec = across ** 60 * (0.22 + 0.08 * strands) + across ** 8 * 0.04
    return col, spec


def shade(material, normal, uv, facing, pix, p, light, wrinkles, size, noise, tangent=None):
    """Shades the covered pixels.

    Args:
        material: (K,) material ids (see `head`).
        normal: (K, 3) interpolated normals (camera frame, y up, z toward the viewer).
        uv: (K, 2) interpolated surface parameters.
        facing: (K,) bool, False where a double-sided triangle is seen from behind.
        pix: (K,) flat pixel indices (for screen-space noise).
        p: identity parameters from `identity.resolve`.
        light: (3,) unit direction toward the light.
        wrinkles: (4,) expression line weights (forehead, frown, nose, smile fold).
        size: image size in pixels.
        noise: (size * size,) fine noise with unit deviation.
        tangent: (H, 3) unit strand directions of the H hair pixels, in order (None = no hair).

    Returns:
        (rgb (K, 3) in [0, 1], mask class ids (K,) int32).
    """
    normal = normal / np.maximum(np.sqrt((normal * normal).sum(axis=1, keepdims=True)), 1e-9)
    back = ~facing
    if back.any():
        normal[back] *= -1.0
    n_pix = noise[pix]
    skin = p["skin_rgb"]
    table = np.zeros((12, 3))
    table[[hd.FACE, hd.SKIN, hd.NECK]] = skin, skin * 0.98, skin * 0.93
    table[[hd.MOUTH, hd.TONGUE, hd.CLOTH]] = (0.2, 0.05, 0.05), (0.6, 0.24, 0.26), p["cloth_rgb"]
    albedo = table[material]
    # Fine noise: skin texture and fabric.
    textured = material <= hd.NECK
    textured |= material == hd.CLOTH
    albedo *= (1.0 + 0.012 * n_pix * textured)[:, None]
    classes = _CLASS_OF[material]
    ears = np.flatnonzero((material == hd.SKIN) & (uv[:, 0] > 0.0))
    if len(ears):
        # The bowl of the ear (the outer side of the ear ellipsoid) is in shadow.
        e = uv[ears]
        albedo[ears] *= (1.0 - 0.22 * smoothstep(0.3, 0.85, e[:, 0])
                         * smoothstep(0.75, 0.35, np.abs(e[:, 1] + 0.1)))[:, None]
    ks, shininess, wrap = _KS[material], _SHININESS[material], _WRAP[material]
    spec_add = None
    for mat in (hd.FACE, hd.EYE, hd.TEETH, hd.HAIR):
        idx = np.flatnonzero(material == mat)
        if len(idx) == 0:
            continue
        if mat == hd.FACE:
            albedo[idx], classes[idx] = _face(uv[idx], p, wrinkles, n_pix[idx])
        elif mat == hd.EYE:
            albedo[idx] = _eye(uv[idx], p, n_pix[idx])
        elif mat == hd.TEETH:
            albedo[idx] = _teeth(uv[idx])
        else:
            spec_add = np.zeros(len(material))
            albedo[idx], spec_add[idx] = _hair(uv[idx], p, size, tangent, light)

    half = light + np.array([0.0, 0.0, 1.0])
    half /= np.linalg.norm(half)
    dots = normal @ np.stack([light, half], axis=1)
    ndl = dots[:, 0]
    diffuse = np.clip((ndl + wrap) / (1.0 + wrap), 0.0, 1.0)
    ambient = 0.3 + 0.08 * normal[:, 1] + 0.05 * normal[:, 2]
    ndh = np.minimum(np.maximum(dots[:, 1], 1e-6), 1.0)
    spec = ks * np.exp(shininess * np.log(ndh)) * (ndl > 0)
    if spec_add is not None:
        spec += spec_add
    light_amount = ambient + 0.78 * diffuse
    if back.any():
        light_amount[back] *= 0.55
    rgb = albedo * light_amount[:, None] + spec[:, None]
    return rgb, classes
