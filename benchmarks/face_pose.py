"""Head-pose error of `keras_portrait.face.head_pose` on SynthPortraits, whose pose is exact.

Run (one core is enough):
    nice -n 10 taskset -c 1 python benchmarks/face_pose.py

Renders `--count` portraits per style at `--size`² (yaw uniform in ±60°, pitch and roll in
±20°, every expression; the photo and painting renders of an index share their geometry) and
fits the pose from:
- `true_3d`, `true_2d`: the render's exact 468 landmarks with and without depth;
- `true_68`, `true_5`: the exact 68-point and 5-point subsets, 2D;
- `detected_3d`, `detected_2d`: the 468-point mesh of `keras_portrait.face.landmarks` (MediaPipe's
  landmark model) when it is installed (`--no-detect` skips it).
The true landmarks are the same for both styles, so their rows differ only by name; the style
matters through the detector. Prints one JSON line per (source, style) with the absolute error
per angle (mean, median, 95th percentile, max), the mean per |yaw| bin, and the fit time; writes
benchmarks/results/face_pose.json.
"""

import argparse
import json
import os
import platform
import time

import numpy as np

from keras_portrait.data import SynthPortraits
from keras_portrait.imaging import canonical_mesh
from keras_portrait.imaging.alignment import five_point_landmarks
from keras_portrait.face.pose import head_pose

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "face_pose.json")
STYLES = ("photo", "painting")
YAW_BINS = ((0, 20), (20, 40), (40, 60))
ANGLES = ("yaw", "pitch", "roll")
_TRUE_SOURCES = {
    "true_3d": lambda s: s["landmarks_3d"],
    "true_2d": lambda s: s["landmarks_2d"],
    "true_68": lambda s: s["landmarks_3d"][list(canonical_mesh.LANDMARKS_68), :2],
    "true_5": lambda s: five_point_landmarks(s["landmarks_2d"]),
}


def _detector():
    """`landmarks(image)` when the landmark model is installed, else None (with the reason)."""
    try:
        from keras_portrait.face.landmarks import landmarks
        landmarks(np.zeros((64, 64, 3), np.uint8))
    except (ImportError, FileNotFoundError) as error:
        print(json.dumps({"detector": None, "reason": str(error)}), flush=True)
        return None
    return landmarks


def _summary(source, style, errors, poses, seconds, failures):
    row = {"source": source, "style": style, "renders": len(errors) + failures,
           "failures": failures}
    if not errors:
        return row
    errors = np.abs(np.array(errors))
    for k, name in enumerate(ANGLES):
        e = errors[:, k]
        row[name] = {"mean": float(e.mean()), "median": float(np.median(e)),
                     "p95": float(np.percentile(e, 95)), "max": float(e.max())}
    yaw = np.abs(np.array(poses)[:, 0])
    row["mean_by_abs_yaw"] = {
        f"{low}-{high}": [float(v) for v in errors[(yaw >= low) & (yaw < high)].mean(0)]
        for low, high in YAW_BINS if ((yaw >= low) & (yaw < high)).any()}
    row["ms_per_fit"] = 1000 * seconds / len(errors)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="renders per style")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-detect", action="store_true")
    args = parser.parse_args()
    detect = None if args.no_detect else _detector()
    sources = list(_TRUE_SOURCES) + (["detected_3d", "detected_2d"] if detect else [])
    data = SynthPortraits(seed=args.seed)
    acc = {(source, style): {"errors": [], "poses": [], "seconds": 0.0, "failures": 0}
           for source in sources for style in STYLES}
    for index in range(args.count):
        for style in STYLES:
            sample = data.sample(index, size=args.size, style=style, yaw_range=(-60.0, 60.0),
                                 pitch_range=(-20.0, 20.0), roll_range=(-20.0, 20.0))
            inputs = {name: get(sample) for name, get in _TRUE_SOURCES.items()}
            if detect:
                mesh = detect(sample["image"])
                inputs["detected_3d"] = mesh
                inputs["detected_2d"] = None if mesh is None else mesh[:, :2]
            for source, points in inputs.items():
                entry = acc[(source, style)]
                if points is None:
                    entry["failures"] += 1
                    continue
                start = time.perf_counter()
                fitted = head_pose(points)
                entry["seconds"] += time.perf_counter() - start
                entry["errors"].append(fitted.angles - sample["pose"])
                entry["poses"].append(sample["pose"])
    rows = []
    for (source, style), entry in acc.items():
        rows.append(_summary(source, style, **entry))
        print(json.dumps(rows[-1]), flush=True)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump({"command": "python benchmarks/face_pose.py " + " ".join(
                       f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
                       if k != "no_detect") + (" --no-detect" if args.no_detect else ""),
                   "protocol": {"yaw": [-60, 60], "pitch": [-20, 20], "roll": [-20, 20],
                                "size": args.size, "seed": args.seed,
                                "renders_per_style": args.count, "error": "absolute, degrees"},
                   "machine": platform.processor() or platform.machine(),
                   "affinity": sorted(os.sched_getaffinity(0)), "results": rows}, f, indent=2)
    print("wrote", RESULTS)


if __name__ == "__main__":
    main()
