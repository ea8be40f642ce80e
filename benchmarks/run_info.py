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


class LinearDecayFrom(keras.callbacks.Callback):
    """Each optimizer's paper rate (the family's `OPTIMIZERS`) until optimizer step `start`,
    then linear to 0 over `steps` (0: constant). It sets the optimizers' learning-rate variables
    before each batch from their own step count, so a resumed run follows it (a
    `LearningRateSchedule` would change the optimizers' variables, and the backup of a
    constant-rate run would not load)."""

    def __init__(self, start, steps):
        super().__init__()
        self.start, self.steps = start, steps

    def on_train_batch_begin(self, batch, logs=None):
        if not self.steps:
            return
        optimizers = (self.model.g_optimizer, self.model.d_optimizer)
        for optimizer, paper in zip(optimizers, type(self.model).OPTIMIZERS):
            step = int(optimizer.iterations.numpy())
            factor = min(max(1.0 - (step - self.start) / self.steps, 0.0), 1.0)
            optimizer.learning_rate.assign(paper["learning_rate"] * factor)


def init_networks(gan, path):
    """Sets the networks of `gan` (its `GENERATORS` and `DISCRIMINATORS`) to those of the model
    file `path` of the same family (e.g. a preset, or a run at a smaller size); a network the
    file lacks starts as the file's network of the same role with the same domain suffix
    (`discriminator_face_b` as `discriminator_b`), else as it is."""
    start_from = keras.saving.load_model(path, safe_mode=True)
    for name in (*type(gan).GENERATORS, *type(gan).DISCRIMINATORS):
        network = getattr(gan, name, None)
        if network is None:
            continue
        trained = getattr(start_from, name, None)
        if trained is None and name.startswith("discriminator_face_"):
            trained = getattr(start_from, "discriminator_" + name[len("discriminator_face_"):])
        if trained is not None:
            network.set_weights(trained.get_weights())


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
