"""One worker of a 2-worker MultiWorkerMirroredStrategy run on localhost.

Usage: multiworker_train.py OUT_FOLDER [--single] FAMILY [FAMILY ...] (TF_CONFIG set by the
caller). Trains a tiny GAN of each family named (tiny_training.py) for 3 steps on global batches
of 8, one family after the other under one strategy, and saves the final weights of every
network to OUT_FOLDER/<family>.npz (sorted by name). With `--single`, trains the same on the
default strategy (one device), for comparison.
"""

import os
import sys

import numpy as np
import tensorflow as tf


def main(out, families, single=False):
    # One strategy for every family: a second one in the same process would reuse the
    # collective-op keys of the first.
    if single:
        strategy = tf.distribute.get_strategy()
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    from tiny_training import data, train

    os.makedirs(out, exist_ok=True)
    for family in families:
        weights = train(family, strategy, data(family))
        np.savez(os.path.join(out, f"{family}.npz"), **weights)
        print(family, "done", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    single = "--single" in args
    names = [a for a in args[1:] if a != "--single"]
    if not args or not names:
        sys.exit(__doc__.split("\n\n")[1])
    main(args[0], names, single=single)
