"""SynthPortraits framings: the whole portrait, or the face cut along the render's landmarks."""

import numpy as np
import pytest

from keras_portrait.data import SynthPortraits
from keras_portrait.data import render_controls
from keras_portrait.data.synth.framing import FACE_RENDER_SCALE
from keras_portrait.data.synth.framing import frame
from keras_portrait.data.synth.framing import framed_sample
from keras_portrait.data.synth.framing import render_size
from keras_portrait.imaging.alignment import five_point_landmarks

SIZE = 48


def _sample(index=0, framing="face", expression=None):
    """Sample `index` rendered for `framing`, or that sitter re-rendered in `expression`."""
    portraits = SynthPortraits(seed=0)
    side = render_size(SIZE, framing)
    sample = portraits.sample(index, size=side, style="photo", yaw_range=(-30, 30))
    if expression is None:
        return sample
    controls = render_controls(sample, yaw=float(sample["pose"][0]), size=side)
    return portraits.render(**{**controls, "expression": expression})


def test_portrait_framing_is_the_render_itself():
    sample = _sample(framing="portrait")
    assert render_size(SIZE, "portrait") == SIZE
    image, landmarks, matrix = frame(sample, SIZE, "portrait")
    assert image is sample["image"] and matrix is None
    np.testing.assert_array_equal(landmarks, sample["landmarks_2d"])


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_face_framing_puts_the_face_upright_and_large(index):
    sample = _sample(index)
    assert sample["image"].shape[0] == FACE_RENDER_SCALE * SIZE
    image, landmarks, matrix = frame(sample, SIZE, "face")
    assert image.shape == (SIZE, SIZE, 3) and image.dtype == np.uint8
    assert matrix.shape == (2, 3)
    eye_left, eye_right, _, mouth_left, mouth_right = five_point_landmarks(landmarks)
    # Upright: the eyes level (the crop removes the head's roll), the mouth below them.
    assert abs(eye_left[1] - eye_right[1]) < 0.02 * SIZE
    assert mouth_left[1] > eye_left[1] + 0.2 * SIZE
    # Large: in the portrait the eyes are ~0.13 of the side apart, here over 0.25.
    assert np.hypot(*(eye_right - eye_left)) > 0.25 * SIZE
    # Centred: the eyes' midpoint in the middle third across, in the upper half.
    middle = (eye_left + eye_right) / 2
    assert SIZE / 3 < middle[0] < 2 * SIZE / 3 and middle[1] < SIZE / 2
    # The face's 468 landmarks span most of the crop.
    extent = landmarks.max(axis=0) - landmarks.min(axis=0)
    assert np.all(extent > 0.7 * SIZE)


def test_a_given_matrix_cuts_another_expression_of_the_sitter_in_the_same_square():
    sample = _sample(0)
    image, _, matrix = frame(sample, SIZE, "face")
    happy = _sample(0, expression="happy")
    own = frame(happy, SIZE, "face")
    shared = frame(happy, SIZE, "face", matrix)
    np.testing.assert_array_equal(shared[2], matrix)
    # Each expression's own landmarks move the square (the mouth is one of the five points);
    # the shared square keeps everything the expression does not move where it was.
    assert not np.allclose(own[2], matrix)
    top = slice(0, SIZE // 3)  # hair, forehead, brows
    shared_difference = np.abs(shared[0][top].astype(int) - image[top]).mean()
    own_difference = np.abs(own[0][top].astype(int) - image[top]).mean()
    assert shared_difference < 0.5 * own_difference


def test_framed_sample_keeps_the_labels_and_drops_the_whole_render_maps():
    portraits = SynthPortraits(seed=0)
    for framing in ("portrait", "face"):
        sample, matrix = framed_sample(portraits, 2, SIZE, framing, style="photo",
                                       yaw_range=(-30, 30))
        render = _sample(2, framing)
        image, landmarks, expected_matrix = frame(render, SIZE, framing)
        np.testing.assert_array_equal(sample["image"], image)
        np.testing.assert_array_equal(sample["landmarks_2d"], landmarks)
        assert (matrix is None) == (framing == "portrait")
        if framing == "face":
            np.testing.assert_array_equal(matrix, expected_matrix)
            assert not {"mask", "visible", "landmarks_3d", "landmarks_68"} & set(sample)
        else:
            assert sample["mask"].shape == (SIZE, SIZE)
        assert (sample["expression"], sample["identity"]) == (render["expression"],
                                                              render["identity"])


def test_bad_framings_and_sizes_are_refused():
    sample = _sample(framing="portrait")
    with pytest.raises(ValueError, match="framing"):
        render_size(SIZE, "head")
    with pytest.raises(ValueError, match="framing"):
        frame(sample, SIZE, "head")
    with pytest.raises(ValueError, match=r"\[16, 512\]"):
        render_size(600, "face")
    with pytest.raises(ValueError, match=r"\[16, 512\]"):
        render_size(8, "face")
    with pytest.raises(ValueError, match=r"\[32, 1024\]"):
        render_size(16, "portrait")
    with pytest.raises(ValueError, match="of 32² needs a render of 32²"):
        frame(sample, 32, "portrait")
    with pytest.raises(ValueError, match="needs a render of 96"):
        frame(sample, SIZE, "face")  # a render at the image's own size
