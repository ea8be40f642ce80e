"""Tiny GANs of every family, their training data, and a 3-step training under a strategy.

Shared by the distribution scripts (strategy_equivalence.py: MirroredStrategy over 2 logical
CPUs; multiworker_train.py: MultiWorkerMirroredStrategy on localhost), which compare the final
weights of a run under the strategy with those of the same run on one device. Importing this
module does not touch the devices: a script sets its logical devices first.
"""

import numpy as np
import tensorflow as tf

import keras

from keras_portrait.models import DCGAN, WGANGP, GauGAN, RotationGAN, StarGAN
from keras_portrait.models.cycle_gan import CycleGAN

FAMILIES = {
    "dcgan": lambda: DCGAN(image_size=16, latent_dim=8, filters=4, seed=3),
    "wgan-gp": lambda: WGANGP(image_size=16, latent_dim=8, filters=4, seed=3),
    "stargan": lambda: StarGAN(num_domains=3, image_size=16, filters=4, num_blocks=1,
                               discriminator_filters=4, discriminator_layers=2,
                               discriminator_steps=2, seed=3),
    "gaugan": lambda: GauGAN(image_size=32, code_dim=4, filters=1, encoder_filters=2,
                             discriminator_filters=2, discriminator_layers=2, spade_hidden=4,
                             seed=3),
    "cyclegan": lambda: CycleGAN(filters=4, num_blocks=1, discriminator_filters=4, pool_size=6,
                                 seed=3),
    "rotation": lambda: RotationGAN(filters=4, num_downsamplings=1, num_blocks=1, spade_hidden=4,
                                    discriminator_filters=4, discriminator_layers=2, seed=3),
}


def data(family):
    """24 examples (3 global batches of 8) of the family's training data."""
    images = np.random.default_rng(0).uniform(-1, 1, (24, 16, 16, 3)).astype("float32")
    if family == "stargan":  # (images, class ids)
        return images, np.arange(len(images), dtype="int32") % 3
    if family == "gaugan":  # 32² images, masks and metadata
        rng = np.random.default_rng(1)
        return {"image": rng.uniform(-1, 1, (24, 32, 32, 3)).astype("float32"),
                "mask": rng.integers(0, 7, (24, 32, 32)).astype("int32"),
                "metadata": rng.uniform(0, 1, (24, 3)).astype("float32")}
    if family == "cyclegan":  # (photos A, photos B), 32²
        rng = np.random.default_rng(0)
        images_a = rng.uniform(-1, 1, (24, 32, 32, 3)).astype("float32")
        images_b = rng.uniform(-1, 1, (24, 32, 32, 3)).astype("float32")
        return images_a, images_b
    if family == "rotation":  # renders with holes and their targets, 16²
        rng = np.random.default_rng(2)
        holes = (rng.uniform(size=(24, 16, 16, 1)) < 0.2).astype("float32")
        render = np.where(holes > 0, -1.0, images + rng.normal(0, 0.1, images.shape))
        return {"render": render.astype("float32"), "holes": holes, "target": images}
    return images


def train(family, strategy, examples):
    """The final weights, by name, after one epoch of 3 steps of 8 under `strategy`."""
    with strategy.scope():
        keras.utils.set_random_seed(7)
        gan = FAMILIES[family]()
        optimizers = {}
        if family in ("stargan", "gaugan", "cyclegan", "rotation"):
            # Adam divides by the root of tiny second moments (the affine instance norms' and
            # the gradient penalty's rounding differ between one device and two replicas),
            # which took StarGAN's runs 8e-6 apart; plain SGD keeps them 1.5e-8 (StarGAN) and
            # 4e-7 (GauGAN) apart while a wrongly scaled gradient or per-replica draws would
            # still show. CycleGAN: its conv biases before an instance norm have a true
            # gradient of 0, and Adam turns their rounding noise into steps of about the
            # learning rate; larger SGD steps make this tiny network's instance norms amplify
            # rounding differences (measured: 1e-8 after the first step, 2e-5 after the second
            # at rate 1e-2). At 1e-3 the runs agree to ~1e-8 while real updates are ~1e-4 or
            # more, so a wrongly scaled gradient or a per-replica pool would still show.
            optimizers = {"g_optimizer": keras.optimizers.SGD(1e-3),
                          "d_optimizer": keras.optimizers.SGD(1e-3)}
        # XLA off in both runs: BaseGAN turns it on for one replica only, and XLA's random
        # kernels draw other numbers from the same seed (the same kernels and random draws on
        # both sides).
        gan.compile(jit_compile=False, **optimizers)
    gan.fit(tf.data.Dataset.from_tensor_slices(examples).batch(8), epochs=1, verbose=0)
    networks = gan.generators + gan.discriminators
    if family == "cyclegan":
        networks += [gan.pool_a, gan.pool_b]
    return {
        f"{net.name}/{i}:{w.name}": np.asarray(w.numpy(), np.float64)
        for net in networks for i, w in enumerate(net.weights)
    }


def max_abs_diffs(first, second):
    """{weight name: max |first − second|} of two `train` results over the same weights."""
    assert first.keys() == second.keys() and first, (sorted(first), sorted(second))
    return {path: float(np.abs(first[path] - second[path]).max()) for path in first}
