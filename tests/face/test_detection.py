"""Face detection: BlazeFace decoding, keypoint order, inputs of any format, faceless images,
the folder helper, and the model-file locator.

The real BlazeFace files come from the `mediapipe` wheel (installed with --no-deps); the tests
that run them skip when it is absent.
"""

import cv2
import numpy as np
import pytest

from keras_portrait.data import SynthPortraits
from keras_portrait.face import _mediapipe_models as mp_models
from keras_portrait.imaging import canonical_mesh
from keras_portrait.face.detection import Face
from keras_portrait.face.detection import detect_faces
from keras_portrait.face.detection import detect_folder
from keras_portrait.face.detection import detect_small_faces
from keras_portrait.face.detection import largest_side
from keras_portrait.face.detection import ssd_anchors
from keras_portrait.face.detection import tile_origins
from keras_portrait.face.detection import weighted_nms

needs_mediapipe = pytest.mark.skipif(
    not mp_models.mediapipe_models_available(),
    reason=f"MediaPipe's model files are not installed ({mp_models.MEDIAPIPE_INSTALL_HINT})")

# Measured on 100 renders per style (benchmarks/face_landmarks.py): eye keypoints are off by
# 0.05-0.10 inter-ocular distance on average; the bound leaves room for one unlucky render.
EYE_TOLERANCE_IOD = 0.2


@pytest.fixture(scope="module")
def portrait():
    return SynthPortraits(seed=3).sample(0, size=192, style="photo", yaw_range=(-20, 20))


def _eye_centres(points):
    return np.stack([points[list(canonical_mesh.RIGHT_EYE)].mean(axis=0),
                     points[list(canonical_mesh.LEFT_EYE)].mean(axis=0)])


def test_anchor_counts():
    assert ssd_anchors(128, (8, 16, 16, 16), (2, 6)).shape == (896, 2)
    assert ssd_anchors(192, (4,), (1,)).shape == (2304, 2)
    anchors = ssd_anchors(128, (8, 16, 16, 16), (2, 6))
    np.testing.assert_allclose(anchors[:2], [[0.5 / 16, 0.5 / 16]] * 2)  # 2 per cell, row-major
    np.testing.assert_allclose(anchors[2], [1.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(anchors[512:518], [[0.5 / 8, 0.5 / 8]] * 6)


def test_weighted_nms_merges_overlaps_by_score():
    boxes = np.array([[0.0, 0.0, 1.0, 1.0], [0.1, 0.0, 1.1, 1.0], [5.0, 5.0, 6.0, 6.0]])
    keypoints = np.zeros((3, 6, 2))
    keypoints[1] += 1.0
    scores = np.array([0.9, 0.3, 0.6])
    kept = weighted_nms(boxes, keypoints, scores)
    assert len(kept) == 2
    box, points, score = kept[0]
    np.testing.assert_allclose(box, [0.025, 0.0, 1.025, 1.0])  # (0.9 * 0 + 0.3 * 0.1) / 1.2
    np.testing.assert_allclose(points, 0.25)
    assert score == pytest.approx(0.9)
    np.testing.assert_allclose(kept[1][0], boxes[2])


@needs_mediapipe
def test_detects_the_synthetic_face(portrait):
    faces = detect_faces(portrait["image"])
    assert len(faces) == 1
    face = faces[0]
    assert isinstance(face, Face) and 0.5 <= face.score <= 1.0
    truth = portrait["landmarks_2d"]
    centre = (truth.min(axis=0) + truth.max(axis=0)) / 2
    assert np.all(face.box[:2] <= centre) and np.all(centre <= face.box[2:])
    assert face.keypoints.shape == (5, 2) and face.keypoints.dtype == np.float32
    inter_ocular = np.linalg.norm(truth[33] - truth[263])
    eye_error = np.linalg.norm(face.keypoints[:2] - _eye_centres(truth), axis=1) / inter_ocular
    assert np.all(eye_error < EYE_TOLERANCE_IOD), eye_error
    # Subject's right eye on the image's left; mouth corners below the eyes, same side order.
    assert face.keypoints[0, 0] < face.keypoints[1, 0]
    assert face.keypoints[3, 0] < face.keypoints[4, 0]
    assert np.all(face.keypoints[3:, 1] > face.keypoints[:2, 1].max())


@needs_mediapipe
def test_large_image_boxes_scale_with_it(portrait):
    small = detect_faces(portrait["image"])[0]
    large = detect_faces(np.repeat(np.repeat(portrait["image"], 4, axis=0), 4, axis=1))[0]
    np.testing.assert_allclose(large.box / 4, small.box, atol=0.03 * small.width)
    wide = np.pad(portrait["image"], ((0, 0), (120, 40), (0, 0)), constant_values=128)
    shifted = detect_faces(wide)[0]
    np.testing.assert_allclose(shifted.box - [120, 0, 120, 0], small.box, atol=0.05 * small.width)


@needs_mediapipe
@pytest.mark.parametrize("image", [np.full((160, 160, 3), 128, np.uint8),
                                   np.random.default_rng(0).integers(0, 256, (160, 200, 3),
                                                                    dtype=np.uint8)],
                         ids=["flat_gray", "uniform_noise"])
def test_no_face_gives_an_empty_list(image):
    assert detect_faces(image) == []


@needs_mediapipe
def test_gray_rgba_and_float_inputs_match_rgb(portrait):
    rgb = portrait["image"]
    gray = np.round(rgb.astype(np.float32) @ [0.299, 0.587, 0.114]).astype(np.uint8)
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=-1)

    def signature(image):
        return [(face.box, face.score, face.keypoints) for face in detect_faces(image)]

    for left, right in [(gray, np.repeat(gray[..., None], 3, axis=-1)), (rgba, rgb),
                        (rgb.astype(np.float32) / 255.0, rgb)]:
        for a, b in zip(signature(left), signature(right), strict=True):
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)
    assert len(signature(gray)) == 1


@needs_mediapipe
def test_folder_skips_and_reports_a_broken_file(tmp_path, portrait):
    from PIL import Image

    Image.fromarray(portrait["image"]).save(tmp_path / "face.png")
    Image.fromarray(np.full((64, 64, 3), 90, np.uint8)).save(tmp_path / "empty.png")
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg at all")
    with pytest.warns(UserWarning, match="broken.jpg"):
        results, skipped = detect_folder(str(tmp_path), progress=False)
    assert sorted(skipped) == [str(tmp_path / "broken.jpg")]
    assert len(results[str(tmp_path / "face.png")]) == 1
    assert results[str(tmp_path / "empty.png")] == []
    with pytest.warns(UserWarning, match="broken.jpg"):
        results, skipped = detect_folder([portrait["image"], str(tmp_path / "broken.jpg")],
                                         progress=False)
    assert len(results[0]) == 1 and list(skipped) == [str(tmp_path / "broken.jpg")]


def test_tile_origins_cover_with_half_overlap():
    assert tile_origins(500, 300) == [0, 100, 200]
    assert tile_origins(600, 300) == [0, 150, 300]
    assert tile_origins(301, 300) == [0, 1]
    assert tile_origins(300, 300) == [0]
    assert tile_origins(200, 300) == [0]


def test_largest_side():
    keypoints = np.zeros((5, 2), np.float32)
    faces = [Face(np.array([0, 0, 10, 30], np.float32), 0.9, keypoints),
             Face(np.array([5, 5, 45, 15], np.float32), 0.6, keypoints)]
    assert largest_side(faces) == 40.0
    assert largest_side([]) == 0.0


def small_face_scene(render, face_width=40.0, at=(300, 120)):
    """`render` shrunk so that its face is `face_width` px wide, pasted on a 500² gradient; and
    its true landmarks (468, 2) in the scene."""
    truth = render["landmarks_2d"]
    side = round(render["image"].shape[0] * face_width / np.ptp(truth[:, 0]))
    scene = np.repeat(np.linspace(70, 170, 500).astype(np.uint8)[:, None, None], 500, axis=1)
    scene = np.repeat(scene, 3, axis=2)
    scene[at[1]:at[1] + side, at[0]:at[0] + side] = cv2.resize(
        render["image"], (side, side), interpolation=cv2.INTER_AREA)
    return scene, truth * side / render["image"].shape[0] + at


@needs_mediapipe
def test_a_small_face_in_a_scene_is_found(portrait):
    scene, truth = small_face_scene(portrait)
    # Short range alone sees the 40 px face as 10 input pixels: nothing.
    assert detect_faces(scene, small_faces=False) == []
    faces = detect_faces(scene)
    assert len(faces) == 1  # the whole picture and the 9 tiles agree on one face
    assert faces[0].score > 0.5
    centre = (truth.min(axis=0) + truth.max(axis=0)) / 2
    np.testing.assert_allclose(faces[0].center, centre, atol=0.15 * 40)
    assert 0.8 * 40 < largest_side(faces) < 1.6 * 40
    inter_ocular = np.linalg.norm(truth[33] - truth[263])
    eye_error = np.linalg.norm(faces[0].keypoints[:2] - _eye_centres(truth), axis=1)
    assert np.all(eye_error / inter_ocular < EYE_TOLERANCE_IOD), eye_error / inter_ocular
    assert [face.box.tolist() for face in detect_small_faces(scene)] == [faces[0].box.tolist()]


@needs_mediapipe
def test_a_large_face_never_reaches_the_small_face_search(portrait):
    def signature(faces):
        return [(face.box.tolist(), face.score) for face in faces]

    assert signature(detect_faces(portrait["image"])) == signature(
        detect_faces(portrait["image"], small_faces=False))


def test_unknown_detector_is_rejected(portrait):
    with pytest.raises(ValueError, match="mediapipe"):
        detect_faces(portrait["image"], detector="haar")


def test_model_path_names_the_install_command():
    with pytest.raises(FileNotFoundError, match="pip install no-such-package"):
        mp_models.model_path("no_such_package_kp", "a/b.tflite", "pip install no-such-package")
    with pytest.raises(FileNotFoundError, match="has no file"):
        mp_models.model_path("keras_portrait", "face/no_such_model.tflite")
    path = mp_models.model_path("keras_portrait", "imaging/assets/canonical_face_model.npz")
    assert path.endswith("canonical_face_model.npz")


@pytest.mark.slow
def test_mtcnn_keypoints_use_the_same_order(portrait):
    pytest.importorskip("mtcnn")
    faces = detect_faces(portrait["image"], detector="mtcnn")
    assert len(faces) == 1
    truth = portrait["landmarks_2d"]
    inter_ocular = np.linalg.norm(truth[33] - truth[263])
    eye_error = np.linalg.norm(faces[0].keypoints[:2] - _eye_centres(truth), axis=1) / inter_ocular
    assert np.all(eye_error < EYE_TOLERANCE_IOD), eye_error
