"""Face masks: per-class IoU against SynthPortraits' exact masks, and seconds per image.

Run (pinned to one core so that the figures do not depend on the neighbours):
    nice -n 10 taskset -c 1 python benchmarks/face_masks.py

Prints one JSON line per measurement and writes benchmarks/results/face_masks.json:
- `iou`: per style (photo, painting) and method, the IoU of each class of
  `keras_portrait.labels.MASK_CLASSES` over `--count` renders at 256², yaw in ±60° (intersection
  and union summed over the renders), and their mean (mIoU). Methods: `parts` ("polygons" or
  "boxes") x `refine` ("grabcut" or None), with the true landmarks (the mask method alone), and
  polygons + GrabCut from the landmarks that `keras_portrait.face.landmarks.landmarks` finds
  (a render where it finds none counts as an all-background mask). The renders use
  `--seed` (the method's constants were chosen looking at seed 1; the default seed 7 is unseen).
- `speed`: per image size (256², 1024²) and method, median wall seconds per image and mean
  process CPU seconds, from an image in memory with its true landmarks (person segmentation,
  colour models and GrabCut included; landmark detection not).
"""

import argparse
import json
import os
import platform
import time

import numpy as np

from keras_portrait.data import SynthPortraits
from keras_portrait.face.masks import face_mask
from keras_portrait.labels import MASK_CLASSES

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "face_masks.json")
METHODS = (("polygons", "grabcut"), ("polygons", None), ("boxes", "grabcut"), ("boxes", None))


def _detector():
    try:
        from keras_portrait.face.landmarks import landmarks  # noqa: PLC0415
    except ImportError:
        return None
    return landmarks


def _iou_row(style, method, inter, union, images):
    iou = inter / np.maximum(union, 1)
    return {"kind": "iou", "style": style, **method, "images": images,
            "iou": {name: float(v) for name, v in zip(MASK_CLASSES, iou)},
            "miou": float(iou.mean())}


def measure_iou(dataset, style, count, detector):
    """IoU rows of every method over the same `count` renders."""
    methods = [{"parts": p, "refine": r, "landmarks": "true"} for p, r in METHODS]
    if detector is not None:
        methods.append({"parts": "polygons", "refine": "grabcut", "landmarks": "detected"})
    inter = np.zeros((len(methods), len(MASK_CLASSES)))
    union = np.zeros_like(inter)
    classes = np.arange(len(MASK_CLASSES))[:, None, None]
    for index in range(count):
        sample = dataset.sample(index, size=256, style=style, yaw_range=(-60.0, 60.0))
        truth = sample["mask"][None] == classes
        for k, method in enumerate(methods):
            points = sample["landmarks_3d"]
            if method["landmarks"] == "detected":
                points = detector(sample["image"])
            mask = face_mask(sample["image"], points, parts=method["parts"],
                             refine=method["refine"])
            predicted = mask[None] == classes
            inter[k] += (truth & predicted).sum(axis=(1, 2))
            union[k] += (truth | predicted).sum(axis=(1, 2))
    return [_iou_row(style, method, inter[k], union[k], count)
            for k, method in enumerate(methods)]


def measure_speed(dataset, size, count):
    samples = [dataset.sample(i, size=size, style="photo", yaw_range=(-60.0, 60.0))
               for i in range(count)]
    rows = []
    for parts, refine, hair in (("polygons", "grabcut", True), ("polygons", None, True),
                                ("polygons", None, False)):
        face_mask(samples[0]["image"], samples[0]["landmarks_3d"], parts=parts, refine=refine,
                  hair=hair)  # warm up (compilation, interpreter)
        walls, cpu = [], time.process_time()
        for sample in samples:
            start = time.perf_counter()
            face_mask(sample["image"], sample["landmarks_3d"], parts=parts, refine=refine,
                      hair=hair)
            walls.append(time.perf_counter() - start)
        cpu = (time.process_time() - cpu) / count
        rows.append({"kind": "speed", "size": size, "parts": parts, "refine": refine,
                     "hair": hair, "images": count, "median_s": float(np.median(walls)),
                     "cpu_s": cpu, "load_average_1min": os.getloadavg()[0]})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--speed-count", type=int, default=10)
    args = parser.parse_args()
    dataset = SynthPortraits(seed=args.seed)
    detector = _detector()
    rows = [{"kind": "machine", "cpus_allowed": len(os.sched_getaffinity(0)),
             "platform": platform.platform(), "python": platform.python_version(),
             "seed": args.seed}]
    print(json.dumps(rows[0]), flush=True)
    for style in ("photo", "painting"):
        for row in measure_iou(dataset, style, args.count, detector):
            rows.append(row)
            print(json.dumps(row), flush=True)
    for size in (256, 1024):
        for row in measure_speed(dataset, size, args.speed_count):
            rows.append(row)
            print(json.dumps(row), flush=True)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(rows, f, indent=1)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
