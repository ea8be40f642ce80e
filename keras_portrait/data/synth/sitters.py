"""Seeded identities of SynthPortraits: face shape, colours, hair, age and gender presentation.

An identity is drawn from `(dataset seed, identity)` only. It stores uniform draws; the quantities
that depend on age and gender presentation (jaw width, lip colour, grey hair, hair style
tendency, ...) are derived from those draws at render time, so overriding `age` or `gender`
changes them consistently.
"""

import functools

import numpy as np

from keras_portrait.labels import AGE_RANGE  # noqa: F401  (re-exported)

HAIR_COLORS = ("black", "dark_brown", "brown", "auburn", "red", "blonde", "platinum", "grey",
               "white")
HAIR_RGB = {
    "black": (0.045, 0.04, 0.038), "dark_brown": (0.14, 0.085, 0.055),
    "brown": (0.32, 0.2, 0.11), "auburn": (0.42, 0.15, 0.07), "red": (0.68, 0.27, 0.1),
    "blonde": (0.82, 0.64, 0.36), "platinum": (0.9, 0.86, 0.76), "grey": (0.55, 0.54, 0.52),
    "white": (0.88, 0.87, 0.85),
}
# Natural colours and their frequencies (grey and white come with age).
_NATURAL = ("black", "dark_brown", "brown", "auburn", "red", "blonde", "platinum")
_NATURAL_P = np.array([0.26, 0.26, 0.2, 0.08, 0.05, 0.11, 0.04])

HAIR_STYLES = ("short", "long", "bob", "curly", "buzz", "bald")
# Style frequencies for gender presentation 0 (feminine) and 1 (masculine).
_STYLE_P = np.array([[0.1, 0.45, 0.25, 0.2, 0.0, 0.0], [0.55, 0.03, 0.02, 0.12, 0.2, 0.08]])

EYE_COLORS = ("dark_brown", "brown", "hazel", "green", "blue", "grey")
EYE_RGB = {
    "dark_brown": (0.16, 0.08, 0.04), "brown": (0.33, 0.18, 0.08), "hazel": (0.42, 0.32, 0.14),
    "green": (0.25, 0.42, 0.22), "blue": (0.25, 0.45, 0.7), "grey": (0.45, 0.5, 0.55),
}
_EYE_P = np.array([0.3, 0.25, 0.13, 0.1, 0.15, 0.07])

# Skin tones from light to deep; an identity interpolates along this ramp.
_SKIN_RAMP = np.array([
    (0.96, 0.80, 0.70), (0.90, 0.70, 0.58), (0.80, 0.58, 0.44), (0.66, 0.45, 0.31),
    (0.50, 0.33, 0.22), (0.34, 0.22, 0.15),
])


def _pick(values, probabilities, u):
    index = int(np.searchsorted(np.cumsum(probabilities) / np.sum(probabilities), u))
    return values[min(index, len(values) - 1)]


@functools.lru_cache(maxsize=4096)
def identity_draws(seed, identity):
    """The raw uniform draws of one identity (a dict of floats), cached."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(identity) & 0xFFFFFFFF, 0x1D])
    names = ("face_width", "jaw", "chin", "forehead", "nose_length", "nose_width", "nose_depth",
             "eye_size", "eye_spacing", "lip_fullness", "mouth_width", "brow_thickness",
             "brow_arch", "brow_tilt", "cheek", "face_length", "skin_tone", "skin_hue",
             "eye_color", "hair_style", "hair_color", "hair_shade", "cloth_hue", "cloth_sat",
             "cloth_val", "glasses", "frame", "stubble", "age", "gender", "fringe", "freckle")
    return dict(zip(names, rng.random(len(names)).tolist()))


def _centered(u, scale):
    return (2.0 * u - 1.0) * scale


@functools.lru_cache(maxsize=2048)
def resolve(seed, identity, age=None, gender=None, hair_color=None, glasses=None):
    """The concrete parameters of an identity, with optional attribute overrides.

    Returns a dict with shape parameters (unitless offsets around 0), colours (RGB in [0, 1])
    and the attributes: age (years), gender (0 = feminine .. 1 = masculine presentation),
    hair_color and hair_style (names), eye_color, glasses (bool). Cached: do not modify it.
    """
    d = identity_draws(seed, identity)
    if gender is None:
        # Bimodal: most identities present clearly one way, some in between.
        g = d["gender"]
        gender = float(np.clip(0.5 + np.sign(g - 0.5) * (0.22 + 0.3 * abs(2 * g - 1)), 0, 1))
    if age is None:
        age = AGE_RANGE[0] + (AGE_RANGE[1] - AGE_RANGE[0]) * d["age"] ** 1.8
    gender, age = float(gender), float(age)
    old = float(np.clip((age - 26.0) / 46.0, 0.0, 1.0))

    style_p = (1 - gender) * _STYLE_P[0] + gender * _STYLE_P[1]
    if old > 0.4:
        style_p = style_p + gender * old * np.array([0, 0, 0, 0, 0.1, 0.35])
    hair_style = _pick(HAIR_STYLES, style_p, d["hair_style"])
    if hair_color is None:
        natural = _pick(_NATURAL, _NATURAL_P, d["hair_color"])
        grey = float(np.clip((age - 48.0) / 28.0, 0.0, 1.0))
        hair_color = "white" if grey > 0.85 else "grey" if grey > 0.45 else natural
    eye_color = _pick(EYE_COLORS, _EYE_P, d["eye_color"])
    if glasses is None:
        glasses = d["glasses"] < 0.25 + 0.25 * old

    tone = d["skin_tone"] * (len(_SKIN_RAMP) - 1)
    low = int(min(tone, len(_SKIN_RAMP) - 2))
    skin = _SKIN_RAMP[low] * (1 - (tone - low)) + _SKIN_RAMP[low + 1] * (tone - low)
    skin = skin * (1 + _centered(d["skin_hue"], 0.04) * np.array([1.0, 0.0, -1.0]))
    skin = skin * (1 - 0.06 * old) + 0.06 * old * skin.mean()
    lip = skin * np.array([0.82, 0.52, 0.52])
    lip = lip + (1 - gender) * 0.22 * (np.array([0.72, 0.2, 0.28]) - lip)
    base = np.clip(np.abs((d["cloth_hue"] * 6.0 + np.array([0.0, 4.0, 2.0])) % 6.0 - 3.0) - 1.0,
                   0.0, 1.0)
    saturation, value = 0.1 + 0.6 * d["cloth_sat"], 0.15 + 0.7 * d["cloth_val"]
    cloth = value * (1 - saturation + saturation * base)
    hair_rgb = np.array(HAIR_RGB[hair_color]) * (0.9 + 0.2 * d["hair_shade"])

    masc = gender - 0.5
    return {
        "face_width": _centered(d["face_width"], 0.05) + 0.03 * masc,
        "jaw": _centered(d["jaw"], 0.08) + 0.12 * masc,
        "chin": _centered(d["chin"], 0.5),
        "forehead": _centered(d["forehead"], 0.5),
        "nose_length": _centered(d["nose_length"], 0.35) + 0.15 * masc,
        "nose_width": _centered(d["nose_width"], 0.14) + 0.06 * masc,
        "nose_depth": _centered(d["nose_depth"], 0.12),
        "eye_size": _centered(d["eye_size"], 0.08) - 0.05 * masc,
        "eye_spacing": _centered(d["eye_spacing"], 0.25),
        "lip_fullness": _centered(d["lip_fullness"], 0.25) - 0.12 * masc - 0.3 * old,
        "mouth_width": _centered(d["mouth_width"], 0.07),
        "brow_thickness": 0.8 + 0.35 * d["brow_thickness"] + 0.45 * gender - 0.15 * old,
        "brow_arch": _centered(d["brow_arch"], 0.12) - 0.08 * masc,
        "brow_tilt": _centered(d["brow_tilt"], 0.15),
        "brow_ridge": 0.25 * masc,
        "cheek": _centered(d["cheek"], 0.08),
        "face_length": _centered(d["face_length"], 0.04) + 0.02 * masc,
        "skin_rgb": skin,
        "lip_rgb": lip,
        "hair_rgb": hair_rgb,
        "brow_rgb": np.array(HAIR_RGB[hair_color if old < 0.8 else "grey"]) * 0.8 + 0.02,
        "eye_rgb": np.array(EYE_RGB[eye_color]),
        "cloth_rgb": cloth,
        "frame_style": int(d["frame"] * 3),
        "stubble": float(np.clip((gender - 0.6) * 2.5, 0, 1) * (d["stubble"] > 0.45)),
        "fringe": d["fringe"] < 0.35,
        "freckles": float(d["freckle"] < 0.12) * (1 - d["skin_tone"]),
        "wrinkles": old,
        "age": age,
        "gender": gender,
        "hair_color": hair_color,
        "hair_style": hair_style,
        "eye_color": eye_color,
        "glasses": bool(glasses),
        "skin_tone": float(d["skin_tone"]),
    }
