"""SynthPortraits: procedural, seeded, fully labelled portraits rendered on the CPU."""

import functools

import numpy as np

from keras_portrait import labels
from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.data.synth import background as bg
from keras_portrait.data.synth import expressions as ex
from keras_portrait.data.synth import sitters as idt
from keras_portrait.data.synth import scene
from keras_portrait.data.synth import styles


_LANDMARKS_68 = np.array(cm.LANDMARKS_68)
# Sides a portrait can be rendered at, in pixels.
MIN_SIZE, MAX_SIZE = 32, 1024


@functools.lru_cache(maxsize=4096)
def _identity_light(seed, identity):
    rng = np.random.default_rng([seed, identity, 0x11])
    light = np.array([rng.uniform(-0.8, 0.8), rng.uniform(0.05, 0.75), 1.0])
    light.setflags(write=False)
    return light


@functools.lru_cache(maxsize=4096)
def _identity_background(seed, identity):
    return bg.draw_background(np.random.default_rng([seed, identity, 0xBA]))


def _check_range(name, value, low, high):
    try:
        ok = low <= float(value) <= high
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"`{name}` must be a number in [{low}, {high}]. Received: {name}={value!r}")
    return float(value)


def _style_name(style):
    if style not in styles.STYLES:
        raise ValueError(f"Unknown style {style!r}. Valid: {', '.join(styles.STYLES)}")
    return style


class SynthPortraits:
    """Procedural 3D portraits with exact labels, rendered deterministically from a seed.

    Every control is exact and returned with the image: identity (face shape, skin, eyes, hair,
    clothes), expression and intensity, head pose, glasses, hair colour, age, gender
    presentation, light and background, and the painting style.

    Conventions:
    - Image axes: x to the right, y down, pixel (i, j) centred at (j + 0.5, i + 0.5).
    - Pose in degrees, rotation R = R_roll @ R_pitch @ R_yaw applied to the head about the top
      of the neck. Positive yaw turns the nose toward the image's right (the subject turns to
      their left); positive pitch looks up (the nose moves up in the image); positive roll
      tilts the head clockwise in the image (the top of the head moves right). The torso follows
      35% of the yaw.
    - `landmarks_3d` z is in pixel units, positive toward the viewer, 0 at the depth of the
      head's pivot (the centre of the neck), so the nose tip of a frontal face has z > 0.
    - Age in years in [18, 80]; gender presentation in [0, 1], 0 = feminine, 1 = masculine.

    Args:
        seed: int. Seed of the dataset: identities and sampled controls derive from it.
            Defaults to `0`.
        num_identities: int. Identities drawn by `sample`. Defaults to `1000`.
    """

    def __init__(self, seed=0, num_identities=1000):
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"`seed` must be an int >= 0. Received: seed={seed!r}")
        if not isinstance(num_identities, (int, np.integer)) or num_identities < 1:
            raise ValueError(
                f"`num_identities` must be an int >= 1. Received: num_identities={num_identities!r}")
        self.seed = int(seed)
        self.num_identities = int(num_identities)

    def _default_light(self, identity):
        return _identity_light(self.seed, int(identity))

    def _default_background(self, identity):
        return dict(_identity_background(self.seed, int(identity)))

    def render(self, identity=0, expression="neutral", intensity=1.0, yaw=0.0, pitch=0.0,
               roll=0.0, style="photo", size=128, glasses=None, hair_color=None, age=None,
               gender=None, light=None, background=None):
        """Renders one portrait; None attributes take the identity's own or a seeded default.

        Args:
            identity: int >= 0.
            expression: name or id in `keras_portrait.labels.EXPRESSIONS`.
            intensity: float in [0, 1].
            yaw: degrees in [-90, 90]. pitch: degrees in [-45, 45]. roll: degrees in [-45, 45].
            style: one of `styles.STYLES`.
            size: int in [32, 1024], the image is size x size.
            glasses: bool or None. hair_color: a name of `HAIR_COLORS` or None.
            age: years in [18, 80] or None. gender: float in [0, 1] or None.
            light: (3,) direction toward the light (x right, y up, z toward the viewer) or None.
            background: a dict from `background.draw_background`, a kind name of
                `BACKGROUNDS` (colours then come from the identity) or None.

        Returns:
            A dict: image, mask, glasses_mask, landmarks_2d, landmarks_3d, landmarks_68,
            visible, pose, expression, expression_name, intensity, attributes, identity, style,
            light, background (see the class docstring for the conventions).
        """
        if not isinstance(identity, (int, np.integer)) or identity < 0:
            raise ValueError(f"`identity` must be an int >= 0. Received: identity={identity!r}")
        expression_id = labels.class_id(expression, labels.EXPRESSIONS, "expression")
        intensity = _check_range("intensity", intensity, 0.0, 1.0)
        yaw = _check_range("yaw", yaw, -90.0, 90.0)
        pitch = _check_range("pitch", pitch, -45.0, 45.0)
        roll = _check_range("roll", roll, -45.0, 45.0)
        style = _style_name(style)
        if not isinstance(size, (int, np.integer)) or not MIN_SIZE <= size <= MAX_SIZE:
            raise ValueError(f"`size` must be an int in [{MIN_SIZE}, {MAX_SIZE}]. "
                             f"Received: size={size!r}")
        if hair_color is not None and hair_color not in idt.HAIR_COLORS:
            raise ValueError(f"Unknown hair_color {hair_color!r}. "
                             f"Valid: {', '.join(idt.HAIR_COLORS)}")
        if age is not None:
            age = _check_range("age", age, *idt.AGE_RANGE)
        if gender is not None:
            gender = _check_range("gender", gender, 0.0, 1.0)
        if glasses is not None and not isinstance(glasses, (bool, np.bool_)):
            raise ValueError(f"`glasses` must be a bool or None. Received: glasses={glasses!r}")
        if light is None:
            light = self._default_light(identity)
        try:
            vector = np.asarray(light, np.float64).reshape(-1)
        except (TypeError, ValueError):
            vector = np.zeros(0)
        if vector.shape != (3,) or not np.all(np.isfinite(vector)) or not vector.any():
            raise ValueError(f"`light` must be a non-zero 3-vector. Received: light={light!r}")
        light = vector
        light = light / np.linalg.norm(light)
        if background is None:
            background = self._default_background(identity)
        elif isinstance(background, str):
            if background not in bg.BACKGROUNDS:
                raise ValueError(f"Unknown background {background!r}. "
                                 f"Valid: {', '.join(bg.BACKGROUNDS)}")
            background = {**self._default_background(identity), "kind": background}
        elif not isinstance(background, dict):
            raise ValueError(f"`background` must be None, a kind name or a dict. "
                             f"Received: background={background!r}")

        p = idt.resolve(self.seed, int(identity), age=age, gender=gender, hair_color=hair_color,
                        glasses=glasses)
        weights, jaw, wrinkles = ex.expression_weights(expression_id, intensity)
        out = scene.render_scene(p, weights, jaw, wrinkles, (yaw, pitch, roll), light,
                                 background, int(size))
        image = out["image"]
        if style != "photo":
            style_seed = int(np.random.default_rng(
                [self.seed, int(identity), expression_id, int(size), 0x57]).integers(1 << 31))
            image = styles.stylize(image, out["mask"], style, style_seed)
        landmarks_3d = out["landmarks_3d"]
        return {
            "image": np.ascontiguousarray(image, np.uint8),
            "mask": out["mask"],
            "glasses_mask": out["glasses_mask"],
            "landmarks_2d": landmarks_3d[:, :2].copy(),
            "landmarks_3d": landmarks_3d,
            "landmarks_68": landmarks_3d[_LANDMARKS_68, :2],
            "visible": out["visible"],
            "pose": np.array([yaw, pitch, roll], np.float32),
            "expression": int(expression_id),
            "expression_name": labels.EXPRESSIONS[expression_id],
            "intensity": float(intensity),
            "attributes": {
                "glasses": bool(p["glasses"]), "hair_color": p["hair_color"],
                "age": float(p["age"]), "gender": float(p["gender"]),
                "hair_style": p["hair_style"], "eye_color": p["eye_color"],
                "skin_tone": float(p["skin_tone"]),
            },
            "identity": int(identity),
            "style": style,
            "light": light.astype(np.float32),
            "background": background,
        }

    def sample(self, index, size=128, style=None, yaw_range=(-45.0, 45.0),
               pitch_range=(-15.0, 15.0), roll_range=(-10.0, 10.0), intensity_range=(0.5, 1.0)):
        """Renders the `index`-th random portrait of the dataset (controls drawn from seed, index).

        Identity, expression, intensity, pose (uniform in the given ranges), light and
        background are drawn; attributes are the identity's own. `style=None` draws the style.
        """
        if not isinstance(index, (int, np.integer)) or index < 0:
            raise ValueError(f"`index` must be an int >= 0. Received: index={index!r}")
        rng = np.random.default_rng([self.seed, int(index), 0x5A])
        identity = int(rng.integers(self.num_identities))
        expression = int(rng.integers(len(labels.EXPRESSIONS)))
        intensity = float(rng.uniform(*intensity_range))
        yaw, pitch, roll = (float(rng.uniform(*r)) for r in (yaw_range, pitch_range, roll_range))
        light = np.array([rng.uniform(-0.8, 0.8), rng.uniform(-0.1, 0.8), 1.0])
        background = bg.draw_background(rng)
        drawn_style = styles.STYLES[int(rng.integers(len(styles.STYLES)))]
        return self.render(identity=identity, expression=expression, intensity=intensity,
                           yaw=yaw, pitch=pitch, roll=roll,
                           style=drawn_style if style is None else style, size=size,
                           light=light, background=background)
