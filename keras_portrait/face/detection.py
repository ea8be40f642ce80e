"""Face detection: boxes, scores and 5 keypoints, from MediaPipe's BlazeFace or from MTCNN.

BlazeFace (the MediaPipe face detector) runs from the .tflite files of the `mediapipe` wheel under
LiteRT; its SSD anchors, box decoding and weighted non-maximum suppression are written here from
the published anchor and decoding options, so that `mediapipe` itself is never imported.

Keypoints are 5 points in a fixed order, "right" and "left" being the subject's (the right eye
is on the image's left in a frontal view): right eye, left eye, nose tip, right mouth corner,
left mouth corner. BlazeFace gives 6 points (right eye, left eye, nose tip, mouth centre, right
ear tragion, left ear tragion) and no mouth corners: the ears are dropped and the corners are
placed on either side of the mouth centre, along the eye line, `MOUTH_WIDTH_PER_EYE_DISTANCE`
times the eye distance apart (measured; right up to expression and head turn).

The default, BlazeFace short range, was chosen on measurements (benchmarks/face_landmarks.py):
it found the face in all 46 real 1024² photos, and in 100/100 SynthPortraits photos and
paintings with yaw in ±60° (full range: 95 and 61; MTCNN: 100 and 94, plus a spurious face
scoring 0.58-0.67 in 3 of the 46 photos at min_score=0.5), and costs ~10 ms of CPU per 1024²
image against ~480 ms for MTCNN.
MTCNN's own mouth corners are better (0.07 against 0.11 inter-ocular distance on photos).

Short range sees the whole picture at 128², which painted scenes defeat: on 40 Louvre genre
scenes (500², faces of 20-60 px) it found a face in 12, with boxes up to twice the face and
off-centre, and the landmark model kept 4 meshes. When it finds no face of `SMALL_FACE` times
the long side, `detect_faces` asks `detect_small_faces` (full range on the whole picture, then
on zoomed overlapping tiles): 36 and 18 there, 40 and 37 (from 38 and 35) on 40 Louvre
portraits, no wrong mesh seen among the kept ones; 5 of the 849 Pixabay photos reach it
(benchmarks/face_detection_real.py).

Reference:
    Bazarevsky et al., "BlazeFace: Sub-millisecond Neural Face Detection on Mobile GPUs", 2019.
    Zhang et al., "Joint Face Detection and Alignment using Multi-task Cascaded Convolutional
    Networks" (MTCNN), 2016.
"""

import dataclasses
import os
import threading
import warnings

import cv2
import numpy as np
from tqdm import tqdm

from keras_portrait.imaging.reading import list_images
from keras_portrait.face import _mediapipe_models as mp_models
from keras_portrait.imaging.image_input import as_rgb8

DETECTORS = ("mediapipe", "mediapipe_full_range", "mtcnn")
DEFAULT_DETECTOR = "mediapipe"
NUM_THREADS = 2
# Mouth width (61 -> 291) over the distance between BlazeFace's two eye points: median 0.72
# (photo) and 0.72 (painting) on 60 SynthPortraits renders each (yaw in ±60°); 0.78 between the
# eye-contour centres of the canonical mesh.
MOUTH_WIDTH_PER_EYE_DISTANCE = 0.72
_MTCNN_MAX_SIDE = 512  # MTCNN's pyramid cost grows with the pixels; portraits need no more.
# Short range sees the whole picture at 128²: a face under ~0.2 of the long side (~25 input
# pixels) comes back with a box up to twice too large and off-centre, or not at all, and the
# landmark region built on it misses the face (Louvre genre scenes, 500², faces of 20-60 px).
# Below it, `detect_faces` asks `detect_small_faces` (full range, then zoomed tiles).
SMALL_FACE = 0.2
# Full range (192² input) on the whole picture placed 30-150 px faces pasted into 500² well;
# when it finds nothing of 0.1 of the long side, tiles of 0.6 of it (zoom x1.67) look again.
FULL_RANGE_SMALL_FACE = 0.1
TILE_SIDE = 0.6


@dataclasses.dataclass(frozen=True)
class Face:
    """One detected face.

    Args:
        box: float32 (4,). `(x0, y0, x1, y1)` in pixels of the input image.
        score: float. The detector's confidence in [0, 1].
        keypoints: float32 (5, 2). Pixel `(x, y)` of the right eye, left eye, nose tip, right
            mouth corner and left mouth corner (the subject's right and left).
    """

    box: np.ndarray
    score: float
    keypoints: np.ndarray

    @property
    def width(self):
        return float(self.box[2] - self.box[0])

    @property
    def height(self):
        return float(self.box[3] - self.box[1])

    @property
    def area(self):
        return self.width * self.height

    @property
    def center(self):
        return np.array([(self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2],
                        np.float32)


@dataclasses.dataclass(frozen=True)
class _BlazeFaceModel:
    """Anchor and decoding options of one BlazeFace file (MediaPipe's graph options)."""

    relative_path: str
    input_size: int
    strides: tuple
    anchors_per_cell: tuple  # one entry per run of equal strides


# Short range: faces within ~2 m (portraits). Full range: faces within ~5 m (small faces).
_BLAZEFACE = {
    "mediapipe": _BlazeFaceModel(
        mp_models.FACE_DETECTION_SHORT_RANGE, 128, strides=(8, 16, 16, 16),
        anchors_per_cell=(2, 6)),
    "mediapipe_full_range": _BlazeFaceModel(
        mp_models.FACE_DETECTION_FULL_RANGE_SPARSE, 192, strides=(4,), anchors_per_cell=(1,)),
}
_NMS_IOU = 0.3
_local = threading.local()


def cached_interpreter(path):
    """The LiteRT interpreter of `path`, created once per thread (they are not thread-safe)."""
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    cache = _local.__dict__.setdefault("interpreters", {})
    if path not in cache:
        interpreter = Interpreter(model_path=path, num_threads=NUM_THREADS)
        interpreter.allocate_tensors()
        cache[path] = interpreter
    return cache[path]


def run_interpreter(path, tensor):
    """Runs a one-input .tflite file on a float32 tensor; returns its outputs, largest first.

    (BlazeFace: regressors, then scores; face landmark: points, then face presence.)
    """
    interpreter = cached_interpreter(path)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor)
    interpreter.invoke()
    outputs = [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]
    return sorted(outputs, key=lambda output: -output.size)


def ssd_anchors(input_size, strides, anchors_per_cell):
    """Centres `(x, y)` in [0, 1] of the SSD anchors, in the order of the model's outputs.

    Layers of equal stride share one feature map, stacking their anchors per cell (MediaPipe's
    SsdAnchorsCalculator with fixed anchor size, so every anchor is 1 x 1 and only centres matter).
    """
    runs = [s for i, s in enumerate(strides) if i == 0 or strides[i - 1] != s]
    centres = []
    for stride, per_cell in zip(runs, anchors_per_cell):
        cells = -(-input_size // stride)
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        y, x = np.meshgrid(grid, grid, indexing="ij")
        centres.append(np.repeat(np.stack([x.ravel(), y.ravel()], axis=-1), per_cell, axis=0))
    return np.concatenate(centres)


def decode_blazeface(regressors, classificators, anchors, input_size):
    """Boxes (N, 4) `(x0, y0, x1, y1)`, keypoints (N, 6, 2) in [0, 1] and sigmoid scores (N,)."""
    offsets = regressors.reshape(len(anchors), -1, 2) / input_size  # (x, y) pairs: box, then kps
    centre = anchors + offsets[:, 0]
    half_size = offsets[:, 1] / 2
    boxes = np.concatenate([centre - half_size, centre + half_size], axis=-1)
    keypoints = anchors[:, None] + offsets[:, 2:8]
    scores = sigmoid(np.clip(classificators.reshape(-1), -100.0, 100.0))
    return boxes, keypoints, scores


def sigmoid(x):
    """The logistic function, without overflow for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, np.float32)))


def box_iou(box, boxes):
    """Intersection over union of one `(x0, y0, x1, y1)` box with each of (N, 4) boxes."""
    top_left = np.maximum(box[:2], boxes[:, :2])
    bottom_right = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=-1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=-1)
    return inter / np.maximum(area + areas - inter, 1e-12)


def weighted_nms(boxes, keypoints, scores, iou_threshold=_NMS_IOU):
    """MediaPipe's weighted NMS: each kept detection is the score-weighted mean of its cluster.

    Detections are taken in decreasing score; the best remaining one gathers every remaining
    detection overlapping it by more than `iou_threshold` IoU (itself included), and the cluster
    becomes one detection with the best score and the score-weighted mean box and keypoints.
    """
    order = np.argsort(-scores, kind="stable")
    kept = []
    while order.size:
        cluster = order[box_iou(boxes[order[0]], boxes[order]) > iou_threshold]
        cluster = cluster if cluster.size else order[:1]
        weights = scores[cluster] / scores[cluster].sum()
        kept.append((np.tensordot(weights, boxes[cluster], axes=1),
                     np.tensordot(weights, keypoints[cluster], axes=1),
                     float(scores[order[0]])))
        order = np.setdiff1d(order, cluster, assume_unique=True)
        order = order[np.argsort(-scores[order], kind="stable")]
    return kept


def _letterbox(image, size):
    """The image scaled to fit `size`², centred on black, in [-1, 1]; and its scale and offset."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    offset = np.array([(size - new_w) // 2, (size - new_h) // 2])
    canvas = np.zeros((size, size, 3), np.uint8)
    canvas[offset[1]:offset[1] + new_h, offset[0]:offset[0] + new_w] = resized
    tensor = canvas.astype(np.float32)[None] / 127.5 - 1.0
    # Map letterbox pixels back through the true per-axis scale (rounding of new_w, new_h).
    return tensor, np.array([new_w / width, new_h / height]), offset


def five_keypoints(eyes_nose, mouth_centre):
    """(5, 2) keypoints from the right eye, left eye, nose tip (3, 2) and the mouth centre (2,)."""
    half_mouth = 0.5 * MOUTH_WIDTH_PER_EYE_DISTANCE * (eyes_nose[1] - eyes_nose[0])
    corners = np.stack([mouth_centre - half_mouth, mouth_centre + half_mouth])
    return np.concatenate([eyes_nose, corners]).astype(np.float32)


def _blazeface_candidates(image, min_score, model):
    """Every detection scoring at least `min_score`, before NMS, in the image's pixels: boxes
    (N, 4), BlazeFace's 6 keypoints (N, 6, 2) and scores (N,)."""
    tensor, scale, offset = _letterbox(image, model.input_size)
    regressors, classificators = run_interpreter(
        mp_models.mediapipe_model_path(model.relative_path), tensor)
    anchors = ssd_anchors(model.input_size, model.strides, model.anchors_per_cell)
    boxes, keypoints, scores = decode_blazeface(regressors[0], classificators[0], anchors,
                                                model.input_size)
    keep = scores >= min_score
    boxes = (boxes[keep].reshape(-1, 2, 2) * model.input_size - offset) / scale
    keypoints = (keypoints[keep] * model.input_size - offset) / scale
    return boxes.reshape(-1, 4), keypoints, scores[keep]


def _merged_faces(boxes, keypoints, scores):
    """The `Face`s of BlazeFace candidates (image pixels) after weighted NMS."""
    return [Face(box.astype(np.float32), score, five_keypoints(points[:3], points[3]))
            for box, points, score in weighted_nms(boxes, keypoints, scores)]


def _detect_blazeface(image, min_score, model):
    return _merged_faces(*_blazeface_candidates(image, min_score, model))


def largest_side(faces):
    """The longest box side among `faces`, in pixels; 0 without a face."""
    return max((max(face.width, face.height) for face in faces), default=0.0)


def tile_origins(length, tile):
    """Offsets of the tiles of side `tile` that cover `[0, length)`, each overlapping the next
    by at least half a tile, the first at 0 and the last at `length - tile`."""
    if tile >= length:
        return [0]
    count = int(np.ceil((length - tile) / (tile / 2))) + 1
    return np.linspace(0, length - tile, count).round().astype(int).tolist()


def detect_small_faces(image, min_score=0.5):
    """Small faces: full-range BlazeFace on the whole picture and, when that finds no face of
    `FULL_RANGE_SMALL_FACE` times the long side, also on overlapping tiles of `TILE_SIDE` times
    the long side (each zoomed to the model's input); all detections merged by weighted NMS.

    Args:
        image: (H, W, 3) uint8 RGB array.
        min_score: float in [0, 1]. Detections scoring below it are dropped. Defaults to `0.5`.

    Returns:
        A list of `Face` (unsorted); `[]` when there is no face.
    """
    model = _BLAZEFACE["mediapipe_full_range"]
    candidates = [_blazeface_candidates(image, min_score, model)]
    faces = _merged_faces(*candidates[0])
    long_side = max(image.shape[:2])
    tile = round(TILE_SIDE * long_side)
    if largest_side(faces) >= FULL_RANGE_SMALL_FACE * long_side or tile <= model.input_size:
        return faces
    for y in tile_origins(image.shape[0], tile):
        for x in tile_origins(image.shape[1], tile):
            boxes, keypoints, scores = _blazeface_candidates(image[y:y + tile, x:x + tile],
                                                             min_score, model)
            candidates.append((boxes + [x, y, x, y], keypoints + [x, y], scores))
    return _merged_faces(*(np.concatenate(parts) for parts in zip(*candidates)))


def _detect_mtcnn(image, min_score):
    detector = _local.__dict__.get("mtcnn")
    if detector is None:
        try:
            from mtcnn import MTCNN  # noqa: PLC0415
        except ImportError as error:
            raise ImportError("detector='mtcnn' needs the mtcnn package: "
                              "pip install mtcnn==1.0.0") from error
        detector = _local.mtcnn = MTCNN(device="CPU:0")
    shrink = _MTCNN_MAX_SIDE / max(image.shape[:2])
    scale = np.ones(2)
    if shrink < 1:
        size = (max(1, round(image.shape[1] * shrink)), max(1, round(image.shape[0] * shrink)))
        scale = np.array(size, np.float64) / image.shape[1::-1]
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    faces = []
    for found in detector.detect_faces(image, box_format="xyxy", threshold_onet=min_score):
        # MTCNN names points by image side: its "left_eye" is the subject's right eye.
        points = found["keypoints"]
        keypoints = np.array([points[name] for name in
                              ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")])
        box = np.asarray(found["box"], np.float64).reshape(2, 2) / scale
        faces.append(Face(box.reshape(4).astype(np.float32), float(found["confidence"]),
                          (keypoints / scale).astype(np.float32)))
    return faces


def detect_faces(image, min_score=0.5, detector=DEFAULT_DETECTOR, small_faces=True):
    """Finds the faces of one image, largest first.

    Args:
        image: a path, or an array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), uint8 or float
            [0, 1] (see `keras_portrait.imaging.image_input.as_rgb8`). Any size: the detector sees
            it letterboxed (BlazeFace) or shrunk (MTCNN), and boxes come back in its pixels.
        min_score: float in [0, 1]. Detections scoring below it are dropped. Defaults to `0.5`.
        detector: str. `"mediapipe"` (BlazeFace short range, for portraits), or
            `"mediapipe_full_range"` (BlazeFace full range, for small faces), or `"mtcnn"`.
            Defaults to `"mediapipe"`.
        small_faces: bool. With `"mediapipe"`, when short range finds no face or none of at
            least `SMALL_FACE` times the long side, the faces of `detect_small_faces` replace
            its own (kept when that finds none). Paintings of scenes need it; portrait photos
            never reach it. Defaults to `True`.

    Returns:
        A list of `Face`, sorted by decreasing box area; `[]` when there is no face.
    """
    if detector not in DETECTORS:
        raise ValueError(f"Unknown detector {detector!r}. Valid: {', '.join(DETECTORS)}")
    if not 0.0 <= min_score <= 1.0:
        raise ValueError(f"`min_score` must be in [0, 1]. Received: min_score={min_score}")
    image = as_rgb8(image)
    if detector == "mtcnn":
        faces = _detect_mtcnn(image, min_score)
    else:
        faces = _detect_blazeface(image, min_score, _BLAZEFACE[detector])
        if (detector == "mediapipe" and small_faces
                and largest_side(faces) < SMALL_FACE * max(image.shape[:2])):
            faces = detect_small_faces(image, min_score) or faces
    return sorted(faces, key=lambda face: -face.area)


def detect_folder(paths_or_folder, min_score=0.5, detector=DEFAULT_DETECTOR, progress=True):
    """`detect_faces` over a folder (searched recursively) or a sequence of paths and arrays.

    Files that cannot be read are skipped and reported (a warning lists them), never fatal.

    Returns:
        `(results, skipped)`: a dict from each input (path, or index for an array) to its list of
        `Face`, and a dict from each skipped input to the reason.
    """
    return map_images(lambda image: detect_faces(image, min_score=min_score, detector=detector),
                      paths_or_folder, progress=progress, description="detecting faces")


def map_images(function, paths_or_folder, progress=True, description=None):
    """Calls `function` on each image of a folder or sequence, skipping unreadable files.

    Args:
        function: callable. Takes an (H, W, 3) uint8 RGB image.
        paths_or_folder: a folder (searched recursively for image files), one image file, or a
            sequence of paths and image arrays.
        progress: bool. Whether to show a tqdm bar. Defaults to `True`.
        description: str. The bar's label.

    Returns:
        `(results, skipped)`: `{input: function(image)}` keyed by path (or by position for an
        array), and `{input: reason}` for each input that could not be read as an image.
    """
    if isinstance(paths_or_folder, (str, os.PathLike)):
        path = os.fspath(paths_or_folder)
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file or folder: {path!r}")
        items = list_images(path) if os.path.isdir(path) else [path]
    else:
        items = list(paths_or_folder)
    results, skipped = {}, {}
    for position, item in enumerate(tqdm(items, desc=description, disable=not progress,
                                         unit="image")):
        key = os.fspath(item) if isinstance(item, (str, os.PathLike)) else position
        try:
            image = as_rgb8(key if isinstance(key, str) else item)
        except Exception as error:  # noqa: BLE001 — any unreadable input is reported, not fatal
            skipped[key] = f"{type(error).__name__}: {error}"
            continue
        results[key] = function(image)
    if skipped:
        warnings.warn(f"Skipped {len(skipped)} unreadable image(s): "
                      + "; ".join(f"{key} ({reason})" for key, reason in skipped.items()),
                      stacklevel=3)
    return results, skipped
