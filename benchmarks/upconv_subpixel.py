"""Is the CycleGAN generator's stride-2 transposed convolution slow? An exact sub-pixel rewrite.

    .venv/bin/python benchmarks/upconv_subpixel.py [--reps 5] \
        [--out benchmarks/results/upconv_subpixel.json]

A 3×3 stride-2 transposed convolution (the generator's `up*_conv`: VALID, then the first row and
column cropped, the reference's pixel alignment) computes each output pixel from 1, 2 or 4 of
its kernel's 9 taps. If the backend lowered it as a convolution over a zero-dilated input, it
would spend 4× the needed multiplications; the same function is a 2×2 convolution of the input
(padded by one zero row and column at the end) to 4 × out channels, one group per output phase,
then `depth_to_space(2)` — 16 taps per 4 outputs instead of 36. This prints, per layer shape
(the two up-convolutions of the generator at 128² and 256²), the forward + backward time (wall
and process CPU, median of `--reps` after 2 warm-up calls) of both forms, with and without XLA,
and their max difference (must be float rounding). One JSON line per shape and XLA setting.
"""

import argparse
import json
import time

import numpy as np
import tensorflow as tf

# For output phase p (0: even row/column, 1: odd) and input offset d (0: x[i], 1: x[i + 1]),
# the index of the transposed kernel's tap along that axis, or None when no tap applies.
TAPS = {0: {0: 1, 1: None}, 1: {0: 2, 1: 0}}


def transposed(x, kernel):
    """The generator's form: VALID stride-2 transposed conv, first row and column cropped."""
    side = x.shape[1]
    shape = [x.shape[0], 2 * side + 1, 2 * side + 1, kernel.shape[2]]
    return tf.nn.conv2d_transpose(x, kernel, shape, strides=2, padding="VALID")[:, 1:, 1:, :]


def subpixel(x, kernel):
    """The same function as a 2×2 convolution to 4 phases and `depth_to_space`."""
    out_channels, in_channels = kernel.shape[2], kernel.shape[3]
    zeros = tf.zeros((in_channels, out_channels))
    rows = []
    for dy in (0, 1):
        columns = []
        for dx in (0, 1):
            phases = []
            for py in (0, 1):
                for px in (0, 1):
                    ky, kx = TAPS[py][dy], TAPS[px][dx]
                    phases.append(zeros if ky is None or kx is None
                                  else tf.transpose(kernel[ky, kx]))
            columns.append(tf.concat(phases, axis=1))
        rows.append(tf.stack(columns))
    padded = tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]])
    return tf.nn.depth_to_space(tf.nn.conv2d(padded, tf.stack(rows), 1, "VALID"), 2)


def time_step(layer, x, kernel, jit, reps):
    @tf.function(jit_compile=jit)
    def step(x, kernel):
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = layer(x, kernel)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [x, kernel])

    for _ in range(2):
        step(x, kernel)
    walls, cpus = [], []
    for _ in range(reps):
        cpu, wall = time.process_time(), time.perf_counter()
        for value in step(x, kernel):
            value.numpy()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return round(float(np.median(walls)), 4), round(float(np.median(cpus)), 4)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", default=None, help="also write the lines to this JSON file")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    lines = []
    # (input side, in channels, out channels): up0 and up1 at 128², then at 256².
    for side, cin, cout in ((32, 256, 128), (64, 128, 64), (64, 256, 128), (128, 128, 64)):
        x = tf.constant(rng.normal(size=(1, side, side, cin)).astype(np.float32))
        kernel = tf.constant(rng.normal(size=(3, 3, cout, cin)).astype(np.float32) * 0.05)
        diff = float(np.abs(transposed(x, kernel) - subpixel(x, kernel)).max())
        for jit in (True, False):
            t_wall, t_cpu = time_step(transposed, x, kernel, jit, args.reps)
            s_wall, s_cpu = time_step(subpixel, x, kernel, jit, args.reps)
            line = {"input": [side, side, cin], "out_channels": cout, "jit": jit,
                    "max_abs_diff": diff, "transposed_s": t_wall, "transposed_cpu_s": t_cpu,
                    "subpixel_s": s_wall, "subpixel_cpu_s": s_cpu}
            print(json.dumps(line), flush=True)
            lines.append(line)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(lines, f, indent=1)


if __name__ == "__main__":
    main()
