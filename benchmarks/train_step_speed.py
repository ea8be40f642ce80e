"""Train steps/s of DCGAN and WGAN-GP at 64² batch 64 on this machine, with and without XLA.

    .venv/bin/python benchmarks/train_step_speed.py [--steps 20] [--out benchmarks/results/...]

Each configuration runs in a fresh subprocess (so XLA compilation caches and thread pools do not
leak between them): warm-up steps first (tracing, and compiling under `jit_compile=True`), then
the timed steps. A "step" is one `train_step`: for WGAN-GP that is 5 critic updates and one
generator update.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

CONFIGS = [(f, j) for f in ("dcgan", "wgan-gp") for j in (False, True)]


def measure(family, jit, steps, warmup, image_size, batch_size):
    import numpy as np
    import tensorflow as tf

    from keras_portrait import DCGAN, WGANGP

    model = {"dcgan": DCGAN, "wgan-gp": WGANGP}[family](image_size=image_size, seed=0)
    model.compile(jit_compile=jit)
    images = np.random.default_rng(0).uniform(-1, 1, (batch_size, image_size, image_size, 3))
    dataset = tf.data.Dataset.from_tensors(images.astype("float32")).repeat()
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=warmup, epochs=1, verbose=0)
    warmup_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    return {
        "family": family,
        "jit_compile": jit,
        "image_size": image_size,
        "batch_size": batch_size,
        "steps": steps,
        "steps_per_second": steps / seconds,
        "images_per_second": steps * batch_size / seconds,
        "first_fit_seconds": warmup_seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", default="benchmarks/results/train_step_speed.json")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # family jit: child mode
    args = parser.parse_args()
    if args.one:
        family, jit = args.one[0], args.one[1] == "1"
        result = measure(family, jit, args.steps, args.warmup, args.image_size, args.batch_size)
        print(json.dumps(result))
        return
    results = []
    for family, jit in CONFIGS:
        command = [sys.executable, __file__, "--one", family, str(int(jit))]
        command += ["--steps", str(args.steps), "--warmup", str(args.warmup)]
        command += ["--image-size", str(args.image_size), "--batch-size", str(args.batch_size)]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(
            f"{family:8s} jit_compile={str(jit):5s}  {r['steps_per_second']:6.3f} steps/s  "
            f"{r['images_per_second']:7.1f} img/s  first fit {r['first_fit_seconds']:.0f} s"
        )
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"machine": platform.processor() or platform.machine(),
                   "cpus": os.cpu_count(), "results": results}, f, indent=1)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
