import math

import numpy as np
import pytest
import tensorflow as tf

from keras_portrait import metrics


class PooledLinearEmbedder:
    """Stand-in face embedder: a fixed random linear map of 4x4 average-pooled pixels."""

    def __init__(self, size=16, channels=3, dimension=8):
        self.weights = np.random.default_rng(0).normal(size=(16 * channels, dimension))
        self.size = size
        self.inputs = []

    def __call__(self, images):
        self.inputs.append(images)
        n, h, w, c = images.shape
        pooled = images.reshape(n, 4, h // 4, 4, w // 4, c).mean(axis=(2, 4)).reshape(n, -1)
        return tf.constant(pooled @ self.weights)


def _images():
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (5, 16, 16, 3)).astype(np.float32)
    b = np.clip(a + rng.normal(0, 0.5, a.shape), -1, 1).astype(np.float32)
    return a, b


def _numpy_cosine(x, y):
    return np.sum(x * y, axis=1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))


def test_identity_similarity_by_hand():
    # The embedding of a 1x1x2 image is its pixel: [1, 0].[0, 1] -> 0; [1, 0].[1, 1] -> 1/sqrt 2;
    # [1, 1].[-1, -1] -> -1; a zero embedding -> 0.
    a = np.array([[1, 0], [1, 0], [1, 1], [0, 0]], np.float32).reshape(4, 1, 1, 2)
    b = np.array([[0, 1], [1, 1], [-1, -1], [1, 0]], np.float32).reshape(4, 1, 1, 2)
    values = metrics.identity_similarity(lambda images: images, a, b)
    assert values.shape == (4,) and values.dtype == np.float64
    np.testing.assert_allclose(values, [0.0, 1 / math.sqrt(2), -1.0, 0.0], atol=1e-15)


def test_identity_similarity_matches_numpy_cosine():
    a, b = _images()
    embedder = PooledLinearEmbedder()
    expected = _numpy_cosine(embedder(a).numpy(), embedder(b).numpy())
    np.testing.assert_allclose(metrics.identity_similarity(embedder, a, b), expected, rtol=1e-6)


def test_identical_images_have_similarity_one():
    a, _ = _images()
    values = metrics.identity_similarity(PooledLinearEmbedder(), a, a)
    np.testing.assert_allclose(values, np.ones(len(a)), rtol=1e-12)


def test_batching_does_not_change_the_values():
    a, b = _images()
    embedder = PooledLinearEmbedder()
    in_batches = metrics.identity_similarity(embedder, a, b, batch_size=2)
    assert [len(images) for images in embedder.inputs] == [2, 2, 2, 2, 1, 1]
    one_batch = metrics.identity_similarity(embedder, a, b, batch_size=100)
    np.testing.assert_allclose(in_batches, one_batch, rtol=1e-12)


def test_uint8_images_are_embedded_in_minus_one_one():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    embedder = PooledLinearEmbedder()
    from_uint8 = metrics.identity_similarity(embedder, a, b)
    fed = embedder.inputs[0]
    assert fed.dtype == np.float32
    np.testing.assert_allclose(fed, a.astype(np.float32) / 127.5 - 1.0)
    from_float = metrics.identity_similarity(embedder, a / 127.5 - 1.0, b / 127.5 - 1.0)
    np.testing.assert_allclose(from_uint8, from_float, rtol=1e-6)


def test_embeddings_are_flattened_and_one_image_gives_a_scalar():
    a, b = _images()
    embedder = PooledLinearEmbedder()
    batch = metrics.identity_similarity(embedder, a, b)
    reshaped = metrics.identity_similarity(lambda x: tf.reshape(embedder(x), (-1, 2, 4)), a, b)
    np.testing.assert_allclose(reshaped, batch, rtol=1e-12)
    single = metrics.identity_similarity(embedder, a[2], b[2])
    assert np.shape(single) == ()
    np.testing.assert_allclose(single, batch[2], rtol=1e-12)


@pytest.mark.parametrize(
    "a, b, kwargs, match",
    [
        (np.zeros((2, 16, 16, 3)), np.zeros((2, 16, 8, 3)), {}, "same shape"),
        (np.zeros((2, 16, 16, 3), np.uint8), np.zeros((2, 16, 16, 3)), {}, "both be uint8"),
        (np.zeros((2, 16, 16, 3)), np.zeros((2, 16, 16, 3)), {"batch_size": 0}, "batch_size"),
    ],
)
def test_rejects_bad_inputs(a, b, kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.identity_similarity(PooledLinearEmbedder(), a, b, **kwargs)


def test_rejects_an_embedder_that_loses_the_batch():
    a, b = _images()
    with pytest.raises(ValueError, match="one embedding per image"):
        metrics.identity_similarity(lambda images: np.zeros((1, 8)), a, b)
