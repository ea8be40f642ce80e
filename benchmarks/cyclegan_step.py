"""CycleGAN train-step speed (reference configuration) and generator latency, on 2 cores.

    .venv/bin/python benchmarks/cyclegan_step.py [--sizes 128 256] [--steps 10] [--warmup 2]
        [--jit both|on|off] [--data memory synth] [--eager] [--no-train]
        [--latency | --no-latency]
        [--cores 2] [--onednn default|on|off] [--inter-op N]
        [--out benchmarks/results/cyclegan_step.json]

The model is `keras_portrait.CycleGAN()` with its defaults, the reference configuration:
ngf = ndf = 64, 9 residual blocks, instance norm without affine, LSGAN, cycle 10, identity
mapping 0.5 × 10, image pools of 50, Adam 2e-4 (β1 0.5). It trains with `fit` on batches of 1.

Unit: one `train_step` on a batch of 1 takes one image of domain A and one of domain B and
updates both generators and both discriminators, as one iteration of the reference code does.
We count it as ONE training image, so images/s = steps/s × batch size (the PyTorch reference
and the keras.io scripts in benchmarks/reference/ count the same way).

Each configuration runs in a fresh subprocess pinned to the first `--cores` CPUs (thread pools
and XLA caches do not leak between runs) and prints one JSON line:

- `kind: "train"`: `--warmup` steps first (the first one traces the step, and under
  `jit_compile=True` compiles it with XLA; its time is `first_step_seconds`), then `--steps`
  timed steps inside the same `fit` call (a callback takes the time of each step; the data
  fetch is inside the step). `data: "memory"` feeds one fixed in-memory pair, repeated;
  `data: "synth"` renders SynthPortraits on the fly (`keras_portrait.data.synth_portraits`),
  the real input pipeline, so the difference is what the pipeline costs; `eager: true` runs
  the step without `tf.function`, which is what graph tracing gains. `traces` counts the
  Python calls of `train_step`: 1 means the step was traced once and never retraced.
- `kind: "synth_pipeline"`: the SynthPortraits pipeline alone, pairs/s at that size.
- `kind: "latency"`: the A → B generator at 256², batch 1: Keras (`tf.function`, with and
  without XLA) and the builtins-only .tflite files of `keras_portrait.export_generator` (fp32,
  int8 calibrated on SynthPortraits) under LiteRT with 2 threads; median of `--repeats`.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time


def pin(cores):
    """Restricts this process to the first `cores` CPUs (0: leaves it alone)."""
    if cores and hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, available[:cores])


def memory_dataset(tf, size):
    import numpy as np

    rng = np.random.default_rng(size)
    pair = tuple(rng.uniform(-1, 1, (1, size, size, 3)).astype("float32") for _ in range(2))
    return tf.data.Dataset.from_tensors(pair).repeat()


def synth_dataset(size, num_examples=4096):
    from keras_portrait.data import synth_portraits

    return synth_portraits(
        family="cyclegan", image_size=size, batch_size=1, num_examples=num_examples,
        repeat=True,
    )


def measure_train(size, jit, data, eager, steps, warmup):
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_portrait

    class TracedCycleGAN(keras_portrait.CycleGAN):
        traces = 0

        def train_step(self, batch):
            # Runs in Python once per trace (every step when eager).
            TracedCycleGAN.traces += 1
            return super().train_step(batch)

    class StepTimes(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

            self.cpu_times = []

        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()
            self.cpu_start = time.process_time()

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter() - self.start)
            self.cpu_times.append(time.process_time() - self.cpu_start)
            self.last_logs = logs

    keras.utils.set_random_seed(0)
    model = TracedCycleGAN(seed=0)
    model.compile(jit_compile=jit, run_eagerly=eager)
    dataset = memory_dataset(tf, size) if data == "memory" else synth_dataset(size)
    timer = StepTimes()
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[timer])
    fit_seconds = time.perf_counter() - start
    timed = timer.times[warmup:]
    losses = {k: float(v) for k, v in timer.last_logs.items()}
    return {
        "kind": "train",
        "implementation": "keras_portrait",
        "image_size": size,
        "batch_size": 1,
        "jit_compile": jit,
        "data": data,
        "eager": eager,
        "steps": steps,
        "images_per_second": len(timed) / sum(timed),
        "median_step_seconds": float(np.median(timed)),
        "min_step_seconds": float(np.min(timed)),
        "cpu_seconds_per_step": float(np.mean(timer.cpu_times[warmup:])),
        "first_step_seconds": timer.times[0],
        "fit_seconds": fit_seconds,
        "traces": TracedCycleGAN.traces,
        "finite": all(np.isfinite(v) for v in losses.values()),
        "generator_parameters": model.generator_a2b.count_params(),
        "discriminator_parameters": model.discriminator_a.count_params(),
    }


def measure_pipeline(size, steps):
    dataset = iter(synth_dataset(size))
    next(dataset)  # starts the worker threads
    start = time.perf_counter()
    for _ in range(steps):
        next(dataset)
    seconds = time.perf_counter() - start
    return {"kind": "synth_pipeline", "image_size": size, "batch_size": 1, "pairs": steps,
            "pairs_per_second": steps / seconds}


def measure_latency(size, repeats):
    import numpy as np
    import tensorflow as tf

    import keras_portrait

    model = keras_portrait.CycleGAN(seed=0)
    generator = model.generator_a2b
    images = np.random.default_rng(0).uniform(-1, 1, (1, size, size, 3)).astype("float32")
    images = tf.constant(images)
    result = {"kind": "latency", "image_size": size, "batch_size": 1, "repeats": repeats}

    def median_seconds(call, warmup=2):
        for _ in range(warmup):
            np.asarray(call())
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            np.asarray(call())
            times.append(time.perf_counter() - start)
        return float(np.median(times))

    for name, jit in (("keras_ms", False), ("keras_xla_ms", True)):
        forward = tf.function(lambda x: generator(x, training=False), jit_compile=jit)
        result[name] = 1e3 * median_seconds(lambda: forward(images))

    calibration = synth_dataset(size, num_examples=32).unbatch().map(lambda a, b: a).take(32)
    with tempfile.TemporaryDirectory() as out_dir:
        cards = keras_portrait.export_generator(
            model, out_dir, image_size=size, formats=("fp32", "int8"),
            representative_data=calibration, num_threads=2,
        )
        for fmt, card in cards.items():
            runner = keras_portrait.LiteRTRunner(card["path"], num_threads=2)
            result[f"tflite_{fmt}_ms"] = 1e3 * runner.latency(repeats=repeats, warmup=2)
            result[f"tflite_{fmt}_parity"] = card.get("parity_vs_keras")
            result[f"tflite_{fmt}_export_card_ms"] = (card.get("latency") or {}).get("median_ms")
    result["tflite_num_threads"] = 2
    return result


def run_child(args, job):
    command = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(job),
               "--steps", str(args.steps), "--warmup", str(args.warmup),
               "--repeats", str(args.repeats), "--cores", str(args.cores),
               "--inter-op", str(args.inter_op)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if args.onednn != "default":
        env["TF_ENABLE_ONEDNN_OPTS"] = "1" if args.onednn == "on" else "0"
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        return {**job, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def jobs_of(args):
    jits = {"both": (False, True), "on": (True,), "off": (False,)}[args.jit]
    jobs = []
    for size in args.sizes:
        for data in args.data if args.train else ():
            for jit in jits:
                jobs.append({"kind": "train", "size": size, "jit": jit, "data": data,
                             "eager": False})
        if args.eager and args.train:
            jobs.append({"kind": "train", "size": size, "jit": False, "data": "memory",
                         "eager": True})
        if "synth" in args.data:
            jobs.append({"kind": "synth_pipeline", "size": size})
    if args.latency:
        jobs.append({"kind": "latency", "size": args.latency_size})
    return jobs


def child(args):
    pin(args.cores)
    job = json.loads(args.child)
    if args.inter_op:
        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)
    if job["kind"] == "train":
        result = measure_train(job["size"], job["jit"], job["data"], job["eager"],
                               args.steps, args.warmup)
    elif job["kind"] == "synth_pipeline":
        result = measure_pipeline(job["size"], max(args.steps, 20))
    else:
        result = measure_latency(job["size"], args.repeats)
    import tensorflow as tf

    result.update(tensorflow=tf.__version__, cpus_available=len(os.sched_getaffinity(0)),
                  onednn=os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
                  inter_op_threads=tf.config.threading.get_inter_op_parallelism_threads(),
                  xla_flags=os.environ.get("XLA_FLAGS"))
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--steps", type=int, default=10, help="timed steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps, tracing included")
    parser.add_argument("--jit", choices=("both", "on", "off"), default="both")
    parser.add_argument("--data", nargs="+", choices=("memory", "synth"), default=["memory"],
                        help="memory: one fixed pair; synth: SynthPortraits rendered on the fly")
    parser.add_argument("--train", action=argparse.BooleanOptionalAction, default=True,
                        help="--no-train: only the pipeline and latency measurements")
    parser.add_argument("--eager", action="store_true",
                        help="also time the step without tf.function (run_eagerly)")
    parser.add_argument("--latency", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--latency-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=10, help="latency repeats")
    parser.add_argument("--cores", type=int, default=2,
                        help="pin each run to the first N CPUs (0: no pinning)")
    parser.add_argument("--onednn", choices=("default", "on", "off"), default="default",
                        help="TF_ENABLE_ONEDNN_OPTS of the runs (default: TensorFlow's choice, "
                        "which is off on CPUs without AVX-512 VNNI/BF16/AMX)")
    parser.add_argument("--inter-op", type=int, default=0,
                        help="TensorFlow inter-op threads (0: TensorFlow's default)")
    parser.add_argument("--out", default="benchmarks/results/cyclegan_step.json",
                        help="JSON lines file the results are appended to ('' for none)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    machine = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
               "load_before": os.getloadavg()[0]}
    for job in jobs_of(args):
        result = {**run_child(args, job), **machine, "load_after": os.getloadavg()[0]}
        machine["load_before"] = result["load_after"]
        print(json.dumps(result), flush=True)
        if args.out:
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out, "a") as f:
                f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
