"""Face detection and 468-point landmarks: detection rate, landmark error and speed per detector.

Run (2 cores for the speed figures; the CPUs allowed are recorded in the output):
    python benchmarks/face_landmarks.py --faces /path/to/folder/of/photos

Prints one JSON line per measurement and writes benchmarks/results/face_landmarks.json:
- `photos`: per detector, the share of the real photos of `--faces` with a face found, how many
  gave more than one face, and seconds per image (decoded image in memory; every photo is
  resized to `--speed-size`² first) for detection and for detection + landmarks: the median
  wall time and the mean process CPU time (all threads), with the load average at the time.
- `synth`: per detector and style, SynthPortraits renders (`--count` at 256², yaw in ±60°):
  detection rate (the largest face's box contains the centre of the true landmarks' box), the
  rate per |yaw| bin, the 5-keypoint error, and the 468-point landmark error seeded by that
  detector, over the meshes `landmarks` keeps (face presence >= 0.5; `landmark_rate` is their
  share of the renders; the `ungated_` errors include the rejected meshes). Errors are mean
  point-to-point distances over the inter-ocular distance (outer eye corners 33 and 263 of the
  truth), over all 468 points and over the visible ones only (on a turned head the silhouette
  points of the truth and of the model are defined differently).
"""

import argparse
import json
import os
import platform
import time

import numpy as np

from keras_portrait.data import SynthPortraits
from keras_portrait.imaging.reading import list_images
from keras_portrait.imaging import canonical_mesh
from keras_portrait.face.detection import DETECTORS, detect_faces
from keras_portrait.imaging.image_input import as_rgb8
from keras_portrait.face.landmarks import face_mesh
from keras_portrait.face.landmarks import landmarks

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                       "face_landmarks.json")
YAW_BINS = ((0, 20), (20, 40), (40, 60))


def _emit(rows, row):
    rows.append(row)
    print(json.dumps(row), flush=True)


def _seconds(function, images, repeats):
    """Median wall seconds of one call, and mean process CPU seconds (robust to a shared core)."""
    times = []
    cpu = time.process_time()
    for image in images:
        for _ in range(repeats):
            start = time.perf_counter()
            function(image)
            times.append(time.perf_counter() - start)
    return float(np.median(times)), (time.process_time() - cpu) / len(times)


def measure_photos(detector, photos, names, speed_size, speed_images):
    found = [detect_faces(image, detector=detector) for image in photos]
    speed = [cv2_resize(image, speed_size) for image in photos[:speed_images]]
    detect_faces(speed[0], detector=detector)  # warm the interpreter or the graph
    detect_s, detect_cpu = _seconds(lambda image: detect_faces(image, detector=detector), speed, 2)
    both_s, both_cpu = _seconds(lambda image: landmarks(image, detector=detector), speed, 2)
    return {
        "kind": "photos", "detector": detector, "images": len(photos),
        "detected": sum(bool(faces) for faces in found),
        "detection_rate": float(np.mean([bool(faces) for faces in found])),
        "more_than_one_face": sum(len(faces) > 1 for faces in found),
        "missed": [name for name, faces in zip(names, found) if not faces],
        "mean_score": float(np.mean([faces[0].score for faces in found if faces] or [np.nan])),
        "input_size": speed_size, "detect_s": detect_s, "detect_faces_per_s": 1 / detect_s,
        "detect_cpu_s": detect_cpu, "detect_landmarks_s": both_s,
        "detect_landmarks_faces_per_s": 1 / both_s, "detect_landmarks_cpu_s": both_cpu,
        "load_average_1min": os.getloadavg()[0],
    }


def cv2_resize(image, size):
    import cv2  # noqa: PLC0415

    interpolation = cv2.INTER_AREA if size < max(image.shape[:2]) else cv2.INTER_CUBIC
    return cv2.resize(image, (size, size), interpolation=interpolation)


def _true_keypoints(points):
    eyes = [points[list(loop)].mean(axis=0) for loop in (canonical_mesh.RIGHT_EYE,
                                                         canonical_mesh.LEFT_EYE)]
    return np.stack(eyes + [points[canonical_mesh.NOSE_TIP]]
                    + [points[i] for i in canonical_mesh.MOUTH_CORNERS])


def measure_synth(detector, samples, style, refine):
    hits, yaws, keypoint_err, err_all, err_visible, presences = [], [], [], [], [], []
    for sample in samples:
        truth = sample["landmarks_2d"]
        inter_ocular = np.linalg.norm(truth[33] - truth[263])
        centre = (truth.min(axis=0) + truth.max(axis=0)) / 2
        faces = detect_faces(sample["image"], detector=detector)
        hit = bool(faces) and bool(np.all((faces[0].box[:2] <= centre)
                                          & (centre <= faces[0].box[2:])))
        hits.append(hit)
        yaws.append(abs(float(sample["pose"][0])))
        if not hit:
            continue
        keypoint_err.append(np.linalg.norm(faces[0].keypoints - _true_keypoints(truth), axis=1)
                            / inter_ocular)
        points, presence = face_mesh(sample["image"], faces[0], refine=refine)
        error = np.linalg.norm(points[:, :2] - truth, axis=1) / inter_ocular
        err_all.append(error.mean())
        err_visible.append(error[sample["visible"]].mean())
        presences.append(presence)
    hits, yaws = np.array(hits), np.array(yaws)
    keypoint_err = np.array(keypoint_err).reshape(-1, 5)
    kept = np.array(presences) >= 0.5  # `landmarks`' default min_presence
    err_all, err_visible = np.array(err_all), np.array(err_visible)
    return {
        "kind": "synth", "detector": detector, "style": style, "images": len(samples),
        "refine": refine, "detection_rate": float(hits.mean()),
        "detection_rate_by_abs_yaw": {f"{low}-{high}": float(hits[(yaws >= low)
                                                                  & (yaws < high)].mean())
                                      for low, high in YAW_BINS},
        "keypoint_error_iod": dict(zip(("right_eye", "left_eye", "nose_tip", "right_mouth",
                                        "left_mouth"), keypoint_err.mean(axis=0).tolist())),
        "landmark_rate": float(kept.sum() / len(samples)),
        "landmark_error_iod_all": float(np.mean(err_all[kept])),
        "landmark_error_iod_visible": float(np.mean(err_visible[kept])),
        "landmark_error_iod_visible_p90": float(np.percentile(err_visible[kept], 90)),
        "landmark_error_iod_visible_max": float(np.max(err_visible[kept])),
        "ungated_landmark_error_iod_visible": float(np.mean(err_visible)),
        "ungated_landmark_error_iod_visible_max": float(np.max(err_visible)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", default=os.environ.get("KP_FACES_DIR",
                                                          "/work/shared/data/faces"))
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--styles", nargs="+", default=["photo", "painting"])
    parser.add_argument("--detectors", nargs="+", default=list(DETECTORS))
    parser.add_argument("--speed-size", type=int, default=1024)
    parser.add_argument("--speed-images", type=int, default=10)
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()

    rows = []
    _emit(rows, {"kind": "machine", "cpus_allowed": len(os.sched_getaffinity(0)),
                 "platform": platform.platform(), "python": platform.python_version()})
    paths = list_images(args.faces) if os.path.isdir(args.faces) else []
    photos = [as_rgb8(path) for path in paths]
    names = [os.path.basename(path) for path in paths]
    renderer = SynthPortraits(seed=args.seed)
    samples = {style: [renderer.sample(i, size=256, style=style, yaw_range=(-60, 60))
                       for i in range(args.count)] for style in args.styles}
    for detector in args.detectors:
        if photos:
            _emit(rows, measure_photos(detector, photos, names, args.speed_size,
                                       args.speed_images))
        for style in args.styles:
            for refine in (0, 1):
                _emit(rows, measure_synth(detector, samples[style], style, refine))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
