"""Trains a GAN 3 steps on the default strategy and on MirroredStrategy over 2 logical CPUs.

Run as a script (logical devices must be set before TensorFlow starts): prints the maximum
absolute difference between the two runs' weights as `max_abs_diff=<value>`.
"""

import sys

import numpy as np
import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402

from keras_portrait.models import DCGAN, WGANGP  # noqa: E402

FAMILIES = {"dcgan": DCGAN, "wgan-gp": WGANGP}


def train(family, strategy, images):
    with strategy.scope():
        keras.utils.set_random_seed(7)
        gan = FAMILIES[family](image_size=16, latent_dim=8, filters=4, seed=3)
        gan.compile(jit_compile=False)  # the same kernels (and random draws) on both sides
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(8)
    gan.fit(dataset, epochs=1, verbose=0)
    return [w.numpy() for net in gan.generators + gan.discriminators for w in net.weights]


def main(family):
    images = np.random.default_rng(0).uniform(-1, 1, (24, 16, 16, 3)).astype("float32")
    single = train(family, tf.distribute.get_strategy(), images)
    mirrored = train(family, tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]), images)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(single, mirrored))
    print(f"max_abs_diff={diff:.3e}")


if __name__ == "__main__":
    main(sys.argv[1])
