"""Times every SynthPortraits style on one core at 64, 128 and 256 pixels.

Run pinned to one core:  taskset -c 0 .venv/bin/python benchmarks/styles_throughput.py
Writes benchmarks/results/styles_throughput.json and prints a table of milliseconds per image.
The input is a procedural portrait (shaded head, hair, features, grain) with its mask, so the
benchmark needs neither the renderer nor any photo.
"""

import argparse
import json
import os
import platform
import time

import cv2
import numpy as np

from keras_portrait.data.synth.styles import STYLES, stylize

SIZES = (64, 128, 256)
# The per-style budgets at 64 and 128 pixels, in milliseconds.
BUDGET_MS = {64: 1.0, 128: 4.0}


def portrait(size):
    """A uint8 head-and-shoulders image with its int32 7-class mask, deterministic."""
    y, x = (np.mgrid[0:size, 0:size].astype(np.float32) + 0.5) / size
    mask = np.zeros((size, size), np.int32)
    image = np.empty((size, size, 3), np.float32)
    image[...] = np.array([110.0, 125.0, 150.0]) + 50.0 * y[..., None]
    regions = [
        (2, (0.5, 0.42, 0.38, 0.4), (70, 45, 30)),
        (1, (0.5, 0.55, 0.27, 0.35), (215, 165, 135)),
        (3, (0.39, 0.5, 0.05, 0.025), (40, 30, 25)),
        (3, (0.61, 0.5, 0.05, 0.025), (40, 30, 25)),
        (4, (0.39, 0.44, 0.07, 0.015), (60, 40, 30)),
        (4, (0.61, 0.44, 0.07, 0.015), (60, 40, 30)),
        (5, (0.5, 0.6, 0.04, 0.07), (200, 140, 115)),
        (6, (0.5, 0.74, 0.09, 0.03), (170, 70, 70)),
    ]
    for class_id, (cx, cy, rx, ry), colour in regions:
        inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0
        mask[inside] = class_id
        image[inside] = colour
    image *= (0.8 + 0.3 * (1.0 - y))[..., None]
    image += np.random.default_rng(0).normal(0.0, 6.0, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask


def time_style(style, size, min_seconds):
    """Milliseconds per call, wall clock and process CPU time, each the median of 5 repeats.

    Seeds vary from call to call; textures are cached first. On a shared machine the CPU time
    is the steadier of the two (it leaves out the time other processes hold the core).
    """
    image, mask = portrait(size)
    for seed in range(8):  # builds the cached textures of every seed bucket
        stylize(image, mask, style, seed)
    calls = 10
    while True:
        start = time.perf_counter()
        for i in range(calls):
            stylize(image, mask, style, i)
        if time.perf_counter() - start >= min_seconds / 5:
            break
        calls *= 2
    wall, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(calls):
            stylize(image, mask, style, i)
        wall.append((time.perf_counter() - start) / calls)
        cpu.append((time.process_time() - start_cpu) / calls)
    return 1e3 * float(np.median(wall)), 1e3 * float(np.median(cpu))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument(
        "--out",
        default=os.path.join(os.path.dirname(__file__), "results", "styles_throughput.json"),
    )
    args = parser.parse_args()
    cv2.setNumThreads(1)
    wall = {style: {} for style in STYLES}
    cpu = {style: {} for style in STYLES}
    for style in STYLES:
        for size in SIZES:
            wall_ms, cpu_ms = time_style(style, size, args.min_seconds)
            wall[style][str(size)] = round(wall_ms, 4)
            cpu[style][str(size)] = round(cpu_ms, 4)
    print(f"{'ms/image':<12s}" + "".join(f"{f'{size}px wall / cpu':>22s}" for size in SIZES))
    for style in STYLES:
        cells = "".join(
            f"{wall[style][str(size)]:>14.3f} / {cpu[style][str(size)]:<5.3f}" for size in SIZES
        )
        over = [
            f"{size}px over {budget} ms"
            for size, budget in BUDGET_MS.items()
            if min(wall[style][str(size)], cpu[style][str(size)]) > budget
        ]
        print(f"{style:<12s}{cells}   {'; '.join(over)}")
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.2f}")
    record = {
        "ms_per_image_wall": wall,
        "ms_per_image_cpu": cpu,
        "load_average_1min_at_end": round(load[0], 2),
        "budget_ms": {str(k): v for k, v in BUDGET_MS.items()},
        "threads": 1,
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "machine": platform.machine(),
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(record, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
