"""Trains a tiny CycleGAN 3 steps on the default strategy and on MirroredStrategy over 2 CPUs.

Run as a script (logical devices must be set before TensorFlow starts): prints the maximum
absolute difference between the two runs' weights, image pools included, as
`max_abs_diff=<value>`. The pool holds fewer images than a global batch, so the steps exercise
both its filling and its swaps across replicas.
"""

import sys

import numpy as np
import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402

from keras_portrait.models.cycle_gan import CycleGAN  # noqa: E402


def train(strategy, images_a, images_b):
    with strategy.scope():
        keras.utils.set_random_seed(7)
        gan = CycleGAN(filters=4, num_blocks=1, discriminator_filters=4, pool_size=6, seed=3)
        # Plain SGD with a small rate, not the paper's Adam: the conv biases before an instance
        # norm have a true gradient of 0, and Adam turns its rounding noise (which differs
        # between one device and two replicas) into steps of about the learning rate; larger
        # SGD steps make this tiny network's instance norms amplify rounding differences
        # (measured: 1e-8 after the first step, 2e-5 after the second at rate 1e-2). At 1e-3
        # the runs agree to ~1e-8 while real updates are ~1e-4 or more, so a wrongly scaled
        # gradient or a per-replica pool would still show.
        # XLA off in both runs: BaseGAN turns it on for one replica only, and XLA's random
        # kernels draw other numbers from the same seed, which would change the pools' swaps.
        gan.compile(
            g_optimizer=keras.optimizers.SGD(1e-3),
            d_optimizer=keras.optimizers.SGD(1e-3),
            jit_compile=False,
        )
    dataset = tf.data.Dataset.from_tensor_slices((images_a, images_b)).batch(8)
    gan.fit(dataset, epochs=1, verbose=0)
    networks = gan.generators + gan.discriminators + [gan.pool_a, gan.pool_b]
    return {
        f"{net.name}/{i}:{w.name}": np.asarray(w.numpy(), np.float64)
        for net in networks for i, w in enumerate(net.weights)
    }


def main():
    rng = np.random.default_rng(0)
    images_a = rng.uniform(-1, 1, (24, 32, 32, 3)).astype("float32")
    images_b = rng.uniform(-1, 1, (24, 32, 32, 3)).astype("float32")
    single = train(tf.distribute.get_strategy(), images_a, images_b)
    mirrored = train(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]), images_a, images_b)
    assert single.keys() == mirrored.keys() and single, (sorted(single), sorted(mirrored))
    diffs = {path: float(np.abs(single[path] - mirrored[path]).max()) for path in single}
    for path in sorted(diffs, key=diffs.get, reverse=True)[:int(sys.argv[1]) if len(sys.argv) > 1 else 5]:
        print(f"{path}: {diffs[path]:.3e}")
    print(f"pool_count={int(mirrored['pool_b/1:count'])} max_abs_diff={max(diffs.values()):.3e}")


if __name__ == "__main__":
    main()
