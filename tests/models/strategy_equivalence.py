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

import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

from tiny_training import FAMILIES, data, max_abs_diffs, train  # noqa: E402


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
        examples = data(family)
        single = train(family, tf.distribute.get_strategy(), examples)
        mirrored = train(family, strategy, examples)
        diffs = max_abs_diffs(single, mirrored)
        for path in sorted(diffs, key=diffs.get, reverse=True)[:3]:
            print(f"  {family} {path}: {diffs[path]:.3e}")
        pools = f" pool_count={int(mirrored['pool_b/1:count'])}" if family == "cyclegan" else ""
        print(f"{family} max_abs_diff={max(diffs.values()):.3e}{pools}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
