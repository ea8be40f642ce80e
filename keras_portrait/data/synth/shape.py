"""Identity face shape: a linear blend-shape model of the canonical head.

`shape_fields` evaluates (once per template) how strongly each vertex follows each shape
parameter; `shape_basis` turns them into one displacement field per parameter (its effect at
value 1), so an identity's head is `vertices + coefficients @ basis` (see `identity.resolve`).
"""

import numpy as np

from keras_portrait.data.synth import head as hd
from keras_portrait.data.synth.mesh_parts import smoothstep

MOUTH_Y = -4.3
PARAMETERS = ("nose_length", "nose_width", "nose_depth", "eye_size", "eye_spacing",
              "lip_fullness", "mouth_width", "brow_ridge", "cheek", "face_width", "jaw", "chin",
              "forehead", "face_length")


def shape_fields(points, local=True, eyeball=None):
    """Per-vertex weights of the shape parameters at canonical `points` (N, 3).

    Args:
        points: (N, 3) canonical positions.
        local: bool. Include the local features (nose, eyes, lips, brows, cheeks); glasses and
            hair only follow the global proportions.
        eyeball: optional (N,) int array, 0/1 for vertices of the right/left eyeball, -1 others;
            eyeballs follow their eye's scaling rigidly.
    """
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    front = smoothstep(-2.0, 3.0, z)
    fields = {
        "lower": smoothstep(-0.5, -8.0, y) * smoothstep(-9.0, -2.0, z),
        "chin": smoothstep(-5.5, -9.6, y) * smoothstep(-6.0, 2.0, z),
        "top": smoothstep(3.5, 10.0, y),
        "x": x, "y": y, "z": z,
    }
    if not local:
        return fields
    nose = np.exp(-(x / 1.7) ** 2 - ((y + 0.2) / 2.8) ** 2) * smoothstep(4.3, 6.2, z)
    fields["nose"] = nose
    fields["nose_low"] = nose * smoothstep(1.5, -1.0, y)
    centers = hd.eye_centers()
    eyes = []
    for side, c in enumerate(centers):
        w = np.exp(-((x - c[0]) ** 2 + (y - c[1]) ** 2) / (2 * 1.4 ** 2)) * smoothstep(0.5, 2.5, z)
        if eyeball is not None:
            w = np.where(eyeball == side, 1.0, np.where(eyeball >= 0, 0.0, w))
        eyes.append(w)
    fields["eyes"] = eyes
    fields["lips"] = np.exp(-(x / 2.7) ** 4 - ((y - MOUTH_Y) / 1.3) ** 2) * front
    fields["brow"] = np.exp(-((y - 4.7) / 1.0) ** 2) * smoothstep(6.5, 4.5, np.abs(x)) * front
    fields["cheek"] = np.exp(-((y + 1.5) / 2.5) ** 2) * smoothstep(2.0, 6.0, np.abs(x)) * front
    return fields


def shape_basis(fields):
    """(P, N, 3) displacement of each of `PARAMETERS` at value 1 (the others at 0)."""
    zero = {name: 0.0 for name in PARAMETERS}
    rest = _deform(fields, zero)
    basis = np.stack([_deform(fields, {**zero, name: 1.0}) - rest for name in PARAMETERS])
    basis.setflags(write=False)
    return basis


def coefficients(p):
    """(P,) shape coefficients of identity parameters `p`, in `PARAMETERS` order."""
    return np.array([p[name] for name in PARAMETERS])


def _deform(fields, p):
    """Deformed (N, 3) positions; each parameter acts linearly when the others are 0."""
    x, y, z = fields["x"].copy(), fields["y"].copy(), fields["z"].copy()
    if "nose" in fields:
        nose, nose_low, lips = fields["nose"], fields["nose_low"], fields["lips"]
        y = y - p["nose_length"] * nose_low
        x = x * (1 + p["nose_width"] * nose_low)
        z = z + p["nose_depth"] * nose * (z - 4.0)
        for side, w in enumerate(fields["eyes"]):
            c = hd.eye_centers()[side]
            x = x + ((x - c[0]) * p["eye_size"] + np.sign(c[0]) * 0.4 * p["eye_spacing"]) * w
            y = y + (y - c[1]) * p["eye_size"] * w
            z = z + (z - c[2]) * p["eye_size"] * w
        y = y + (y - MOUTH_Y) * p["lip_fullness"] * lips
        z = z + 0.25 * p["lip_fullness"] * lips
        x = x * (1 + p["mouth_width"] * lips)
        z = z + p["brow_ridge"] * fields["brow"]
        x = x * (1 + p["cheek"] * fields["cheek"])
    x = x * (1 + p["face_width"] + p["jaw"] * fields["lower"])
    y = y - p["chin"] * fields["chin"] + 0.6 * p["forehead"] * fields["top"]
    y = hd.SKULL_CENTER[1] + (y - hd.SKULL_CENTER[1]) * (1 + p["face_length"])
    return np.stack([x, y, z], axis=1)
