"""`rotate` / `rotation_row`: the whole path on a portrait, with and without a model."""

import keras
import numpy as np
import pytest
from sheets import check_labelled

from keras_portrait import RotationGAN
from keras_portrait import presets
from keras_portrait import rotate
from keras_portrait import rotation_row
from keras_portrait.data import SynthPortraits
from keras_portrait.face import _mediapipe_models as mp_models
from keras_portrait.face import head_pose
from keras_portrait.face import landmarks
from keras_portrait.models.rotation.rotate import DEFAULT_PRESET

SIZE = 64


@pytest.fixture(scope="module")
def portrait():
    sample = SynthPortraits(seed=2).sample(1, size=192, style="photo", yaw_range=(-5.0, 5.0))
    return sample["image"], sample["landmarks_3d"]


def test_rotate_pastes_the_turned_crop_back(portrait):
    image, points = portrait
    turned = rotate(image, 30.0, size=SIZE, landmarks=points, fill="raw")
    assert turned.image.shape == image.shape and turned.crop.shape == (SIZE, SIZE, 3)
    assert turned.yaw == pytest.approx(30.0) and abs(turned.source_yaw) < 8.0
    assert 0.0 < turned.holes.mean() < 0.3
    np.testing.assert_array_equal(turned.cleaned, turned.render)  # "raw": the render itself
    changed = np.abs(turned.image.astype(int) - image).sum(-1) > 0
    assert changed.any() and not changed[:, :5].any()  # the face changed, the border did not
    relative = rotate(image, 30.0, relative=True, size=SIZE, landmarks=points, fill="raw")
    assert relative.yaw == pytest.approx(turned.source_yaw + 30.0)


def test_rotation_row_with_a_model(portrait):
    image, points = portrait
    gan = RotationGAN(filters=8, num_blocks=1, spade_hidden=8, discriminator_filters=8,
                      discriminator_layers=3, seed=0)
    row = rotation_row(image, (-20.0, 0.0, 20.0), model=gan, size=SIZE, landmarks=points)
    padding = 2
    band = check_labelled(row, rows=2, columns=4, tile=SIZE)  # input, yaw -20, yaw +0, yaw +20
    row = row[band:]
    top, bottom = row[padding:padding + SIZE], row[2 * padding + SIZE:-padding]
    np.testing.assert_array_equal(top[:, padding:padding + SIZE],
                                  bottom[:, padding:padding + SIZE])  # the crop, twice
    assert (top.reshape(-1, 3) == [255, 0, 255]).all(1).any()  # holes shown on the renders


@pytest.mark.skipif(not mp_models.mediapipe_models_available(),
                    reason="MediaPipe's models are not installed")
def test_detected_face_turns_to_the_asked_yaw():
    """End to end with detection: the face toolkit finds the asked yaw in the raw render."""
    image = SynthPortraits(seed=4).render(identity=3, yaw=0.0, style="painting",
                                          size=256)["image"]
    turned = rotate(image, 25.0, size=256, fill="raw")
    points = landmarks(turned.render)
    assert points is not None
    assert abs(head_pose(points).yaw - 25.0) < 8.0
    with pytest.raises(ValueError, match="No face"):
        rotate(np.full((128, 128, 3), 127, np.uint8), 20.0, fill="raw")


def test_classical_fills_by_name(portrait):
    image, points = portrait
    raw = rotate(image, 30.0, size=SIZE, landmarks=points, fill="raw")
    holes = raw.holes
    for fill in ("telea", "pushpull"):
        turned = rotate(image, 30.0, size=SIZE, landmarks=points, fill=fill)
        np.testing.assert_array_equal(turned.cleaned[~holes], raw.render[~holes])
        # The holes get colour from around them, not black.
        assert turned.cleaned[holes].mean() > raw.render[holes].mean() + 30, fill
    assert (rotate(image, 30.0, size=SIZE, landmarks=points, fill="raw").cleaned
            == raw.render).all()
    row = rotation_row(image, (-20.0, 20.0), size=SIZE, landmarks=points, fill="telea")
    check_labelled(row, rows=2, columns=3, tile=SIZE)  # the filled row under the renders
    with pytest.raises(ValueError, match="Unknown fill"):
        rotate(image, 30.0, size=SIZE, landmarks=points, fill="blur")
    with pytest.raises(ValueError, match="not both"):
        rotate(image, 30.0, size=SIZE, landmarks=points, fill="telea",
               model=RotationGAN(filters=8, num_blocks=1, spade_hidden=8))


@pytest.fixture
def tiny_preset(tmp_path, monkeypatch):
    """A tiny rotation model saved as the default preset in a folder of the user's."""
    gan = RotationGAN(filters=8, num_blocks=1, spade_hidden=8, discriminator_filters=8,
                      discriminator_layers=3, residual=False, seed=0)
    presets.save(gan, str(tmp_path / DEFAULT_PRESET), {"image_size": SIZE})
    monkeypatch.setenv(presets.ENVIRONMENT, str(tmp_path))
    return keras.saving.load_model(str(tmp_path / DEFAULT_PRESET / "model.keras"))


def test_the_preset_cleans_by_default_at_its_size(portrait, tiny_preset):
    image, points = portrait
    turned = rotate(image, 30.0, landmarks=points)
    assert turned.crop.shape == (SIZE, SIZE, 3)  # the preset's card gives the size
    expected = rotate(image, 30.0, landmarks=points, model=tiny_preset, size=SIZE)
    np.testing.assert_array_equal(turned.cleaned, expected.cleaned)
    assert np.any(turned.cleaned != turned.render)  # cleaned (a redrawing model), not raw
    row = rotation_row(image, (-20.0, 20.0), landmarks=points)
    check_labelled(row, rows=2, columns=3, tile=SIZE)  # renders, then the cleaned row


def test_a_missing_preset_is_one_clear_error(portrait, tmp_path, monkeypatch):
    image, points = portrait
    monkeypatch.delenv(presets.ENVIRONMENT, raising=False)
    monkeypatch.setattr(presets, "PACKAGED", str(tmp_path / "no_presets"))
    with pytest.raises(ValueError, match="rotation-real-128.*fill='telea'"):
        rotate(image, 30.0, landmarks=points)
    assert rotate(image, 30.0, landmarks=points, fill="raw").crop.shape == (256, 256, 3)
