"""SynthPortraits: determinism, label correctness, controls, errors and golden images."""

import importlib
import os

import cv2
import numpy as np
import pytest
from PIL import Image

from keras_portrait import labels
from keras_portrait.data.synth import HAIR_COLORS, HAIR_STYLES, SynthPortraits, styles
from keras_portrait.data.synth import compositing
from keras_portrait.imaging import canonical_mesh as cm

GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")
# (file name, render arguments); regenerate with tests/data/golden/regenerate.py.
GOLDEN = (
    ("synth_frontal.png", dict(identity=1, size=48)),
    ("synth_happy_yaw30.png", dict(identity=6, expression="happy", yaw=30, pitch=5, size=48)),
    ("synth_glasses_surprise.png",
     dict(identity=2, expression="surprise", yaw=-50, roll=8, glasses=True, size=48)),
)
CLASS = {name: i for i, name in enumerate(labels.MASK_CLASSES)}


@pytest.fixture(scope="module")
def sp():
    return SynthPortraits(seed=0)


def test_output_structure(sp):
    s = sp.render(identity=3, expression="happy", size=40)
    assert s["image"].shape == (40, 40, 3) and s["image"].dtype == np.uint8
    assert s["mask"].shape == (40, 40) and s["mask"].dtype == np.int32
    assert s["glasses_mask"].shape == (40, 40) and s["glasses_mask"].dtype == bool
    assert s["landmarks_2d"].shape == (468, 2) and s["landmarks_2d"].dtype == np.float32
    assert s["landmarks_3d"].shape == (468, 3) and s["landmarks_68"].shape == (68, 2)
    assert s["visible"].shape == (468,) and s["visible"].dtype == bool
    assert s["pose"].dtype == np.float32 and s["light"].shape == (3,)
    assert s["expression"] == 1 and s["expression_name"] == "happy"
    attributes = s["attributes"]
    assert attributes["hair_color"] in HAIR_COLORS and attributes["hair_style"] in HAIR_STYLES
    assert 18 <= attributes["age"] <= 80 and 0 <= attributes["gender"] <= 1
    np.testing.assert_array_equal(s["landmarks_68"], s["landmarks_2d"][list(cm.LANDMARKS_68)])


def test_deterministic_and_identity_dependent(sp):
    a = sp.render(identity=5, expression="sad", yaw=20, size=32)
    b = SynthPortraits(seed=0).render(identity=5, expression="sad", yaw=20, size=32)
    for key in ("image", "mask", "landmarks_3d", "visible"):
        np.testing.assert_array_equal(a[key], b[key])
    c = sp.render(identity=6, expression="sad", yaw=20, size=32)
    assert not np.array_equal(a["image"], c["image"])
    d = SynthPortraits(seed=1).render(identity=5, expression="sad", yaw=20, size=32)
    assert not np.array_equal(a["image"], d["image"])
    np.testing.assert_array_equal(sp.sample(7, size=32)["image"], sp.sample(7, size=32)["image"])


def test_frontal_mask_has_every_class_and_landmarks_on_the_face(sp):
    s = sp.render(identity=1, size=64, glasses=False)
    assert set(np.unique(s["mask"]).tolist()) == set(range(len(labels.MASK_CLASSES)))
    assert s["visible"][list(cm.RIGHT_EYE) + list(cm.LEFT_EYE)].all()
    points = s["landmarks_2d"]
    assert ((points >= 0) & (points < 64)).all()
    visible = points[s["visible"]].astype(int)
    on_face = s["mask"][visible[:, 1], visible[:, 0]] != CLASS["background"]
    assert on_face.mean() > 0.97
    nose = points[cm.NOSE_TIP].astype(int)
    assert s["mask"][nose[1], nose[0]] == CLASS["nose"]


@pytest.mark.parametrize("yaw", [90, -90])
def test_far_eye_hidden_in_profile(sp, yaw):
    s = sp.render(identity=9, yaw=yaw, size=48)
    # Positive yaw turns the nose to the image's right: the subject's left eye goes away.
    far, near = (cm.LEFT_EYE, cm.RIGHT_EYE) if yaw > 0 else (cm.RIGHT_EYE, cm.LEFT_EYE)
    assert not s["visible"][list(far)].any()
    assert s["visible"][list(near)].any()


@pytest.mark.parametrize("yaw", [-40, 40])
def test_yaw_sign_matches_the_rendered_asymmetry(sp, yaw):
    s = sp.render(identity=4, yaw=yaw, size=48)
    face = np.isin(s["mask"], [CLASS["skin"], CLASS["nose"], CLASS["eyes"], CLASS["mouth"]])
    face[int(s["landmarks_2d"][cm.CHIN, 1]) + 1:] = False  # the neck is not the face
    centre_x = np.nonzero(face)[1].mean() + 0.5
    nose_x = s["landmarks_2d"][cm.NOSE_TIP, 0]
    assert np.sign(nose_x - centre_x) == np.sign(yaw)
    assert np.sign(s["landmarks_3d"][cm.NOSE_TIP, 2]) > 0  # z toward the viewer


def test_pitch_and_roll_signs(sp):
    up = sp.render(identity=4, pitch=25, size=48)["landmarks_2d"]
    down = sp.render(identity=4, pitch=-25, size=48)["landmarks_2d"]
    assert up[cm.NOSE_TIP, 1] < down[cm.NOSE_TIP, 1]  # looking up moves the nose up
    tilted = sp.render(identity=4, roll=20, size=48)["landmarks_2d"]
    assert tilted[cm.FOREHEAD_TOP, 0] > tilted[cm.CHIN, 0]  # clockwise: the top goes right


def test_glasses_only_when_asked(sp):
    with_glasses = sp.render(identity=2, glasses=True, size=48)
    without = sp.render(identity=2, glasses=False, size=48)
    assert with_glasses["glasses_mask"].sum() > 10 and with_glasses["attributes"]["glasses"]
    assert not without["glasses_mask"].any() and not without["attributes"]["glasses"]
    # The mask shows what is under the glasses.
    np.testing.assert_array_equal(with_glasses["mask"], without["mask"])


@pytest.mark.parametrize("style", styles.STYLES)
def test_every_style_renders(sp, style):
    s = sp.render(identity=0, style=style, size=32)
    assert s["image"].shape == (32, 32, 3) and s["image"].dtype == np.uint8
    assert s["style"] == style


def test_every_expression_renders_and_attributes_apply(sp):
    for expression in labels.EXPRESSIONS:
        s = sp.render(identity=0, expression=expression, intensity=0.7, size=32)
        assert s["image"].shape == (32, 32, 3) and s["expression_name"] == expression
    s = sp.render(identity=0, hair_color="red", age=70.0, gender=1.0, size=32)
    assert s["attributes"]["hair_color"] == "red"
    assert s["attributes"]["age"] == 70.0 and s["attributes"]["gender"] == 1.0


def _mouth_and_brows(sp, expression):
    s = sp.render(identity=0, expression=expression, size=64)
    return s["landmarks_2d"].astype(np.float64)


def test_expressions_move_landmarks_in_the_expected_direction(sp):
    neutral = _mouth_and_brows(sp, "neutral")
    corners = list(cm.MOUTH_CORNERS)
    width = lambda p: p[corners[1], 0] - p[corners[0], 0]  # noqa: E731
    happy = _mouth_and_brows(sp, "happy")
    assert (happy[corners, 1] < neutral[corners, 1] - 0.3).all()  # corners up (y down)
    assert width(happy) > width(neutral) + 0.3  # and out
    sad = _mouth_and_brows(sp, "sad")
    assert (sad[corners, 1] > neutral[corners, 1] + 0.2).all()
    surprise = _mouth_and_brows(sp, "surprise")
    gap = lambda p: p[14, 1] - p[13, 1]  # noqa: E731  lower minus upper inner lip
    assert gap(surprise) > gap(neutral) + 2.0
    brows = [105, 334]
    assert (surprise[brows, 1] < neutral[brows, 1] - 0.3).all()
    angry = _mouth_and_brows(sp, "angry")
    assert (angry[[107, 336], 1] > neutral[[107, 336], 1] + 0.2).all()  # inner brows down


@pytest.mark.parametrize("kwargs, name", [
    (dict(yaw=100), "yaw"), (dict(pitch=-60), "pitch"), (dict(intensity=1.5), "intensity"),
    (dict(expression="bored"), "expression"), (dict(style="oil"), "style"),
    (dict(size=16), "size"), (dict(hair_color="green"), "hair_color"), (dict(age=5), "age"),
    (dict(gender=2.0), "gender"), (dict(identity=-1), "identity"), (dict(light=[0, 0, 0]), "light"),
])
def test_argument_errors_name_the_argument(sp, kwargs, name):
    with pytest.raises(ValueError, match=name):
        sp.render(**kwargs)


def test_sample_draws_controls_deterministically(sp):
    a, b = sp.sample(0, size=32, style="photo"), sp.sample(1, size=32, style="photo")
    assert a["style"] == "photo"
    assert (a["identity"], a["expression"], tuple(a["pose"])) != (
        b["identity"], b["expression"], tuple(b["pose"]))
    assert abs(a["pose"][0]) <= 45
    wide = sp.sample(2, size=32, yaw_range=(80, 90))
    assert 80 <= wide["pose"][0] <= 90


def test_antialiasing_softens_exactly_the_dilated_object_boundaries():
    # The compiled compositing must match its definition: 8-bit rounding, then a 3x3 Gaussian
    # copied onto the pixels within one pixel (up / left) of a change of object id.
    rng = np.random.default_rng(0)
    size = 24
    image = rng.uniform(-0.1, 1.1, (size * size, 3))
    ids = np.kron(rng.integers(-1, 3, (6, 6)), np.ones((4, 4), int)).astype(np.int32)
    expected = (np.clip(image.reshape(size, size, 3), 0, 1) * 255 + 0.5).astype(np.uint8)
    edge = np.zeros((size, size), np.uint8)
    edge[:, 1:] |= ids[:, 1:] != ids[:, :-1]
    edge[1:, :] |= ids[1:, :] != ids[:-1, :]
    edge = cv2.dilate(edge, np.ones((2, 2), np.uint8))
    cv2.copyTo(cv2.GaussianBlur(expected, (3, 3), 0.6), edge, expected)
    np.testing.assert_array_equal(compositing.finish(image, ids.reshape(-1), size), expected)


@pytest.mark.parametrize("name, kwargs", GOLDEN)
def test_golden_images(sp, name, kwargs):
    image = sp.render(**kwargs)["image"]
    expected = np.asarray(Image.open(os.path.join(GOLDEN_DIR, name)).convert("RGB"))
    np.testing.assert_array_equal(image, expected, err_msg=(
        f"{name} changed. If the renderer was changed on purpose, run "
        "`python tests/data/golden/regenerate.py` and commit the new PNGs."))


def test_contact_sheet_captions_fit_a_64_pixel_tile_unshrunk():
    sheet_module = importlib.import_module("keras_portrait.data.synth.contact_sheet")
    scale = 12 / 32  # the caption bar of a 64-pixel tile is 12 pixels high
    captions = [text for row in sheet_module._rows((1,), 0, 2, 0) for _, text in row]
    assert "p+15 r+15" in captions and "roll -20" in captions
    for text in captions:
        assert cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0] <= 64 - 4, text
