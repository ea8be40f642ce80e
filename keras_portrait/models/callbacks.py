"""Callbacks that make a GAN run watchable and trustworthy: sample grids, a non-finite-loss
guard and a per-epoch JSON log (the resumable backup is in `backup.py`)."""

import json
import os
import time

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from keras_portrait.grids import save_image
from keras_portrait.grids import with_title


class SampleGrid(keras.callbacks.Callback):
    """Writes a PNG grid of the model's outputs for the same fixed inputs every N epochs.

    The inputs (`model.sample_inputs(num_samples, seed)`) are drawn once, at the first train
    begin, so consecutive grids differ only by what the model learnt. A grid is also written at
    train end when the last epoch had none. Files are `samples_epoch_{n:04d}.png`, `n` the
    number of completed epochs. Each grid is `model.sample_grid`'s (whose labels, when it has
    some, name its columns) under the title "epoch n".

    Args:
        out_dir: str. Folder of the PNG files.
        num_samples: int. Images per grid. Defaults to `64`.
        every_n_epochs: int. Epochs between grids. Defaults to `1`.
        seed: int. Seed of the fixed inputs, apart from the model's noise. Defaults to `0`.
        log_dir: str or None. Also writes each grid to TensorBoard there (tag "samples").
    """

    def __init__(self, out_dir, num_samples=64, every_n_epochs=1, seed=0, log_dir=None):
        super().__init__()
        if num_samples < 1:
            raise ValueError(f"`num_samples` must be >= 1. Received: num_samples={num_samples}")
        if seed is None:
            # Drawn from the model's own generator, the inputs would shift the training noise.
            raise ValueError("`seed` must be an int: the grid's inputs need their own seed.")
        if every_n_epochs < 1:
            raise ValueError(
                f"`every_n_epochs` must be >= 1. Received: every_n_epochs={every_n_epochs}"
            )
        self.out_dir = out_dir
        self.num_samples = num_samples
        self.every_n_epochs = every_n_epochs
        self.seed = seed
        self.log_dir = log_dir
        self.inputs = None
        self._writer = None
        self._completed_epochs = None
        self._last_written = None

    def path(self, epoch):
        """The PNG file of the grid after `epoch` completed epochs."""
        return os.path.join(self.out_dir, f"samples_epoch_{epoch:04d}.png")

    def on_train_begin(self, logs=None):
        if self.inputs is None:
            self.inputs = self.model.sample_inputs(self.num_samples, self.seed)

    def on_epoch_end(self, epoch, logs=None):
        self._completed_epochs = epoch + 1
        if self._completed_epochs % self.every_n_epochs == 0:
            self.write(self._completed_epochs)

    def on_train_end(self, logs=None):
        if self._completed_epochs is not None and self._last_written != self._completed_epochs:
            self.write(self._completed_epochs)

    def write(self, epoch):
        """Writes the grid of the current model under `epoch`; returns the uint8 grid."""
        grid = with_title(self.model.sample_grid(self.inputs), f"epoch {epoch}")
        save_image(self.path(epoch), grid)
        if self.log_dir is not None:
            self._writer = self._writer or SummaryWriter(self.log_dir)
            self._writer.image("samples", grid, epoch)
        self._last_written = epoch
        return grid


class SummaryWriter:
    """Writes images and scalars in TensorBoard's event format with TensorFlow alone.

    `tf.summary.image` and `tf.summary.scalar` need the `tensorboard` package, which is not a
    dependency; this writes the same records (plugin "images": a string tensor [width, height,
    png]; plugin "scalars": a float32 scalar) through `tf.summary.write`.

    Args:
        log_dir: str. The TensorBoard folder.
    """

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self._writer = tf.summary.create_file_writer(log_dir)

    def image(self, tag, image, step):
        """One uint8 (H, W, 3) image."""
        height, width = image.shape[:2]
        record = tf.stack([str(width), str(height), tf.io.encode_png(image)])
        self._write(tag, record, step, "images")

    def scalar(self, tag, value, step):
        self._write(tag, float(value), step, "scalars")

    def _write(self, tag, tensor, step, plugin):
        metadata = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin)
        )
        with self._writer.as_default():
            tf.summary.write(tag, tensor, step=step, metadata=metadata)
        self._writer.flush()


class GlobalStepCallback(keras.callbacks.Callback):
    """Counts training steps across epochs, from `initial_step` (the steps a resumed run has)."""

    def __init__(self, initial_step=0):
        super().__init__()
        self.global_step = initial_step
        self.epoch = None
        self._batches_in_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self._batches_in_epoch = 0

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the index of the last step run; with steps_per_execution > 1 it jumps.
        self.global_step += batch + 1 - self._batches_in_epoch
        self._batches_in_epoch = batch + 1


def non_finite(logs):
    """The names of the logged values that are NaN or infinite."""
    return [
        name for name, value in (logs or {}).items()
        if not np.all(np.isfinite(np.asarray(value, dtype=np.float64)))
    ]


class NonFiniteLossError(RuntimeError):
    """Raised by `NonFiniteLossGuard` at the first step whose logged loss is NaN or infinite."""


class NonFiniteLossGuard(GlobalStepCallback):
    """Stops training by raising `NonFiniteLossError` at the first step with a NaN/Inf loss.

    Raising (rather than setting `stop_training`) skips the rest of `fit`: no callback after
    this one sees the step, and no epoch-end or train-end hook runs, so nothing saves the
    broken weights. Put it first in the callback list.

    Args:
        initial_step: int. Steps already run before this `fit` (a resumed run). Defaults to `0`.
    """

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        bad = non_finite(logs)
        if bad:
            values = ", ".join(f"{name}={float(np.ravel(logs[name])[0])}" for name in bad)
            epochs = self.params.get("epochs", "?")
            raise NonFiniteLossError(
                f"Non-finite loss at training step {self.global_step} (epoch {self.epoch + 1} of "
                f"{epochs}): {values}. Training stopped."
            )


class EpochLog(keras.callbacks.Callback):
    """Keeps `path` (JSON) up to date with the losses of every completed epoch.

    The file is `{"epochs": [{"epoch": n, "step": s, "seconds": t, <loss>: value, ...}]}` with
    `n` counted from 1. An entry for an epoch replaces the one already there and drops the
    later ones, so a resumed run leaves the same log as an uninterrupted one.

    Args:
        path: str. The JSON file.
        step_counter: a callback with a `global_step` attribute, or None (no "step" field).
        log_dir: str or None. Also writes each epoch's losses to TensorBoard there.
    """

    def __init__(self, path, step_counter=None, log_dir=None):
        super().__init__()
        self.path = path
        self.step_counter = step_counter
        self.log_dir = log_dir
        self._writer = None
        self._started = None

    def read(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as f:
            return json.load(f)["epochs"]

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        entry = {"epoch": epoch + 1}
        if self.step_counter is not None:
            entry["step"] = self.step_counter.global_step
        entry["seconds"] = round(time.monotonic() - self._started, 3)
        losses = {name: float(np.ravel(value)[0]) for name, value in (logs or {}).items()}
        entry.update(losses)
        entries = [e for e in self.read() if e["epoch"] < entry["epoch"]] + [entry]
        write_json_atomically(self.path, {"epochs": entries})
        if self.log_dir is not None:
            self._writer = self._writer or SummaryWriter(self.log_dir)
            for name, value in losses.items():
                self._writer.scalar(f"epoch_{name}", value, epoch + 1)


def write_json_atomically(path, data):
    """Writes JSON so that a reader (or a process killed meanwhile) sees the old or new file."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    partial = f"{path}.partial"
    with open(partial, "w") as f:
        json.dump(data, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)

