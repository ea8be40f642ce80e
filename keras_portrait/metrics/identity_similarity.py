"""Identity preservation: cosine similarity of face embeddings of paired images.

The embedder is any callable from float32 images in [-1, 1] (NHWC) to one embedding per image: a
face-recognition network loaded by the caller (DESIGN.md §7: nothing is downloaded here), or a
small stand-in in tests.
"""

import numpy as np

from keras_portrait.metrics.image_quality import image_pair


def identity_similarity(embedder, images_a, images_b, batch_size=32):
    """Cosine similarity between the embeddings of each pair, `<e_a, e_b> / (|e_a| |e_b|)`.

    Embeddings of shape (batch, ...) are flattened to (batch, D) and compared in float64. A zero
    embedding has similarity 0 with anything.

    Args:
        embedder: callable. Maps float32 images (n, H, W, C) in [-1, 1] to embeddings (n, ...),
            as a tensor or an array.
        images_a: uint8 [0, 255] or float [-1, 1] array (N, H, W, C), or one (H, W, C) image.
            uint8 images are converted to [-1, 1] before embedding.
        images_b: array of the same shape and dtype kind as `images_a`.
        batch_size: int. Images per embedder call. Defaults to `32`.

    Returns:
        float64 array (N,) in [-1, 1], 1 for identical images; a float64 scalar for one image.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be an int >= 1. Received: batch_size={batch_size}")
    a, b, single = image_pair(images_a, images_b)
    values = [
        _cosine(
            _embed(embedder, a[i : i + batch_size]),
            _embed(embedder, b[i : i + batch_size]),
        )
        for i in range(0, len(a), batch_size)
    ]
    values = np.concatenate(values) if values else np.zeros((0,), np.float64)
    return values[0] if single else values


def _embed(embedder, images):
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 127.5 - 1.0
    embeddings = embedder(images.astype(np.float32))
    embeddings = np.asarray(
        embeddings.numpy() if hasattr(embeddings, "numpy") else embeddings, np.float64
    )
    if embeddings.ndim < 1 or embeddings.shape[0] != len(images):
        raise ValueError(
            f"`embedder` must return one embedding per image: {len(images)} images gave an "
            f"output of shape {embeddings.shape}"
        )
    return embeddings.reshape(len(images), -1)


def _cosine(embeddings_a, embeddings_b):
    dot = np.sum(embeddings_a * embeddings_b, axis=1)
    norms = np.linalg.norm(embeddings_a, axis=1) * np.linalg.norm(embeddings_b, axis=1)
    # A zero embedding has a zero dot product, hence similarity 0 rather than 0 / 0.
    return dot / np.maximum(norms, np.finfo(np.float64).tiny)
