"""Auxiliary classification losses of conditional discriminators (StarGAN's domain loss)."""

from keras import ops

from keras_portrait.losses._reduction import per_example_sum
from keras_portrait.losses._reduction import reduce_per_example


def class_cross_entropy(logits, class_ids, reduction="mean"):
    """Softmax cross-entropy of integer class ids: `-log softmax(logits)[class_id]`.

    Args:
        logits: tensor `(batch, classes)`. Unnormalized class scores.
        class_ids: int tensor `(batch,)`. The true classes.
        reduction: str. `"mean"` or `"none"`. Defaults to `"mean"`.

    Reference:
        Choi et al., "StarGAN", CVPR 2018 (the domain classification loss for single-label
        datasets such as RaFD's expressions).
    """
    logits = ops.cast(logits, "float32")
    one_hot = ops.one_hot(ops.cast(class_ids, "int32"), ops.shape(logits)[-1])
    per_example = -ops.sum(one_hot * ops.log_softmax(logits, axis=-1), axis=-1)
    return reduce_per_example(per_example, reduction)


def attribute_cross_entropy(logits, attributes, reduction="mean"):
    """Sigmoid cross-entropy of multi-hot attributes, summed over the attributes.

    Per example `sum_k [softplus(l_k) - a_k * l_k]`, the binary cross-entropy of each attribute
    `a_k` in [0, 1] against `sigmoid(l_k)`, in a form stable for large logits.

    Args:
        logits: tensor `(batch, attributes)`. One logit per attribute.
        attributes: tensor `(batch, attributes)`. Targets in [0, 1] (multi-hot).
        reduction: str. `"mean"` or `"none"`. Defaults to `"mean"`.

    Reference:
        Choi et al., "StarGAN", CVPR 2018 (the domain classification loss for CelebA's
        attributes: summed over attributes, averaged over the batch).
    """
    logits = ops.cast(logits, "float32")
    attributes = ops.cast(attributes, "float32")
    per_element = ops.softplus(logits) - attributes * logits
    return reduce_per_example(per_example_sum(per_element), reduction)
