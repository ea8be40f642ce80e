"""Head pose from landmarks: conventions, exact recovery, accuracy on SynthPortraits renders.

The bounds are those of `benchmarks/face_pose.py` (200 renders, yaw in ±60°) with a margin.
"""

import functools

import numpy as np
import pytest

from keras_portrait.data import SynthPortraits
from keras_portrait.data.synth.scene import rotation_matrix as render_rotation
from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.imaging.alignment import five_point_landmarks
from keras_portrait.face.pose import (
    HeadPose, draw_pose_axes, euler_angles, head_pose, pose_axes, rotation_matrix)

FLIP_Y = np.array([1.0, -1.0, 1.0])


@functools.lru_cache(maxsize=None)
def _samples(style, count=24):
    data = SynthPortraits(seed=1)
    return [data.sample(i, size=64, style=style, yaw_range=(-60.0, 60.0),
                        pitch_range=(-20.0, 20.0), roll_range=(-20.0, 20.0))
            for i in range(count)]


def _errors(style, select):
    return np.array([np.abs(head_pose(select(s)).angles - s["pose"]) for s in _samples(style)])


def test_rotation_matrix_is_the_renderers_and_inverts():
    rng = np.random.default_rng(0)
    for yaw, pitch, roll in rng.uniform(-70, 70, (10, 3)):
        r = rotation_matrix(yaw, pitch, roll)
        np.testing.assert_allclose(r, render_rotation(yaw, pitch, roll), atol=1e-12)
        np.testing.assert_allclose(euler_angles(r), (yaw, pitch, roll), atol=1e-9)


@pytest.mark.parametrize("use_depth", [True, False])
def test_exact_landmarks_give_the_exact_pose(use_depth):
    """The canonical mesh under a known pose, scale and offset is fitted exactly."""
    for angles in [(0, 0, 0), (55, -20, 12), (-80, 30, -35)]:
        points = 7.5 * (cm.canonical_vertices() @ rotation_matrix(*angles).T) * FLIP_Y
        points += [120.0, 90.0, 4.0]
        pose = head_pose(points if use_depth else points[:, :2])
        np.testing.assert_allclose(tuple(pose), angles, atol=1e-5)
        assert abs(pose.scale - 7.5) < 1e-6 and pose.rms_error < 1e-6
        np.testing.assert_allclose(pose.project(cm.canonical_vertices())[:, :2], points[:, :2],
                                   atol=1e-5)


@pytest.mark.parametrize("style", ["photo", "painting"])
def test_error_bounds_from_true_landmarks(style):
    # Benchmark maxima over 200 renders: 3D (0.17, 0.75, 0.57), 2D (2.8, 1.6, 1.1) degrees.
    e3 = _errors(style, lambda s: s["landmarks_3d"])
    assert (e3.max(0) < [0.5, 1.5, 1.2]).all(), e3.max(0)
    e2 = _errors(style, lambda s: s["landmarks_2d"])
    assert (e2.mean(0) < [1.5, 1.0, 0.5]).all(), e2.mean(0)
    assert (e2.max(0) < [4.5, 3.0, 2.0]).all(), e2.max(0)


def test_landmark_formats_agree():
    # 68 points: benchmark maxima (2.4, 1.7, 1.7); 5 points: means (1.6, 1.8, 0.7).
    e68 = _errors("photo", lambda s: s["landmarks_68"])
    assert (e68.max(0) < [4.0, 3.0, 3.0]).all(), e68.max(0)
    e5 = _errors("photo", lambda s: five_point_landmarks(s["landmarks_2d"]))
    assert (e5.mean(0) < [3.0, 3.5, 1.5]).all(), e5.mean(0)
    lm = _samples("photo")[0]["landmarks_3d"]
    with_irises = np.concatenate([lm, np.full((10, 3), 1e4, np.float32)])
    np.testing.assert_allclose(head_pose(with_irises).angles, head_pose(lm).angles)


@pytest.mark.parametrize("use_depth", [True, False])
def test_sign_conventions_on_renders(use_depth):
    data = SynthPortraits(seed=0)
    for axis, name in enumerate(("yaw", "pitch", "roll")):
        for sign in (1, -1):
            render = data.render(identity=2, size=64, **{name: 25.0 * sign})
            lm = render["landmarks_3d"] if use_depth else render["landmarks_2d"]
            angles = head_pose(lm).angles
            assert angles[axis] * sign > 20 and np.delete(np.abs(angles), axis).max() < 3, \
                (name, sign, angles)
    # What the convention means in the picture: +yaw moves the nose tip to the image's right,
    # +pitch moves it up, +roll moves the forehead to the right.
    def nose_offset(**pose):
        lm = data.render(identity=2, size=64, **pose)["landmarks_2d"]
        return lm[cm.NOSE_TIP] - five_point_landmarks(lm)[:2].mean(0)
    assert nose_offset(yaw=25.0)[0] > nose_offset()[0] + 2
    assert nose_offset(pitch=25.0)[1] < nose_offset()[1] - 2
    lm = data.render(identity=2, size=64, roll=25.0)["landmarks_2d"]
    assert lm[cm.FOREHEAD_TOP, 0] > lm[cm.CHIN, 0] + 5


def test_head_pose_result_and_axes():
    render = SynthPortraits(seed=0).render(identity=4, yaw=30.0, size=64)
    pose = head_pose(render["landmarks_3d"])
    assert isinstance(pose, HeadPose) and pose.angles.dtype == np.float32
    yaw, pitch, roll = pose
    assert yaw == pose.yaw and pose.rotation.shape == (3, 3) and pose.translation.shape == (3,)
    assert 0 < pose.rms_error < 0.25 * pose.scale  # identity shape: ~0.15 cm, not the pose
    axes = pose_axes(pose)
    assert axes.shape == (4, 2) and axes.dtype == np.float32
    np.testing.assert_allclose(axes[0], render["landmarks_2d"][cm.NOSE_TIP], atol=1.0)
    x_axis, y_axis, z_axis = axes[1:] - axes[0]
    assert z_axis[0] > 0 and abs(z_axis[1]) < 0.3 * abs(z_axis[0])  # facing the image right
    assert y_axis[1] < 0 and x_axis[0] > 0  # up in the image and toward the image's right
    drawn = draw_pose_axes(render["image"], pose)
    assert drawn.shape == render["image"].shape and (drawn != render["image"]).any()


def test_rejects_bad_landmarks():
    with pytest.raises(ValueError, match="468, 478, 68 or 5"):
        head_pose(np.zeros((100, 2)))
    with pytest.raises(ValueError, match=r"\(N, 2\) or \(N, 3\)"):
        head_pose(np.zeros((468,)))
    points = np.ones((468, 3))
    points[4, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        head_pose(points)
