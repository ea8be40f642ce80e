"""The identity-aware embedding distance: expected values and where its gradient flows."""

import numpy as np
import pytest
import tensorflow as tf

from keras_portrait import losses


def _embedder(images):
    """A fixed 'embedding': the per-image mean of each channel, (batch, 3)."""
    return tf.reduce_mean(images, axis=(1, 2))


def test_expected_values():
    real = np.zeros((2, 4, 4, 3), np.float32)
    fake = np.zeros((2, 4, 4, 3), np.float32)
    fake[0, :, :, 0] = 1.0  # embedding (1, 0, 0): squared distance 1
    fake[1] = 0.5  # embedding (0.5, 0.5, 0.5): squared distance 0.75
    per_example = losses.embedding_distance(_embedder, real, fake, reduction="none")
    np.testing.assert_allclose(per_example, [1.0, 0.75], atol=1e-6)
    assert float(losses.embedding_distance(_embedder, real, fake)) == pytest.approx(0.875)


def test_no_gradient_through_the_source_embedding():
    real = tf.Variable(np.ones((1, 2, 2, 3), np.float32))
    fake = tf.Variable(np.zeros((1, 2, 2, 3), np.float32))
    with tf.GradientTape() as tape:
        loss = losses.embedding_distance(_embedder, real, fake)
    grad_real, grad_fake = tape.gradient(loss, [real, fake])
    assert grad_real is None
    # d/dfake of sum_c (1 - mean(fake_c))^2 = -2 (1 - 0) / 4 per pixel.
    np.testing.assert_allclose(grad_fake, np.full((1, 2, 2, 3), -0.5), atol=1e-6)


def test_bad_reduction():
    with pytest.raises(ValueError, match="reduction"):
        losses.embedding_distance(_embedder, np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 2, 3)),
                                  reduction="sum")
