"""The identity-aware term: how far a face-recognition network sees a generated face from its
source."""

import keras
from keras import ops


def _embed(embedder, images):
    if isinstance(embedder, keras.layers.Layer):
        embeddings = embedder(images, training=False)
    else:
        embeddings = embedder(images)
    embeddings = ops.cast(embeddings, "float32")
    return ops.reshape(embeddings, (ops.shape(embeddings)[0], -1))


def embedding_distance(embedder, real, fake, reduction="mean"):
    """`‖E(real) − E(fake)‖²` per example, E a frozen embedder (no gradient through E(real)).

    Args:
        embedder: callable. Images → `(batch, ...)` embeddings (flattened), e.g. FaceNet.
        real: the source images.
        fake: the generated images.
        reduction: str. `"mean"` over the batch, or `"none"` for `(batch,)` values.

    Reference:
        The portrait seed's identity-aware CycleGAN (FaceNet distance as a perceptual term);
        Schroff et al., "FaceNet", CVPR 2015 (squared L2 between embeddings).
    """
    difference = ops.stop_gradient(_embed(embedder, real)) - _embed(embedder, fake)
    per_example = ops.sum(ops.square(difference), axis=-1)
    if reduction == "none":
        return per_example
    if reduction != "mean":
        raise ValueError(f"`reduction` must be 'mean' or 'none'. Received: {reduction!r}")
    return ops.mean(per_example)
