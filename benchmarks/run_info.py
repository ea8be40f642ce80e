"""What every benchmark result line starts with: which benchmark, the command, the machine and
how busy it was (shared by the scripts of this folder)."""

import json
import os
import platform
import shlex
import sys
import time

import keras
import numpy as np
import tensorflow as tf


def run_header(benchmark, load_start):
    """The first entries of a result row of `benchmarks/<benchmark>.py`; `load_start` is the
    1-minute load average read when the run began."""
    return {
        "benchmark": benchmark,
        "command": shlex.join(["python", f"benchmarks/{benchmark}.py", *sys.argv[1:]]),
        "machine": platform.machine(),
        "tensorflow": tf.__version__,
        "affinity": sorted(os.sched_getaffinity(0)),
        "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
    }


def append_row(path, row):
    """Prints `row` as one JSON line and appends it to the JSON-lines file `path`."""
    line = json.dumps(row)
    print(line)
    with open(path, "a") as f:
        f.write(line + "\n")


class CPUTime(keras.callbacks.Callback):
    """Adds this process's CPU seconds to `RUN/cpu.json` every `every` steps: the run's CPU
    time across resumes (a killed process loses at most `every` steps of it)."""

    def __init__(self, run, every=50):
        super().__init__()
        self.path = os.path.join(run, "cpu.json")
        self.every = every
        self.base = 0.0
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.base = json.load(f)["cpu_seconds"]
        self.start = time.process_time()

    def save(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w") as f:
            json.dump({"cpu_seconds": self.base + time.process_time() - self.start}, f)

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0:
            self.save()

    def on_train_end(self, logs=None):
        self.save()


# The terms of the real sources our presets train on (their cards name them).
TERMS = {
    "photos_pixabay": "Pixabay Content License (free use), per the source repository's data "
                      "README (Hossein88-eng/gender-classification-doe @c25b814, data/; repo MIT)",
    "paintings_louvre": "the works are in the public domain; the photographs come from the "
                        "Louvre's collections site, whose terms of reuse apply (via "
                        "Kozzlov/art-gange-classification-resnet18 @89e6225)",
}


def cpu_hours(paths):
    """The CPU hours of a run's stages: the sum of their `cpu.json` files (`CPUTime`)."""
    seconds = 0.0
    for path in paths:
        with open(path) as f:
            seconds += json.load(f)["cpu_seconds"]
    return seconds / 3600


def average_snapshots(paths, out):
    """Writes to `out` a model whose networks' weights are the means of those of the model
    files `paths` (snapshots of one run): checkpoint averaging, which smooths the swings of a
    GAN between checkpoints. Returns the averaged model."""
    models = [keras.saving.load_model(path, safe_mode=True) for path in paths]
    averaged = models[-1]
    for name in (*type(averaged).GENERATORS, *type(averaged).DISCRIMINATORS):
        weights = [getattr(model, name).get_weights() for model in models]
        getattr(averaged, name).set_weights([np.mean(ws, axis=0) for ws in zip(*weights)])
    averaged.save(out)
    return averaged
