"""The compiled per-pixel shading of SynthPortraits: material albedos and lighting.

`shade_pixels` runs all the covered pixels in one loop; the material functions shade ONE pixel
from its surface parameters `(u, v)` and its screen noise value (float32, the noise texture's
precision) and return plain floats. Everything that comes from other modules (material ids,
face map geometry, colours) arrives as arguments, prepared by `shading.shade`: numba's on-disk
cache only notices edits to this file, so no compiled code here may depend on another one.
"""

import numba
import numpy as np

# Slots of the packed identity vector (see `shading.shade`).
SKIN, CLOTH, LIP, HAIR, BROW, EYE, BUZZ = 0, 3, 6, 9, 12, 15, 18
ARCH, TILT, THICKNESS, STUBBLE, IS_BUZZ, DETAIL = 21, 22, 23, 24, 25, 26
PACKED_SIZE = 27
# Brow centre line (|x|, y) from the inner to the outer end, canonical cm.
BROW_X = np.array([1.2, 2.0, 2.9, 3.9, 4.8, 5.6])
BROW_Y = np.array([4.45, 4.72, 4.86, 4.84, 4.6, 4.1])
STRAND_LENGTH = 4096
_TIP_START = 14.0  # cm from the crown where long hair starts to get thinner and darker


@numba.njit(cache=True)
def smoothstep(edge0, edge1, x):
    """Hermite step from 0 at edge0 to 1 at edge1 (either order), like `mesh_parts.smoothstep`."""
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


@numba.njit(cache=True)
def _interp(x, xp, fp):
    """`np.interp` at one point (same arithmetic: slope * (x - xp[j]) + fp[j])."""
    n = len(xp)
    if x > xp[n - 1]:
        return fp[n - 1]
    if x < xp[0]:
        return fp[0]
    j = 0
    while j + 1 < n and xp[j + 1] <= x:
        j += 1
    if j == n - 1 or xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    return slope * (x - xp[j]) + fp[j]


@numba.njit(cache=True)
def face(u, v, noise, q, weights, region_map, maps, map_frame, region_class):
    """(r, g, b, mask class) of a face pixel at canonical (u, v) = (x, y) cm.

    `map_frame` = (x0, y0, cm per map pixel, lips region id, brows class id).
    """
    x0, y0, resolution = map_frame[0], map_frame[1], map_frame[2]
    col = min(max(int((u - x0) / resolution), 0), maps.shape[1] - 1)
    row = min(max(int((v - y0) / resolution), 0), maps.shape[0] - 1)
    region = region_map[row, col]
    # The maps enter linearly: darkening, blush, beard, lip shading and lashes in one product.
    dark = blush = beard = lip_shade = lash = 0.0
    for c in range(maps.shape[2]):
        m = np.float64(maps[row, col, c])
        dark += m * weights[c, 0]
        blush += m * weights[c, 1]
        beard += m * weights[c, 2]
        lip_shade += m * weights[c, 3]
        lash += m * weights[c, 4]
    r = q[SKIN] * (1.0 + blush * 0.6)
    g = q[SKIN + 1] * (1.0 + blush * -0.25)
    b = q[SKIN + 2] * (1.0 + blush * -0.25)
    if q[STUBBLE] > 0:
        beard = min(beard * np.float64(np.float32(0.7) + np.float32(0.3) * noise), 1.0)
        r += beard * 0.35 * (q[HAIR] * 0.5 - r)
        g += beard * 0.35 * (q[HAIR + 1] * 0.5 - g)
        b += beard * 0.35 * (q[HAIR + 2] * 0.5 - b)
    if region == int(map_frame[3]):
        r, g, b = q[LIP] * (1.0 - lip_shade), q[LIP + 1] * (1.0 - lip_shade), q[LIP + 2] * (
            1.0 - lip_shade)
    # Brows: a tapered band around the centre line, thicker at the inner end.
    ax = abs(u)
    t = (ax - BROW_X[0]) / (BROW_X[-1] - BROW_X[0])
    brow = 0.0
    if t > -0.1 and t < 1.1 and abs(v - 4.6) < 1.4:
        tc = min(max(t, 0.0), 1.0)
        centre = (_interp(ax, BROW_X, BROW_Y) + q[ARCH] * np.sin(np.pi * tc)
                  + q[TILT] * (t - 0.4) * 0.6)
        half = q[THICKNESS] * (0.33 - 0.17 * tc)
        taper = smoothstep(-0.06, 0.06, t) * smoothstep(1.06, 0.95, t)
        alpha = (half - abs(v - centre)) / 0.07 + 0.5
        brow = (min(max(alpha, 0.0), 1.0) * taper
                * np.float64(np.float32(0.75) + np.float32(0.25) * noise))
        r, g, b = r + brow * (q[BROW] - r), g + brow * (q[BROW + 1] - g), b + brow * (
            q[BROW + 2] - b)
    dark = max(1.0 - dark, 0.3)
    lash = min(lash, 1.0)
    r, g, b = r * dark, g * dark, b * dark
    r, g, b = r + lash * (0.05 - r), g + lash * (0.035 - g), b + lash * (0.03 - b)
    label = int(map_frame[4]) if brow > 0.5 else region_class[region]
    return r, g, b, label


@numba.njit(cache=True)
def eye(u, v, noise, q):
    """Sclera, iris (with a darker limbus ring) and pupil from the eyeball's unit direction."""
    r = np.sqrt(u * u + v * v)
    grain = np.float64(np.float32(0.75) + np.float32(0.35) * noise)
    t = smoothstep(0.56, 0.5, r)
    limbus = 1.0 - 0.45 * smoothstep(0.44, 0.54, r) * smoothstep(0.6, 0.54, r)
    pupil = 1.0 - 0.93 * smoothstep(0.23, 0.19, r)
    lid = 1.0 - 0.45 * smoothstep(0.05, 0.6, v)  # the upper lid shades the top of the eyeball
    fall = 1.25 - 0.6 * r
    return ((0.9 + t * (q[EYE] * grain * fall - 0.9)) * limbus * pupil * lid,
            (0.88 + t * (q[EYE + 1] * grain * fall - 0.88)) * limbus * pupil * lid,
            (0.84 + t * (q[EYE + 2] * grain * fall - 0.84)) * limbus * pupil * lid)


@numba.njit(cache=True)
def teeth(u):
    """Off-white teeth with dark gaps, darker toward the back of the mouth."""
    ax = abs(u)
    gap = abs(((ax + 0.02) / (0.5 + 0.08 * ax)) % 1.0 - 0.5)
    a = 1.0 - 0.35 * smoothstep(0.42, 0.5, gap)
    b = 0.65 + 0.35 * smoothstep(2.3, 0.8, ax)
    return 0.92 * a * b, 0.9 * a * b, 0.82 * a * b


@numba.njit(cache=True)
def hair(u, v, tangent, q, half, strand_table):
    """(r, g, b, strand highlight) of a hair pixel; (u, v) = (azimuth turns, cm from crown).

    `tangent` is the strand direction in the camera frame (any length).
    """
    # Strands run down the grid columns: the texture varies across them (azimuth) and wavers
    # slowly along them.
    w = u + 0.006 * np.sin(v * 0.8 + u * 40.0)
    n = len(strand_table)
    s1 = strand_table[int(w * 3.0 * n) % n]
    s2 = strand_table[int((w * 11.0 + 0.3) * n) % n]
    strands = s1 * 0.6 + s2 * 0.4 * q[DETAIL]
    tips = min(max(v - _TIP_START, 0.0) * 0.04, 0.25)
    shade = 0.9 + 0.1 * strands - tips
    r, g, b = q[HAIR] * shade, q[HAIR + 1] * shade, q[HAIR + 2] * shade
    if q[IS_BUZZ] > 0:
        r, g, b = 0.5 * r + q[BUZZ], 0.5 * g + q[BUZZ + 1], 0.5 * b + q[BUZZ + 2]
    # Strand-direction highlight: bright where the half vector is across the strands.
    tx, ty, tz = tangent[0], tangent[1], tangent[2]
    length = max(np.sqrt(tx * tx + ty * ty + tz * tz), 1e-9)
    th = tx / length * half[0] + ty / length * half[1] + tz / length * half[2]
    across = np.sqrt(max(1.0 - th * th, 0.0))
    spec = across ** 60.0 * (0.22 + 0.08 * strands) + across ** 8.0 * 0.04
    return r, g, b, spec


# Columns of the per-material table passed to `shade_pixels` (one row per material id).
KIND, TEXTURED, KS, SHININESS, WRAP, CLASS, ALBEDO = 0, 1, 2, 3, 4, 5, 6
SURFACE_COLUMNS = 9
# Kinds of material: a flat colour, the ear-shadowed skin, and the textured ones.
KIND_PLAIN, KIND_EARS, KIND_FACE, KIND_EYE, KIND_TEETH, KIND_HAIR = range(6)


@numba.njit(cache=True)
def shade_pixels(material, values, facing, pix, noise, tangent, q, surface, weights, light,
                 half, region_map, maps, map_frame, region_class, strands, rgb, classes):
    """Fills rgb (K, 3) and classes (K,) of the covered pixels (see `shading.shade`)."""
    hair_index = 0
    for i in range(len(material)):
        m = material[i]
        kind = int(surface[m, KIND])
        nx, ny, nz = values[i, 0], values[i, 1], values[i, 2]
        length = max(np.sqrt(nx * nx + ny * ny + nz * nz), 1e-9)
        nx, ny, nz = nx / length, ny / length, nz / length
        if not facing[i]:
            nx, ny, nz = -nx, -ny, -nz
        u, v, n = values[i, 3], values[i, 4], noise[pix[i]]
        # Fine noise: skin texture and fabric.
        grain = np.float64(np.float32(1.0) + np.float32(0.012) * n
                           * np.float32(surface[m, TEXTURED]))
        r = surface[m, ALBEDO] * grain
        g = surface[m, ALBEDO + 1] * grain
        b = surface[m, ALBEDO + 2] * grain
        label, extra = int(surface[m, CLASS]), 0.0
        if kind == KIND_EARS and u > 0.0:
            # The bowl of the ear (the outer side of the ear ellipsoid) is in shadow.
            bowl = 1.0 - 0.22 * smoothstep(0.3, 0.85, u) * smoothstep(0.75, 0.35, abs(v + 0.1))
            r, g, b = r * bowl, g * bowl, b * bowl
        elif kind == KIND_FACE:
            r, g, b, label = face(u, v, n, q, weights, region_map, maps, map_frame,
                                  region_class)
        elif kind == KIND_EYE:
            r, g, b = eye(u, v, n, q)
        elif kind == KIND_TEETH:
            r, g, b = teeth(u)
        elif kind == KIND_HAIR:
            r, g, b, extra = hair(u, v, tangent[hair_index], q, half, strands)
            hair_index += 1
        ndl = nx * light[0] + ny * light[1] + nz * light[2]
        ndh = min(max(nx * half[0] + ny * half[1] + nz * half[2], 1e-6), 1.0)
        wrap = surface[m, WRAP]
        diffuse = min(max((ndl + wrap) / (1.0 + wrap), 0.0), 1.0)
        ambient = 0.3 + 0.08 * ny + 0.05 * nz
        spec = (surface[m, KS] * np.exp(surface[m, SHININESS] * np.log(ndh))
                * (1.0 if ndl > 0 else 0.0) + extra)
        amount = ambient + 0.78 * diffuse
        if not facing[i]:
            amount *= 0.55
        rgb[i, 0], rgb[i, 1], rgb[i, 2] = r * amount + spec, g * amount + spec, b * amount + spec
        classes[i] = label
