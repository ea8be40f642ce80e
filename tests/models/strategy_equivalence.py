"""Trains GANs 3 steps on the default strategy and on MirroredStrategy over 2 logical CPUs.

Usage: strategy_equivalence.py FAMILY [FAMILY ...]. Run as a script (logical devices must be set
before TensorFlow starts); one process trains every family named, one after the other, so the
TensorFlow import and the device setup are paid once. For each family, as soon as it is done,
prints one line `<family> max_abs_diff=<value>`: the maximum absolute difference between the
two runs' weights. For cyclegan the weights include the image pools, and the line also gives
`pool_count=<n>`, the images in the mirrored run's pool B: the pool holds fewer images than a
global batch, so the steps exercise both its filling and its swaps across replicas.
tests/background.py runs it in the background for the tests that read these lines.
"""

import sys

import numpy as np
import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402

from keras_portrait.models import DCGAN, WGANGP, GauGAN, StarGAN  # noqa: E402
from keras_portrait.models.cycle_gan import CycleGAN  # noqa: E402

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
}


def _data(family):
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
    return images


def train(family, strategy, data):
    """The final weights, by name, after one epoch of 3 steps of 8 under `strategy`."""
    with strategy.scope():
        keras.utils.set_random_seed(7)
        gan = FAMILIES[family]()
        optimizers = {}
        if family in ("stargan", "gaugan", "cyclegan"):
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
    gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), epochs=1, verbose=0)
    networks = gan.generators + gan.discriminators
    if family == "cyclegan":
        networks += [gan.pool_a, gan.pool_b]
    return {
        f"{net.name}/{i}:{w.name}": np.asarray(w.numpy(), np.float64)
        for net in networks for i, w in enumerate(net.weights)
    }


def main(families):
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown or not families:
        sys.exit(f"usage: strategy_equivalence.py FAMILY [FAMILY ...], of {sorted(FAMILIES)}; "
                 f"unknown: {unknown}")
    # One MirroredStrategy for all the families: a second one in the same process would
    # reuse the collective-op keys of the first, and its all-reduces would be matched with
    # tensors of the first one's (shape mismatch errors).
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    for family in families:
        data = _data(family)
        single = train(family, tf.distribute.get_strategy(), data)
        mirrored = train(family, strategy, data)
        assert single.keys() == mirrored.keys() and single, (sorted(single), sorted(mirrored))
        diffs = {path: float(np.abs(single[path] - mirrored[path]).max()) for path in single}
        for path in sorted(diffs, key=diffs.get, reverse=True)[:3]:
            print(f"  {family} {path}: {diffs[path]:.3e}")
        pools = f" pool_count={int(mirrored['pool_b/1:count'])}" if family == "cyclegan" else ""
        print(f"{family} max_abs_diff={max(diffs.values()):.3e}{pools}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
