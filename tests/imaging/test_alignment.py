"""FFHQ-style alignment: template geometry, invariance to the input's pose, paste-back."""

import functools

import cv2
import numpy as np
import pytest

from keras_portrait.data import SynthPortraits
from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.imaging.alignment import (
    Aligned, align, feather_mask, five_point_landmarks, paste_back, transform_points,
    warp_to_crop)

SIZE = 256


@functools.lru_cache(maxsize=8)
def _render(yaw=0.0, pitch=0.0, roll=0.0, identity=3, style="photo"):
    return SynthPortraits(seed=0).render(identity=identity, yaw=yaw, pitch=pitch, roll=roll,
                                         style=style, size=SIZE)


def _similarity(angle, scale, shift, center=(0.0, 0.0)):
    m = cv2.getRotationMatrix2D(center, angle, scale)
    m[:, 2] += shift
    return m


def _canonical_landmarks(angle=0.0, scale=10.0, shift=(128.0, 128.0)):
    """The canonical mesh as frontal (468, 3) pixel landmarks, turned in the image plane."""
    v = cm.canonical_vertices() * np.array([1.0, -1.0, 1.0])
    return transform_points(_similarity(angle, scale, np.array(shift)), v)


def test_five_points_agree_across_formats():
    lm = _render(yaw=20.0, roll=10.0)["landmarks_3d"]
    five = five_point_landmarks(lm)
    np.testing.assert_array_equal(five, five_point_landmarks(lm[:, :2]))
    np.testing.assert_array_equal(five, five_point_landmarks(lm[list(cm.LANDMARKS_68)]))
    np.testing.assert_array_equal(five, five_point_landmarks(five))
    padded = np.concatenate([lm, np.zeros((10, 3), np.float32)])  # MediaPipe's 478 with irises
    np.testing.assert_array_equal(five, five_point_landmarks(padded))
    # Detector order: image-left eye first, then nose, then the image-left mouth corner.
    assert five[0, 0] < five[1, 0] and five[3, 0] < five[4, 0]
    assert five[2, 1] > five[:2, 1].max() and five[3, 1] > five[2, 1]


@pytest.mark.parametrize("angle,scale", [(0.0, 10.0), (37.0, 6.0), (-80.0, 25.0)])
def test_eyes_land_at_ffhq_template_positions(angle, scale):
    lm = _canonical_landmarks(angle, scale, (300.0, 260.0))
    image = np.zeros((600, 600, 3), np.uint8)
    aligned = align(image, lm, size=SIZE)
    eyes = five_point_landmarks(aligned.to_crop(lm))[:2]
    # The canonical face has 2 * eye distance > 1.8 * eye-to-mouth distance, so the crop side is
    # 4 eye distances: the eyes sit at 3/8 and 5/8 of the width, 0.1 eye-to-mouth above centre.
    five = five_point_landmarks(lm)
    e = np.hypot(*(five[1] - five[0]))
    m = np.hypot(*((five[3] + five[4]) / 2 - (five[0] + five[1]) / 2))
    y = SIZE / 2 - 0.1 * m * SIZE / (4 * e)
    np.testing.assert_allclose(eyes, [[SIZE * 3 / 8, y], [SIZE * 5 / 8, y]], atol=1.0)


def test_rolled_render_gives_level_centred_eyes():
    for roll in (-25.0, 25.0):
        render = _render(roll=roll)
        aligned = align(render["image"], render["landmarks_3d"], size=SIZE)
        eyes = five_point_landmarks(aligned.to_crop(render["landmarks_3d"]))[:2]
        assert abs(eyes[0, 1] - eyes[1, 1]) < 1.0
        assert abs(eyes[:, 0].mean() - SIZE / 2) < 1.0


def test_tight_template_holds_the_face():
    render = _render()
    aligned = align(render["image"], render["landmarks_2d"], size=128, template="tight")
    oval = aligned.to_crop(render["landmarks_2d"][list(cm.FACE_OVAL)])
    assert oval.min() > -3 and oval.max() < 131
    assert oval[:, 1].max() - oval[:, 1].min() > 0.85 * 128  # forehead to chin fills it
    ffhq = align(render["image"], render["landmarks_2d"], size=128)
    ffhq_oval = ffhq.to_crop(render["landmarks_2d"][list(cm.FACE_OVAL)])
    assert np.ptp(ffhq_oval[:, 1]) < 0.8 * np.ptp(oval[:, 1])


def test_rotated_and_scaled_input_gives_the_same_crop():
    render = _render(yaw=-15.0)
    image, lm = render["image"], render["landmarks_3d"][:, :2]
    reference = align(image, lm, size=SIZE)
    # Turn and enlarge the picture about its centre, moved to the centre of a larger canvas;
    # the landmarks follow in continuous coordinates.
    m = _similarity(30.0, 1.4, np.array([112.0, 112.0]), center=(128.0, 128.0))
    cv2_m = m.copy()
    cv2_m[:, 2] += m[:, :2] @ [0.5, 0.5] - 0.5
    moved = cv2.warpAffine(image, cv2_m, (480, 480), flags=cv2.INTER_CUBIC,
                           borderMode=cv2.BORDER_REFLECT_101)
    other = align(moved, transform_points(m, lm), size=SIZE)
    np.testing.assert_allclose(other.to_crop(transform_points(m, lm)), reference.to_crop(lm),
                               atol=1e-3)
    # Same pixels up to the extra resampling, away from the reflected borders.
    face = slice(40, SIZE - 40)
    diff = np.abs(other.image[face, face].astype(int) - reference.image[face, face]).mean()
    assert diff < 4.0, diff


def test_landmark_formats_give_the_same_crop():
    render = _render(yaw=25.0, roll=-8.0)
    lm = render["landmarks_3d"]
    crops = [align(render["image"], points, size=64)
             for points in (lm, lm[:, :2], render["landmarks_68"], five_point_landmarks(lm))]
    for aligned in crops[1:]:
        np.testing.assert_allclose(aligned.matrix, crops[0].matrix, atol=1e-9)
        np.testing.assert_array_equal(aligned.image, crops[0].image)


def test_paste_back_of_the_unedited_crop_restores_the_face():
    render = _render(yaw=30.0, roll=12.0, style="painting")
    image = render["image"]
    aligned = align(image, render["landmarks_3d"], size=SIZE)
    assert isinstance(aligned, Aligned) and aligned.image.shape == (SIZE, SIZE, 3)
    restored = paste_back(image, aligned.image, aligned)
    oval = np.round(render["landmarks_2d"][list(cm.FACE_OVAL)] - 0.5).astype(np.int32)
    face = cv2.fillPoly(np.zeros(image.shape[:2], np.uint8), [oval], 1).astype(bool)
    error = np.abs(restored.astype(int) - image)[face].mean()
    assert error < 2.0, error
    # Through a smaller edited crop (a 128 px generator) the face is only blurred a little.
    small = cv2.resize(aligned.image, (128, 128), interpolation=cv2.INTER_AREA)
    error_small = np.abs(paste_back(image, small, aligned).astype(int) - image)[face].mean()
    assert error_small < 6.0, error_small
    # A bare matrix works for a crop of the aligned size.
    np.testing.assert_array_equal(paste_back(image, aligned.image, aligned.matrix), restored)


def test_paste_back_blends_only_inside_the_crop():
    render = _render()
    image = render["image"]
    aligned = align(image, render["landmarks_3d"], size=96, template="tight")
    edited = np.full((96, 96, 3), 255, np.uint8)
    out = paste_back(image, edited, aligned, feather=0.2)
    quad = np.round(aligned.quad - 0.5).astype(np.int32)
    inside = cv2.fillPoly(np.zeros(image.shape[:2], np.uint8), [quad], 1).astype(bool)
    outside = ~cv2.dilate(inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    np.testing.assert_array_equal(out[outside], image[outside])
    centre = np.round(aligned.to_original([[48.0, 48.0]])[0] - 0.5).astype(int)
    assert (out[centre[1], centre[0]] == 255).all()
    mask = feather_mask(96, 0.2)
    assert mask[48, 48] == 1.0 and mask[0, 48] < 0.05 and mask[10, 48] < mask[20, 48]


def test_points_round_trip_and_constant_border():
    render = _render(yaw=40.0)
    aligned = align(render["image"], render["landmarks_3d"], size=128, border="constant")
    lm = render["landmarks_3d"]
    np.testing.assert_allclose(aligned.to_original(aligned.to_crop(lm)), lm, atol=1e-3)
    # The FFHQ square reaches past the picture's edge here: constant fills black.
    frame = aligned.to_crop(np.array([[0, 0], [SIZE, 0], [SIZE, SIZE], [0, SIZE]], float))
    inside = cv2.fillPoly(np.zeros((128, 128), np.uint8),
                          [np.round(frame - 0.5).astype(np.int32)], 1)
    outside = ~cv2.dilate(inside, np.ones((3, 3), np.uint8)).astype(bool)
    assert outside.any() and (aligned.image[outside] == 0).all()


def test_warp_to_crop_is_aligns_resampling_for_a_given_matrix():
    render = _render(yaw=20.0)
    for size in (64, 200):  # 64 shrinks before it warps, 200 does not
        aligned = align(render["image"], render["landmarks_3d"], size=size, template="tight")
        np.testing.assert_array_equal(warp_to_crop(render["image"], aligned.matrix, size),
                                      aligned.image)
    # Another image of the same size cut with that matrix: the same square of its pixels.
    other = _render(yaw=20.0, identity=5)["image"]
    crop = warp_to_crop(other, aligned.matrix, 200, border="constant")
    expected = align(other, render["landmarks_3d"], size=200, template="tight",
                     border="constant").image
    np.testing.assert_array_equal(crop, expected)
    with pytest.raises(ValueError, match="border"):
        warp_to_crop(other, aligned.matrix, 200, border="wrap")


def test_rejects_bad_arguments():
    render = _render()
    image, lm = render["image"], render["landmarks_3d"]
    with pytest.raises(ValueError, match="template"):
        align(image, lm, template="wide")
    with pytest.raises(ValueError, match="border"):
        align(image, lm, border="wrap")
    with pytest.raises(ValueError, match="size"):
        align(image, lm, size=4)
    with pytest.raises(ValueError, match=r"\(100, 2\)"):
        align(image, np.zeros((100, 2)))
    with pytest.raises(ValueError, match="Degenerate"):
        align(image, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="square"):
        paste_back(image, np.zeros((10, 20, 3), np.uint8), np.eye(3)[:2])


def test_template_box_of_the_tight_face_in_an_ffhq_crop():
    from keras_portrait.imaging.alignment import template_box

    assert template_box("ffhq", "ffhq") == pytest.approx((0.0, 0.0, 1.0, 1.0), abs=1e-9)
    top, left, bottom, right = template_box("tight", "ffhq")
    # Centred across, 1.45 / 2.0 of the side (the eye terms of the two templates), moved
    # toward the mouth by (0.45 - 0.1) × the eye-to-mouth distance of the canonical face.
    assert right - left == pytest.approx(1.45 / 2.0) and bottom - top == pytest.approx(1.45 / 2.0)
    assert (left + right) / 2 == pytest.approx(0.5)
    assert 0.55 < (top + bottom) / 2 < 0.62
