"""Learning-rate schedules of the GAN papers, as serializable Keras schedules."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_portrait")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant learning rate for `constant_epochs`, then linear decay to zero over `decay_epochs`.

    `lr(step) = initial_learning_rate * clip(1 - (step / steps_per_epoch - constant_epochs)
    / decay_epochs, 0, 1)`: the rate is constant until step `constant_epochs * steps_per_epoch`,
    falls linearly at every step after it and is 0 from step `(constant_epochs + decay_epochs) *
    steps_per_epoch` on. `step` is the optimizer's iteration count, one per update.

    The reference code lowers the rate once per epoch instead (by `1 / (decay_epochs + 1)` at
    each epoch end, so its last epoch trains at `1 / (decay_epochs + 1)` of the rate); this
    schedule is its per-step, decay-to-zero form, as the paper describes it.

    Args:
        initial_learning_rate: float. The constant rate. Defaults to `2e-4`.
        constant_epochs: int. Epochs at the constant rate (`n_epochs`). Defaults to `100`.
        decay_epochs: int. Epochs of linear decay (`n_epochs_decay`), >= 1. Defaults to `100`.
        steps_per_epoch: int. Optimizer updates per epoch. Defaults to `1` (then the epochs
            above count steps).

    Reference:
        Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
        Networks", ICCV 2017 (section 4: 100 epochs at 2e-4, then linear decay to zero over
        the next 100).
    """

    def __init__(
        self, initial_learning_rate=2e-4, constant_epochs=100, decay_epochs=100, steps_per_epoch=1
    ):
        if not initial_learning_rate > 0:
            raise ValueError(
                "`initial_learning_rate` must be > 0. "
                f"Received: initial_learning_rate={initial_learning_rate}"
            )
        if constant_epochs < 0:
            raise ValueError(
                f"`constant_epochs` must be >= 0. Received: constant_epochs={constant_epochs}"
            )
        if decay_epochs < 1:
            raise ValueError(f"`decay_epochs` must be >= 1. Received: decay_epochs={decay_epochs}")
        if steps_per_epoch < 1:
            raise ValueError(
                f"`steps_per_epoch` must be >= 1. Received: steps_per_epoch={steps_per_epoch}"
            )
        self.initial_learning_rate = initial_learning_rate
        self.constant_epochs = constant_epochs
        self.decay_epochs = decay_epochs
        self.steps_per_epoch = steps_per_epoch

    def __call__(self, step):
        epoch = ops.cast(step, "float32") / float(self.steps_per_epoch)
        decayed = (epoch - float(self.constant_epochs)) / float(self.decay_epochs)
        return self.initial_learning_rate * ops.clip(1.0 - decayed, 0.0, 1.0)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_epochs": self.constant_epochs,
            "decay_epochs": self.decay_epochs,
            "steps_per_epoch": self.steps_per_epoch,
        }
