"""The 468-point face mesh of an image, with MediaPipe's face landmark model under LiteRT.

As in MediaPipe's face mesh graph, a detection gives a region of interest: the detection box,
turned so that the eye line is horizontal, made square on its longer side and enlarged 1.5 times.
That region is resampled to the model's 192 x 192 input (float RGB in [0, 1]) and the model's
468 points (x, y in input pixels, z in the same units) are mapped back to the image.

The 468 points use the vertex indices of the canonical mesh (`canonical_mesh`). Their z follows
SynthPortraits' convention: pixels, positive toward the viewer (MediaPipe's own z is negative
toward the camera, so it is negated here). Its origin is the model's, near the centre of the
head's depth; only differences of z are meaningful.

Reference:
    Kartynnik et al., "Real-time Facial Surface Geometry from Monocular Video on Mobile GPUs",
    2019.
"""

import cv2
import numpy as np

from keras_portrait.face import _mediapipe_models as mp_models
from keras_portrait.face import detection
from keras_portrait.imaging.canonical_mesh import LANDMARKS_68
from keras_portrait.imaging.image_input import as_rgb8

INPUT_SIZE = 192
ROI_SCALE = 1.5
# Outer eye corners: MediaPipe's rotation reference when a region comes from a previous mesh.
_RIGHT_EYE_CORNER, _LEFT_EYE_CORNER = 33, 263


def roi_from_face(face, scale=ROI_SCALE):
    """`(centre (2,), side, angle)` of the square region a `Face` gives (angle in radians).

    The angle turns the image's x axis onto the line from the right eye to the left eye.
    """
    side = scale * max(face.width, face.height)
    return face.center.astype(np.float64), side, _eye_line_angle(face.keypoints[0],
                                                                face.keypoints[1])


def roi_from_landmarks(points, scale=ROI_SCALE):
    """The region of a previous mesh (MediaPipe's tracking region): its box, turned along the
    outer eye corners, square and enlarged `scale` times."""
    angle = _eye_line_angle(points[_RIGHT_EYE_CORNER, :2], points[_LEFT_EYE_CORNER, :2])
    # The box is taken in the turned frame, like MediaPipe's rotated rectangle from landmarks.
    rotation = _rotation(-angle)
    turned = points[:, :2] @ rotation.T
    low, high = turned.min(axis=0), turned.max(axis=0)
    centre = _rotation(angle) @ ((low + high) / 2)
    return centre, scale * float(np.max(high - low)), angle


def _eye_line_angle(right_eye, left_eye):
    delta = np.asarray(left_eye, np.float64) - np.asarray(right_eye, np.float64)
    return float(np.arctan2(delta[1], delta[0]))


def _rotation(angle):
    cos, sin = np.cos(angle), np.sin(angle)
    return np.array([[cos, -sin], [sin, cos]])


def _input_to_image(centre, side, angle):
    """The 2x3 affine map from model-input coordinates (0..192) to image coordinates.

    Coordinates are continuous (pixel (i, j) covers [j, j + 1] x [i, i + 1]), as for the points.
    """
    linear = _rotation(angle) * (side / INPUT_SIZE)
    offset = np.asarray(centre, np.float64) - linear @ np.full(2, INPUT_SIZE / 2)
    return np.concatenate([linear, offset[:, None]], axis=1)


def _crop(image, to_image):
    """The region resampled to the model's input, float32 (1, 192, 192, 3) in [0, 1].

    A region much larger than the input is read from the area average of k x k pixel blocks
    (no aliasing) of the part of the image under the region.
    """
    factor = int(np.hypot(*to_image[:, 0]) / 1.5)  # input pixel size over 1.5 image pixels
    if factor > 1:
        corners = np.array([[0, 0, 1], [INPUT_SIZE, 0, 1], [0, INPUT_SIZE, 1],
                            [INPUT_SIZE, INPUT_SIZE, 1]]) @ to_image.T
        low = np.clip(np.floor(corners.min(axis=0)).astype(int), 0, image.shape[1::-1])
        high = np.clip(np.ceil(corners.max(axis=0)).astype(int), 0, image.shape[1::-1])
        size = (high - low) // factor
        if np.all(size >= 1):  # whole blocks only: OpenCV's fast integer path
            high = low + size * factor
            image = cv2.resize(image[low[1]:high[1], low[0]:high[0]], tuple(int(v) for v in size),
                               interpolation=cv2.INTER_AREA)
            to_image = to_image.copy()
            to_image[:, 2] -= low
            to_image = to_image / factor
    # OpenCV indexes pixels by their centres (continuous coordinate - 0.5) on both sides.
    to_pixels = to_image.copy()
    to_pixels[:, 2] += to_pixels[:, :2] @ np.full(2, 0.5) - 0.5
    crop = cv2.warpAffine(image, to_pixels, (INPUT_SIZE, INPUT_SIZE),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)
    return crop.astype(np.float32)[None] / 255.0


def mesh_in_region(image, centre, side, angle):
    """The (468, 3) mesh found in a square region (centre, side in pixels, angle in radians),
    and the model's face presence in [0, 1]."""
    to_image = _input_to_image(centre, side, angle)
    path = mp_models.mediapipe_model_path(mp_models.FACE_LANDMARK)
    raw, presence = detection.run_interpreter(path, _crop(image, to_image))
    points = raw.reshape(-1, 3).astype(np.float64)
    xy = points[:, :2] @ to_image[:, :2].T + to_image[:, 2]
    z = -points[:, 2] * (side / INPUT_SIZE)
    presence = float(detection.sigmoid(presence.reshape(-1)[0]))
    return np.concatenate([xy, z[:, None]], axis=1).astype(np.float32), presence


def face_mesh(image, face, refine=0):
    """The (468, 3) mesh of a detected face, ungated, and the model's face presence in [0, 1].

    Args:
        image: a path or an array (see `keras_portrait.imaging.image_input.as_rgb8`).
        face: `Face`. Gives the region (see `roi_from_face`).
        refine: int. Extra passes, each on the region of the previous mesh (MediaPipe's
            tracking region). Defaults to `0`.
    """
    if not isinstance(refine, int) or refine < 0:
        raise ValueError(f"`refine` must be an int >= 0. Received: refine={refine!r}")
    image = as_rgb8(image)
    points, presence = mesh_in_region(image, *roi_from_face(face))
    for _ in range(refine):
        points, presence = mesh_in_region(image, *roi_from_landmarks(points))
    return points, presence


def landmarks(image, face=None, detector=detection.DEFAULT_DETECTOR, min_score=0.5,
              min_presence=0.5, refine=0):
    """The 468-point face mesh of one face: (468, 3) float32 pixel x, y, z, or None.

    Args:
        image: a path or an array (see `keras_portrait.imaging.image_input.as_rgb8`).
        face: `Face`. The face to measure; `None` detects them and takes the largest.
        detector: str. The detector used when `face` is None (see `detect_faces`).
            Defaults to `"mediapipe"`.
        min_score: float. The detection threshold when `face` is None. Defaults to `0.5`.
        min_presence: float in [0, 1]. Meshes whose face presence (the landmark model's own
            face score) is below it are rejected, as MediaPipe does at 0.5: on SynthPortraits
            paintings turned by more than ~50 degrees, the rejected meshes were off by 0.4
            inter-ocular distance on average, the kept ones by 0.065. Defaults to `0.5`.
        refine: int. Extra passes on the region of the previous mesh. Defaults to `0`.

    Returns:
        float32 (468, 3): x, y in pixels; z in pixels, positive toward the viewer (see the
        module docstring). None when no face is found or the mesh is rejected.
    """
    if not 0.0 <= min_presence <= 1.0:
        raise ValueError(f"`min_presence` must be in [0, 1]. Received: {min_presence}")
    image = as_rgb8(image)
    if face is None:
        faces = detection.detect_faces(image, min_score=min_score, detector=detector)
        if not faces:
            return None
        face = faces[0]
    points, presence = face_mesh(image, face, refine=refine)
    return points if presence >= min_presence else None


def landmarks_68(points):
    """The iBUG 300-W 68-point subset (68, 2 or 3) of a (468, 2 or 3) mesh (see `LANDMARKS_68`)."""
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[0] != 468:
        raise ValueError(f"Expected (468, 2) or (468, 3) points. Received shape {points.shape}")
    return points[list(LANDMARKS_68)]


def landmarks_folder(paths_or_folder, detector=detection.DEFAULT_DETECTOR, min_score=0.5,
                     min_presence=0.5, refine=0, progress=True):
    """`landmarks` over a folder (searched recursively) or a sequence of paths and arrays.

    Returns:
        `(results, skipped)` as `detect_folder`: `{input: (468, 3) points or None}` and
        `{input: reason}` for the inputs that could not be read (reported by a warning).
    """
    return detection.map_images(
        lambda image: landmarks(image, detector=detector, min_score=min_score,
                                min_presence=min_presence, refine=refine),
        paths_or_folder, progress=progress, description="face landmarks")
