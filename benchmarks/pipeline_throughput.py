"""Images/s of `image_folder` against what a CycleGAN train step consumes at the same size.

Builds a temporary folder of JPEGs from the real photos in /work/shared/data/faces (copies and
flipped/cropped re-encodings, written only to a temp dir), times the pipeline at each size, batch
and augment setting, then times the train step of `keras_portrait.CycleGAN` in its reference configuration
(two ResNet-9 generators, two 70×70 PatchGANs, image pools) at batch 1 after warm-up.
A step consumes 2 × batch images (one per domain). Writes benchmarks/results/pipeline_throughput.json.

    .venv/bin/python benchmarks/pipeline_throughput.py
"""

import argparse
import glob
import json
import os
import platform
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps

from keras_portrait.data.folder import image_folder
from keras_portrait.data.scan import scan_folder
from keras_portrait import CycleGAN

FACES = "/work/shared/data/faces"
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "pipeline_throughput.json")


def make_jpeg_folder(folder, count):
    """`count` JPEGs: the originals first, then flipped / cropped re-encodings of them."""
    sources = sorted(glob.glob(os.path.join(FACES, "*.jpg")))
    if not sources:
        raise FileNotFoundError(f"No JPEG in {FACES}")
    for index in range(count):
        source = sources[index % len(sources)]
        target = os.path.join(folder, f"{index:04d}.jpg")
        variant = index // len(sources)
        if variant == 0:
            with open(source, "rb") as f, open(target, "wb") as g:
                g.write(f.read())
            continue
        with Image.open(source) as image:
            image = image.convert("RGB")
            if variant % 2:
                image = ImageOps.mirror(image)
            margin = 16 * variant
            image = image.crop((margin, margin, image.width - margin, image.height - margin))
            image.save(target, quality=90)


def time_pipeline(folder, image_size, batch_size, augment, images):
    """Steady-state images/s (after one warm-up pass of 2 batches)."""
    dataset = image_folder(folder, image_size=image_size, batch_size=batch_size, augment=augment,
                           repeat=True, seed=0, verbose=False)
    iterator = iter(dataset)
    for _ in range(2):
        next(iterator)
    batches = max(1, images // batch_size)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def time_train_step(image_size, steps, batch_size=1):
    """Seconds per `keras_portrait.CycleGAN` train step (reference configuration) after warm-up,
    and the seconds of the first call (tracing)."""
    gan = CycleGAN(seed=0)
    gan.compile()
    real = tf.random.uniform((batch_size, image_size, image_size, 3), -1, 1, seed=0)
    gan(real)  # builds the image pools, as `fit` does
    step = tf.function(gan.train_step)
    start = time.perf_counter()
    step((real, real))
    trace = time.perf_counter() - start
    step((real, real))
    start = time.perf_counter()
    for _ in range(steps):
        logs = step((real, real))
    float(logs["g_loss"])
    return (time.perf_counter() - start) / steps, trace


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=200, help="JPEGs in the temp folder")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--timed-images", type=int, default=400, help="images timed per pipeline run")
    parser.add_argument("--steps", type=int, nargs="+", default=[5, 2], help="timed train steps per size")
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()

    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "tensorflow": tf.__version__, "keras": keras.__version__,
                           "note": "2 shared cores; other jobs may have been running"},
               "images": args.images, "pipeline": [], "train_step": []}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        make_jpeg_folder(folder, args.images)
        results["folder_seconds"] = round(time.perf_counter() - start, 2)
        report_path = os.path.join(folder, "scan.json")
        for key in ("scan_seconds", "rescan_seconds"):
            start = time.perf_counter()
            scan_folder(folder, report_path=report_path, verbose=False)
            results[key] = round(time.perf_counter() - start, 3)
        for size in args.sizes:
            for batch_size in args.batch_sizes:
                for augment in (False, True):
                    rate = time_pipeline(folder, size, batch_size, augment, args.timed_images)
                    results["pipeline"].append({"image_size": size, "batch_size": batch_size,
                                                "augment": augment, "images_per_s": round(rate, 1)})
                    print(f"pipeline {size}² batch {batch_size} augment {augment}: {rate:.1f} images/s",
                          flush=True)
    for size, steps in zip(args.sizes, args.steps * len(args.sizes)):
        seconds, trace = time_train_step(size, steps)
        results["train_step"].append({"image_size": size, "batch_size": 1, "seconds_per_step": round(seconds, 3),
                                      "first_call_seconds": round(trace, 1),
                                      "images_per_s": round(2 / seconds, 4)})
        print(f"train step {size}² batch 1: {seconds:.3f} s/step (first call {trace:.1f} s)", flush=True)
    add_ratios(results)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    print_table(results)


def add_ratios(results):
    """Pipeline images/s over train-step images/s (2 × batch images per step) at the same size."""
    consumed = {row["image_size"]: 2 * row["batch_size"] / row["seconds_per_step"] for row in results["train_step"]}
    for row in results["pipeline"]:
        row["ratio_to_train_step"] = round(row["images_per_s"] / consumed[row["image_size"]], 1)


def print_table(results):
    print(f"\nscan of {results['images']} JPEGs: {results['scan_seconds']} s, "
          f"rerun from the JSON cache: {results['rescan_seconds']} s")
    print(f"{'size':>5} {'batch':>5} {'augment':>7} {'pipeline img/s':>14} {'train img/s':>11} {'ratio':>7}")
    consumed = {row["image_size"]: row["images_per_s"] for row in results["train_step"]}
    for row in results["pipeline"]:
        print(f"{row['image_size']:>5} {row['batch_size']:>5} {str(row['augment']):>7} "
              f"{row['images_per_s']:>14.1f} {consumed[row['image_size']]:>11.3f} "
              f"{row['ratio_to_train_step']:>6.1f}x")
    for row in results["train_step"]:
        print(f"train step {row['image_size']}², batch 1: {row['seconds_per_step']} s "
              f"(= {row['images_per_s']} images/s consumed, first call {row['first_call_seconds']} s)")


if __name__ == "__main__":
    main()
