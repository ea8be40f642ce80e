"""Facial expressions of SynthPortraits as weighted action units on the canonical face mesh.

Each action unit is a smooth displacement field of the 468 face vertices (Gaussian falloffs
around anchor points, mirrored to both sides, gated to the upper or lower lip / eyelid where it
must not leak across an opening). An expression is a weighted sum of units plus a jaw rotation,
all scaled by the intensity. `wrinkles` tells the shader which expression lines to draw.
"""

import functools

import numpy as np

from keras_portrait import labels
from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.data.synth import head as hd
from keras_portrait.data.synth.mesh_parts import smoothstep

# (anchor on the subject's right, displacement, sigma, gate). Mirrored to the left side.
_UNITS = {
    "close": [((0.0, -4.0, 5.2), (0, -0.2, 0), 1.3, "upper_lip"),
              ((0.0, -4.5, 5.4), (0, 0.29, 0), 1.3, "lower_lip"),
              ((-3.15, 2.9, 3.8), (0, 0.1, 0), 0.9, "upper_lid"),
              ((-3.15, 2.3, 3.8), (0, -0.04, 0), 0.9, "lower_lid")],
    "inner_brow_up": [((-1.6, 4.8, 5.2), (0, 0.6, 0), 1.0, None)],
    "outer_brow_up": [((-4.6, 4.7, 4.0), (0, 0.55, 0), 1.3, None)],
    "brow_lower": [((-2.2, 4.7, 5.0), (0.3, -0.5, 0.05), 1.2, None)],
    "lid_raise": [((-3.15, 2.9, 3.8), (0, 0.3, 0), 0.9, "upper_lid")],
    "lid_tighten": [((-3.15, 2.9, 3.8), (0, -0.12, 0), 0.9, "upper_lid"),
                    ((-3.15, 2.3, 3.8), (0, 0.16, 0), 0.9, "lower_lid")],
    "cheek_raise": [((-3.4, 0.3, 4.2), (0, 0.35, 0.12), 1.3, "not_lid"),
                    ((-3.15, 2.3, 3.8), (0, 0.12, 0), 0.8, "lower_lid")],
    "smile": [((-2.46, -4.34, 4.28), (-0.45, 0.7, -0.25), 0.9, None),
              ((-1.0, -3.6, 5.6), (0, 0.12, 0), 0.8, "upper_lip")],
    "corner_down": [((-2.46, -4.34, 4.28), (0.1, -0.55, 0), 0.85, None)],
    "lip_stretch": [((-2.46, -4.34, 4.28), (-0.55, -0.12, -0.15), 0.9, None)],
    "nose_wrinkle": [((-1.3, 0.3, 5.8), (0, 0.3, 0), 0.9, None),
                     ((-0.9, -3.6, 5.7), (0, 0.35, 0.05), 0.8, "upper_lip")],
    "lip_press": [((0.0, -4.0, 5.2), (0, -0.08, 0), 1.0, "upper_lip"),
                  ((0.0, -4.5, 5.4), (0, 0.1, 0), 1.0, "lower_lip")],
    "chin_raise": [((0.0, -6.0, 5.0), (0, 0.3, 0.15), 1.2, "lower_lip")],
    "lips_part": [((0.0, -3.9, 5.2), (0, 0.16, 0), 1.1, "upper_lip"),
                  ((0.0, -4.6, 5.4), (0, -0.22, 0), 1.1, "lower_lip")],
}
UNIT_NAMES = tuple(_UNITS) + ("lips_thin",)

# Unit weights and jaw opening (degrees) of each expression at intensity 1.
_EXPRESSIONS = {
    "neutral": ({}, 0.0),
    "happy": ({"smile": 1.0, "cheek_raise": 1.0, "lips_part": 1.3, "lid_tighten": 0.3}, 5.0),
    "sad": ({"inner_brow_up": 1.4, "brow_lower": 0.45, "corner_down": 1.4, "chin_raise": 0.9,
             "lid_raise": -0.55}, 0.0),
    "surprise": ({"inner_brow_up": 1.0, "outer_brow_up": 1.0, "lid_raise": 1.0,
                  "lips_part": 0.6}, 17.0),
    "fear": ({"inner_brow_up": 1.0, "outer_brow_up": 0.5, "brow_lower": 0.45, "lid_raise": 1.0,
              "lip_stretch": 1.0, "lips_part": 0.9}, 7.0),
    "disgust": ({"nose_wrinkle": 1.5, "brow_lower": 0.8, "lid_tighten": 0.9, "corner_down": 0.7,
                 "chin_raise": 0.5, "cheek_raise": 0.5, "lips_part": 0.5}, 0.0),
    "angry": ({"brow_lower": 1.7, "lid_raise": 0.4, "lid_tighten": 0.6, "lip_press": 1.2,
               "lips_thin": 1.2, "chin_raise": 0.4, "nose_wrinkle": 0.3}, 0.0),
}
# Expression lines drawn by the shader: forehead, frown (between the brows), nose, smile fold.
_WRINKLES = {"surprise": (1.0, 0.0, 0.0, 0.0), "fear": (0.7, 0.5, 0.0, 0.0),
             "angry": (0.0, 1.0, 0.0, 0.2), "disgust": (0.0, 0.7, 1.0, 0.6),
             "sad": (0.3, 0.4, 0.0, 0.0), "happy": (0.0, 0.0, 0.0, 1.0)}


def _gates(v, jaw):
    y = v[:, 1]
    lid_zone = np.zeros(len(v))
    for loop in (cm.RIGHT_EYE, cm.LEFT_EYE):
        c = v[list(loop)].mean(axis=0)
        d2 = (v[:, 0] - c[0]) ** 2 / 2.2 ** 2 + (v[:, 1] - c[1]) ** 2 / 1.1 ** 2
        lid_zone = np.maximum(lid_zone, np.exp(-d2))
    return {
        None: np.ones(len(v)),
        "upper_lip": 1.0 - jaw,
        "lower_lip": jaw,
        "upper_lid": smoothstep(2.55, 2.75, y) * lid_zone,
        "lower_lid": smoothstep(2.7, 2.45, y) * lid_zone,
        "not_lid": 1.0 - smoothstep(0.3, 0.8, lid_zone) * smoothstep(2.2, 2.7, y),
    }


@functools.lru_cache(maxsize=1)
def unit_fields():
    """(U, 468, 3) displacement of each action unit at weight 1, in `UNIT_NAMES` order."""
    v = cm.canonical_vertices()
    jaw = hd.head_template().jaw_weight[: cm.NUM_VERTICES]
    gates = _gates(v, jaw)
    fields = []
    for name in UNIT_NAMES[:-1]:
        total = np.zeros_like(v)
        for anchor, disp, sigma, gate in _UNITS[name]:
            anchor, disp = np.array(anchor), np.array(disp, np.float64)
            sides = [(anchor, disp)]
            if anchor[0] != 0:
                mirror = np.array([-1.0, 1.0, 1.0])
                sides.append((anchor * mirror, disp * mirror))
            for a, d in sides:
                w = np.exp(-((v - a) ** 2).sum(axis=1) / (2 * sigma ** 2)) * gates[gate]
                total += w[:, None] * d
        fields.append(total)
    lips = np.exp(-(v[:, 0] / 2.7) ** 4 - ((v[:, 1] + 4.3) / 1.2) ** 2)
    thin = np.zeros_like(v)
    thin[:, 1] = -0.3 * (v[:, 1] + 4.27) * lips
    fields.append(thin)
    out = np.stack(fields)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=1024)
def expression_weights(expression, intensity):
    """(unit weights (U,), jaw angle in degrees, wrinkle weights (4,)) of an expression.

    Cached: the returned arrays are read-only.
    """
    name = labels.EXPRESSIONS[labels.class_id(expression, labels.EXPRESSIONS, "expression")]
    units, jaw = _EXPRESSIONS[name]
    weights = np.array([units.get(u, 0.0) for u in UNIT_NAMES]) * intensity
    weights[UNIT_NAMES.index("close")] = 1.0
    wrinkles = np.array(_WRINKLES.get(name, (0.0, 0.0, 0.0, 0.0))) * intensity
    weights.setflags(write=False)
    wrinkles.setflags(write=False)
    return weights, jaw * intensity, wrinkles


def jaw_rotation(points, weight, degrees):
    """Opens the jaw: rotates points about the hinge axis (parallel to x), blended by weight."""
    if degrees == 0:
        return points
    a = np.radians(degrees)
    rel_y = points[:, 1] - hd.JAW_HINGE[1]
    rel_z = points[:, 2] - hd.JAW_HINGE[2]
    # Positive angle opens the mouth: the chin goes down and slightly back.
    new_y = rel_y * np.cos(a) - rel_z * np.sin(a)
    new_z = rel_y * np.sin(a) + rel_z * np.cos(a)
    out = points.copy()
    out[:, 1] += weight * (new_y - rel_y)
    out[:, 2] += weight * (new_z - rel_z)
    return out
