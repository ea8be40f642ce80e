"""ToyGAN: a one-convolution image-to-image GAN, the smallest model a family can be."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

import keras_portrait as kp


@keras.saving.register_keras_serializable(package="toy_family")
class ToyGAN(kp.BaseGAN):
    """Images to images of the same style: one 3×3 convolution against a two-layer
    least-squares critic, with an L1 term to the input.

    Args:
        image_size: int. Side of the training images. Defaults to `32`.
        filters: int. Width of the critic. Defaults to `4`.
        l1_weight: float. Weight of the L1 distance to the input. Defaults to `10.0`.
    """

    LOSS_NAMES = ("d_loss", "g_loss")
    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    OPTIMIZERS = ({"learning_rate": 1e-3, "beta_1": 0.5},) * 2

    def __init__(self, image_size=32, filters=4, l1_weight=10.0, **kwargs):
        super().__init__(**kwargs)
        self.image_size = image_size
        self.filters = filters
        self.l1_weight = l1_weight
        self.generator = keras.Sequential(
            [keras.Input((None, None, 3)),
             keras.layers.Conv2D(3, 3, padding="same", activation="tanh")], name="generator")
        self.discriminator = keras.Sequential(
            [keras.Input((None, None, 3)),
             keras.layers.Conv2D(filters, 4, strides=2, padding="same"),
             keras.layers.LeakyReLU(0.2),
             keras.layers.Conv2D(1, 4, padding="same")], name="discriminator")
        self.built = True  # the networks are built: nothing is left to build from data

    def call(self, images, training=False):
        return self.generator(images, training=training)

    def _d_loss(self, real):
        fake = self.generator(real, training=True)
        return (ops.mean(ops.square(self.discriminator(real, training=True) - 1.0))
                + ops.mean(ops.square(self.discriminator(fake, training=True))))

    def _g_loss(self, real):
        fake = self.generator(real, training=True)
        return (ops.mean(ops.square(self.discriminator(fake, training=True) - 1.0))
                + self.l1_weight * ops.mean(ops.abs(fake - real)))

    def discriminator_step(self, batch):
        with tf.GradientTape() as tape:
            loss = self._d_loss(batch)
        self.apply_gradients(tape, loss, self.discriminators, self.d_optimizer)
        self.track(d_loss=loss)

    def generator_step(self, batch):
        with tf.GradientTape() as tape:
            loss = self._g_loss(batch)
        self.apply_gradients(tape, loss, self.generators, self.g_optimizer)
        self.track(g_loss=loss)

    def validation_losses(self, batch):
        return {"d_loss": self._d_loss(batch), "g_loss": self._g_loss(batch)}

    # The examples of the sample grids: real images (an array: not saved with the model).
    def set_sample_batch(self, batch):
        self.examples = np.asarray(batch, np.float32)

    def sample_inputs(self, n, seed=None):
        return self.examples[:n]

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size,
                "filters": self.filters, "l1_weight": self.l1_weight}
