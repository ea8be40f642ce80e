"""The one reduction scheme every loss of keras_portrait follows.

A loss first computes one value per example (shape `(batch,)`). `reduction="mean"` (the default)
returns their mean, a scalar; `reduction="none"` returns them as they are, so that a train step
under `tf.distribute` can divide their sum by the global batch size itself (e.g. with
`tf.nn.compute_average_loss`).
"""

from keras import ops

REDUCTIONS = {"mean": ops.mean, "none": lambda per_example: per_example}


def reduce_per_example(per_example, reduction):
    """Applies `reduction` ("mean" or "none") to a `(batch,)` tensor of per-example values."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"`reduction` must be one of {sorted(REDUCTIONS)}. Received: reduction={reduction!r}"
        )
    return REDUCTIONS[reduction](per_example)


def per_example_mean(x):
    """Mean over every axis but the first, in float32: `(batch, ...)` to `(batch,)`."""
    x = ops.cast(x, "float32")
    if len(x.shape) == 1:
        return x
    return ops.mean(x, axis=tuple(range(1, len(x.shape))))


def per_example_sum(x):
    """Sum over every axis but the first, in float32: `(batch, ...)` to `(batch,)`."""
    x = ops.cast(x, "float32")
    if len(x.shape) == 1:
        return x
    return ops.sum(x, axis=tuple(range(1, len(x.shape))))
