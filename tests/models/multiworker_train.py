"""One worker of a 2-worker MultiWorkerMirroredStrategy run on localhost.

Usage: multiworker_train.py FAMILY OUT.npz [single] (TF_CONFIG set by the caller). Trains a tiny
GAN for 3 steps on a global batch of 8 and saves the final weights of every network. With
`single`, trains the same on the default strategy (one device), for comparison.
"""

import sys

import numpy as np
import tensorflow as tf


def main(family, out, single=False):
    if single:
        strategy = tf.distribute.get_strategy()
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    import keras

    from keras_portrait.models import DCGAN, WGANGP

    families = {"dcgan": DCGAN, "wgan-gp": WGANGP}
    with strategy.scope():
        keras.utils.set_random_seed(7)
        gan = families[family](image_size=16, latent_dim=8, filters=4, seed=3)
        gan.compile(jit_compile=False)  # the same kernels (and random draws) on both sides
    images = np.random.default_rng(0).uniform(-1, 1, (24, 16, 16, 3)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(8)
    history = gan.fit(dataset, epochs=1, verbose=0)
    weights = [w.numpy() for net in gan.generators + gan.discriminators for w in net.weights]
    np.savez(out, *weights)
    print("losses", {k: float(np.ravel(v[-1])[0]) for k, v in history.history.items()})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], single=sys.argv[3:] == ["single"])
