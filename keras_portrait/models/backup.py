"""`TrainingBackup`: the whole training state on disk, resumed at the exact step."""

import json
import os

import keras
import numpy as np

from keras_portrait.models.callbacks import GlobalStepCallback
from keras_portrait.models.callbacks import non_finite
from keras_portrait.models.callbacks import write_json_atomically


class TrainingBackup(GlobalStepCallback):
    """Backs up the whole training state so that a killed run resumes at the exact step.

    The backup holds the model's weights with both optimizers' states and the seed generator's
    state (`model.save_weights`), and a `state.json` with the global step, the steps per epoch
    and, for a mid-epoch backup, the running means of the epoch's losses. It is written every
    `save_every` steps and at every epoch end, never for a step with a non-finite loss. The
    weights go to a new file first and `state.json` is then replaced atomically, so a process
    killed at any moment leaves the previous backup whole.

    Unlike `keras.callbacks.BackupAndRestore` (which restores only the epoch, so a mid-epoch
    backup replays the start of the epoch on trained weights), a run resumed with `restore()`
    runs only the remaining steps of the interrupted epoch: `restore()` gives the step to
    resume at, and this callback ends that first epoch early (through `stop_training`, reset at
    its end). The caller feeds the data from that step on (`keras_portrait.models.training`).
    Put this callback last, so the epoch's other callbacks have run when it saves.

    Args:
        backup_dir: str. Folder of the backup, used by nothing else.
        steps_per_epoch: int. Steps in one epoch.
        save_every: int or None. Steps between backups (besides every epoch end); None backs up
            at epoch ends only. Defaults to `None`.
    """

    STATE_FILE = "state.json"

    def __init__(self, backup_dir, steps_per_epoch, save_every=None):
        super().__init__()
        if steps_per_epoch < 1:
            raise ValueError(f"`steps_per_epoch` must be >= 1. Received: {steps_per_epoch}")
        if save_every is not None and save_every < 1:
            raise ValueError(f"`save_every` must be >= 1 or None. Received: {save_every}")
        self.backup_dir = backup_dir
        self.steps_per_epoch = steps_per_epoch
        self.save_every = save_every
        self._saved_step = None
        self._pending_metrics = None
        self._partial_epoch_steps = None
        self._ended_epoch_early = False

    @property
    def state_path(self):
        return os.path.join(self.backup_dir, self.STATE_FILE)

    def read_state(self):
        """The contents of `state.json`, or None when there is no backup."""
        if not os.path.exists(self.state_path):
            return None
        with open(self.state_path) as f:
            return json.load(f)

    def restore(self, model):
        """Loads the backup into `model` (built and compiled); returns the step to resume at."""
        state = self.read_state()
        if state is None:
            return self.global_step
        if state["steps_per_epoch"] != self.steps_per_epoch:
            raise ValueError(
                f"The backup in {self.backup_dir!r} was made with steps_per_epoch="
                f"{state['steps_per_epoch']}, this run has {self.steps_per_epoch}: resume with "
                "the same data and batch size, or train in another folder."
            )
        model.load_weights(os.path.join(self.backup_dir, state["weights"]))
        self.global_step = self._saved_step = state["global_step"]
        done_in_epoch = self.global_step % self.steps_per_epoch
        if done_in_epoch:
            self._pending_metrics = state.get("metrics")
            self._partial_epoch_steps = self.steps_per_epoch - done_in_epoch
        return self.global_step

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        # `fit` resets the metrics just before this: put back the interrupted epoch's means.
        if self._pending_metrics:
            for metric in self.model.metrics:
                saved = self._pending_metrics.get(metric.name, [])
                for variable, value in zip(metric.variables, saved):
                    variable.assign(np.asarray(value, dtype=variable.dtype))
        self._pending_metrics = None

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        partial = self._partial_epoch_steps
        if partial is not None and self._batches_in_epoch >= partial:
            self._partial_epoch_steps = None
            self._ended_epoch_early = True
            self.model.stop_training = True
        at_epoch_end = self.global_step % self.steps_per_epoch == 0
        if self.save_every and self.global_step % self.save_every == 0 and not at_epoch_end:
            self.save(logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._ended_epoch_early:
            self._ended_epoch_early = False
            self.model.stop_training = False
        self.save(logs)

    def save(self, logs=None):
        """Backs up the current state, unless it is already saved or a loss is non-finite."""
        if self.global_step == self._saved_step or non_finite(logs):
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        weights = f"step_{self.global_step:09d}.weights.h5"
        self.model.save_weights(os.path.join(self.backup_dir, weights), overwrite=True)
        with open(os.path.join(self.backup_dir, weights), "rb") as f:
            os.fsync(f.fileno())
        metrics = {
            metric.name: [keras.ops.convert_to_numpy(v).tolist() for v in metric.variables]
            for metric in self.model.metrics
        }
        write_json_atomically(self.state_path, {
            "global_step": self.global_step,
            "epoch": self.global_step // self.steps_per_epoch,
            "steps_per_epoch": self.steps_per_epoch,
            "weights": weights,
            "metrics": metrics,
        })
        for name in os.listdir(self.backup_dir):
            if name.endswith(".weights.h5") and name != weights:
                os.remove(os.path.join(self.backup_dir, name))
        self._saved_step = self.global_step
