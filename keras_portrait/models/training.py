"""`train`: `fit` with sample grids, a JSON log, a non-finite-loss guard and exact resume."""

import os
import time

import keras
import tensorflow as tf

from keras_portrait.models.backup import TrainingBackup
from keras_portrait.models.callbacks import EpochLog
from keras_portrait.models.callbacks import NonFiniteLossError
from keras_portrait.models.callbacks import NonFiniteLossGuard
from keras_portrait.models.callbacks import SampleGrid

BACKUP_DIR = "backup"
LOG_FILE = "log.json"
MODEL_FILE = "model.keras"
PROGRESS_SECONDS = 60.0  # with verbose=2, the most time between two lines inside an epoch


def train(
    model,
    dataset,
    out_dir,
    epochs,
    steps_per_epoch=None,
    checkpoint_every=None,
    sample_every=1,
    num_samples=64,
    sample_seed=0,
    log_dir=None,
    callbacks=None,
    verbose="auto",
):
    """Trains a GAN with `fit` into `out_dir`; the same call after a crash or kill resumes it.

    `out_dir` receives `samples_epoch_NNNN.png` (fixed inputs, every `sample_every` epochs;
    a family that translates real inputs uses those of `set_sample_batch`, else the data's
    first `num_samples` examples),
    `log.json` (the losses of every epoch), `backup/` (the whole training state, see
    `TrainingBackup`) and, at the end, `model.keras`. When `backup/` exists, training continues
    from its step: the weights, both optimizers, the seed generator and the epoch's running
    losses are restored and the data resumes at the next unseen batch, so the run ends as an
    uninterrupted one would. Calling again after the end only rewrites `model.keras`; a larger
    `epochs` trains further.

    The data is read as one stream, `dataset.repeat()`, of which an epoch is `steps_per_epoch`
    batches; a resumed run skips the batches already trained on. A seeded shuffle (as in
    `synth_portraits` and `image_folder(seed=...)`) is what makes the resumed order the same.

    Args:
        model: a compiled `BaseGAN` (compiled with its defaults when it is not).
        dataset: `tf.data.Dataset` of the model's batches.
        out_dir: str. The run folder.
        epochs: int. Total epochs of the run (not epochs to add).
        steps_per_epoch: int or None. Batches per epoch; None takes the dataset's length, which
            must then be known and finite.
        checkpoint_every: int or None. Steps between backups, besides every epoch end.
            Defaults to `None` (epoch ends only).
        sample_every: int. Epochs between sample grids. Defaults to `1`.
        num_samples: int. Images per sample grid. Defaults to `64`.
        sample_seed: int. Seed of the grids' fixed inputs. Defaults to `0`.
        log_dir: str or None. TensorBoard folder for the losses and the grids.
        callbacks: list or None. More callbacks, run after the guard and before the backup.
        verbose: "auto", 0, 1 or 2. Progress output of `fit`; any but 0 first prints what
            is trained (`describe`), and 2 adds a line at least every `PROGRESS_SECONDS`
            inside an epoch. Defaults to `"auto"`.

    Returns:
        The `keras.callbacks.History` of the epochs this call ran.

    Raises:
        NonFiniteLossError: at the first step with a NaN or infinite loss; the backup then
            still holds the last good state.
    """
    if epochs < 1:
        raise ValueError(f"`epochs` must be >= 1. Received: epochs={epochs}")
    if not getattr(model, "compiled", False):
        model.compile()
    steps_per_epoch = _steps_per_epoch(dataset, steps_per_epoch)
    os.makedirs(out_dir, exist_ok=True)

    backup = TrainingBackup(
        os.path.join(out_dir, BACKUP_DIR), steps_per_epoch, save_every=checkpoint_every
    )
    start = backup.restore(model)
    if start > epochs * steps_per_epoch:
        raise ValueError(
            f"{out_dir!r} already holds {start // steps_per_epoch} epochs (step {start}), more "
            f"than epochs={epochs}: pass a larger `epochs` or another folder."
        )
    _default_sample_batch(model, dataset, num_samples)
    guard = NonFiniteLossGuard(initial_step=start)
    run_callbacks = [
        guard,
        *(callbacks or []),
        SampleGrid(out_dir, num_samples, sample_every, seed=sample_seed, log_dir=log_dir),
        EpochLog(os.path.join(out_dir, LOG_FILE), step_counter=guard, log_dir=log_dir),
        backup,
    ]
    if verbose == 2:
        run_callbacks.append(_ProgressLines(steps_per_epoch))

    history = keras.callbacks.History()
    if start < epochs * steps_per_epoch:
        if verbose:
            _announce(model, dataset, out_dir, epochs, steps_per_epoch, start)
        history = _fit(model, dataset, backup, start, epochs, steps_per_epoch, run_callbacks,
                       verbose)
    _save_atomically(model, os.path.join(out_dir, MODEL_FILE))
    return history


def _default_sample_batch(model, dataset, num_samples):
    """A family that grids real inputs and has none set gets the data's first examples (up to
    `num_samples`, gathered over the first batches); `set_sample_batch` chooses others."""
    stored = getattr(model, "_sample_batch", None)
    if not hasattr(model, "set_sample_batch") or (stored is not None and
                                                  stored.value is not None):
        return
    batches, count = [], 0
    for batch in dataset:
        batches.append(batch)
        count += int(tf.shape(tf.nest.flatten(batch)[0])[0])
        if count >= num_samples:
            break
    if batches:
        joined = tf.nest.map_structure(lambda *parts: tf.concat(parts, axis=0)[:num_samples],
                                       *batches)
        model.set_sample_batch(joined)


def _announce(model, dataset, out_dir, epochs, steps_per_epoch, start):
    print(f"Training {describe(model, dataset)}: {steps_per_epoch} steps per epoch, "
          f"{epochs} epochs, into {out_dir}")
    if start:
        epoch, done_in_epoch = divmod(start, steps_per_epoch)
        print(f"Resuming {out_dir} at step {start}: epoch {epoch + 1}/{epochs}, "
              f"step {done_in_epoch + 1}/{steps_per_epoch}.")


def _fit(model, dataset, backup, start, epochs, steps_per_epoch, run_callbacks, verbose):
    """`fit` from step `start` of the data stream; a non-finite loss names the kept backup."""
    try:
        return model.fit(
            _stream(dataset).skip(start),
            epochs=epochs,
            initial_epoch=start // steps_per_epoch,
            steps_per_epoch=steps_per_epoch,
            shuffle=False,  # the order is the dataset's own (seeded) one
            callbacks=run_callbacks,
            verbose=verbose,
        )
    except NonFiniteLossError as error:
        state = backup.read_state()
        kept = f"step {state['global_step']}" if state else "no step (none was saved)"
        raise NonFiniteLossError(
            f"{error} The backup in {backup.backup_dir!r} holds the last good state: {kept}."
        ) from None


def describe(model, dataset):
    """What `train` trains, in one line: the model's class, the image size of `dataset`'s
    batches and the parameters of each of its generator and discriminator networks."""
    line = type(model).__name__
    shapes = [spec.shape for spec in tf.nest.flatten(dataset.element_spec)
              if spec.shape.rank == 4 and spec.shape[1] is not None]
    if shapes:
        line += f" on {shapes[0][1]}×{shapes[0][2]} images"
    networks = [*getattr(model, "generators", []), *getattr(model, "discriminators", [])]
    counts = [f"{network.name} {network.count_params():,}" for network in networks
              if network.built]
    return line + (f" (parameters: {', '.join(counts)})" if counts else "")


def _steps_per_epoch(dataset, steps_per_epoch):
    if steps_per_epoch is not None:
        if steps_per_epoch < 1:
            raise ValueError(
                f"`steps_per_epoch` must be >= 1. Received: steps_per_epoch={steps_per_epoch}"
            )
        return steps_per_epoch
    length = int(dataset.cardinality())
    if length == tf.data.INFINITE_CARDINALITY:
        raise ValueError("The dataset repeats forever: pass `steps_per_epoch`.")
    if length == tf.data.UNKNOWN_CARDINALITY:
        # Counting by iterating would also shift the seeded shuffles of the run.
        raise ValueError("The dataset's length is unknown (a filter?): pass `steps_per_epoch`.")
    if length == 0:
        raise ValueError("The dataset is empty.")
    return length


class _ProgressLines(keras.callbacks.Callback):
    """Inside an epoch, a line of the running losses every `PROGRESS_SECONDS`: `fit`'s
    `verbose=2` says nothing until the epoch ends, which may be an hour away."""

    def __init__(self, steps_per_epoch):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.epoch = 0
        self.last_line = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.last_line = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        now = time.monotonic()
        if now - self.last_line < PROGRESS_SECONDS:
            return
        self.last_line = now
        losses = " - ".join(f"{name}: {float(value):.4f}" for name, value in (logs or {}).items())
        print(f"epoch {self.epoch + 1}, step {batch + 1}/{self.steps_per_epoch} - {losses}",
              flush=True)


def _stream(dataset):
    """All epochs as one iterator: a seeded shuffle then gives the same order in every run."""
    if int(dataset.cardinality()) == tf.data.INFINITE_CARDINALITY:
        return dataset
    return dataset.repeat()


def _save_atomically(model, path):
    partial = path[: -len(".keras")] + ".partial.keras"
    model.save(partial)
    os.replace(partial, path)
