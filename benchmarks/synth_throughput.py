"""SynthPortraits throughput on one core: images per second through `render`, per size and style.

Run pinned to one core with single-threaded libraries:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 python benchmarks/synth_throughput.py

Writes benchmarks/results/synth_throughput.json and prints a table. "wall" is images per
second of elapsed time; "cpu" divides by the process CPU time, which is what the renderer costs
when the core is shared with other jobs. The caches (templates, identities, noise) are warmed by
one untimed pass over the same controls first: the figures are the steady state of a training
loop that revisits its identities.
"""

import argparse
import json
import os
import platform
import time

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from keras_portrait.data.synth import SynthPortraits  # noqa: E402
from keras_portrait.data.synth import styles  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                       "synth_throughput.json")


def render_controls(count, seed=123):
    """Varied controls (identity, expression, pose, ...) drawn once, the same for every run."""
    rng = np.random.default_rng(seed)
    return [dict(identity=int(rng.integers(200)), expression=int(rng.integers(7)),
                 intensity=float(rng.uniform(0.5, 1.0)), yaw=float(rng.uniform(-45, 45)),
                 pitch=float(rng.uniform(-15, 15)), roll=float(rng.uniform(-10, 10)))
            for _ in range(count)]


def measure(renderer, size, style, count):
    controls = render_controls(count)
    for kwargs in controls:  # warm the caches (templates, identities, noise)
        renderer.render(size=size, style=style, **kwargs)
    wall, cpu = time.perf_counter(), time.process_time()
    for kwargs in controls:
        renderer.render(size=size, style=style, **kwargs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"size": size, "style": style, "images": count,
            "wall_images_per_s": count / wall, "cpu_images_per_s": count / cpu}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    renderer = SynthPortraits(seed=0)
    rows = []
    for size in args.sizes:
        for style in styles.STYLES:
            count = args.count if style == "photo" else max(20, args.count // 4)
            rows.append(measure(renderer, size, style, count))
            r = rows[-1]
            print(f"{size:5d}  {style:12s} wall {r['wall_images_per_s']:7.1f} img/s   "
                  f"cpu {r['cpu_images_per_s']:7.1f} img/s", flush=True)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump({"machine": platform.processor() or platform.machine(),
                   "affinity": sorted(os.sched_getaffinity(0)), "results": rows}, f, indent=2)
    print("wrote", RESULTS)


if __name__ == "__main__":
    main()
