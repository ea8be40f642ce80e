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

from keras_portrait.models import DCGAN, WGANGP, GauGAN, StarGAN  # noqa: E402

FAMILIES = {
    "dcgan": lambda: DCGAN(image_size=16, latent_dim=8, filters=4, seed=3),
    "wgan-gp": lambda: WGANGP(image_size=16, latent_dim=8, filters=4, seed=3),
    "stargan": lambda: StarGAN(num_domains=3, image_size=16, filters=4, num_blocks=1,
                               discriminator_filters=4, discriminator_layers=2,
                               discriminator_steps=2, seed=3),
    "gaugan": lambda: GauGAN(image_size=32, code_dim=4, filters=1, encoder_filters=2,
                             discriminator_filters=2, discriminator_layers=2, spade_hidden=4,
                             seed=3),
}


def train(family, strategy, images):
    with strategy.scope():
        keras.utils.set_random_seed(7)
        gan = FAMILIES[family]()
        optimizers = {}
        if family in ("stargan", "gaugan"):
            # Adam divides by the root of tiny second moments (the affine instance norms' and
            # the gradient penalty's rounding differ between one device and two replicas),
            # which took StarGAN's runs 8e-6 apart; plain SGD keeps them 1.5e-8 (StarGAN) and
            # 4e-7 (GauGAN) apart while a wrongly scaled gradient or per-replica draws would
            # still show.
            optimizers = {"g_optimizer": keras.optimizers.SGD(1e-3),
                          "d_optimizer": keras.optimizers.SGD(1e-3)}
        # The same kernels (and random draws) on both sides.
        gan.compile(jit_compile=False, **optimizers)
    if family == "stargan":  # (images, class ids)
        images = (images, np.arange(len(images), dtype="int32") % 3)
    if family == "gaugan":  # 32² images, masks and metadata
        rng = np.random.default_rng(1)
        images = {"image": rng.uniform(-1, 1, (24, 32, 32, 3)).astype("float32"),
                  "mask": rng.integers(0, 7, (24, 32, 32)).astype("int32"),
                  "metadata": rng.uniform(0, 1, (24, 3)).astype("float32")}
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
