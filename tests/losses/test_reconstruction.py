import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_portrait import losses


def _value(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_l1_loss():
    # example 0: |0 - 1|, |1 - 1| -> mean 0.5; example 1: |2 - 0|, |3 - 0| -> mean 2.5; mean 1.5.
    a = np.array([0.0, 1.0, 2.0, 3.0], "float32").reshape(2, 1, 1, 2)
    b = np.array([1.0, 1.0, 0.0, 0.0], "float32").reshape(2, 1, 1, 2)
    np.testing.assert_allclose(_value(losses.l1_loss(a, b, reduction="none")), [0.5, 2.5])
    np.testing.assert_allclose(_value(losses.l1_loss(a, b)), 1.5)


# Two layers of one discriminator, batch of 2.
# layer 1 (2 values per example): |1 - 0|, |1 - 2| -> 1; |0 - 0|, |0 - 4| -> 2.
# layer 2 (1 value per example):  |3 - 0| -> 3; |1 - 1| -> 0.
# mean over layers: example 0 (1 + 3) / 2 = 2, example 1 (2 + 0) / 2 = 1; batch mean 1.5.
REAL_1 = [np.array([[1.0, 1.0], [0.0, 0.0]], "float32"), np.array([[3.0], [1.0]], "float32")]
FAKE_1 = [np.array([[0.0, 2.0], [0.0, 4.0]], "float32"), np.array([[0.0], [1.0]], "float32")]


def test_feature_matching_one_discriminator():
    np.testing.assert_allclose(
        _value(losses.feature_matching_loss(REAL_1, FAKE_1, reduction="none")), [2.0, 1.0]
    )
    np.testing.assert_allclose(_value(losses.feature_matching_loss(REAL_1, FAKE_1)), 1.5)


def test_feature_matching_averages_over_discriminator_scales():
    # Scale 2 has one layer: |2 - 0| -> 2 for both examples.
    # mean over scales: example 0 (2 + 2) / 2 = 2, example 1 (1 + 2) / 2 = 1.5; batch mean 1.75.
    real = [REAL_1, [np.full((2, 3, 3, 1), 2.0, "float32")]]
    fake = [FAKE_1, [np.zeros((2, 3, 3, 1), "float32")]]
    np.testing.assert_allclose(
        _value(losses.feature_matching_loss(real, fake, reduction="none")), [2.0, 1.5]
    )
    np.testing.assert_allclose(_value(losses.feature_matching_loss(real, fake)), 1.75)


def test_feature_matching_does_not_train_through_real_features():
    real = [tf.Variable(REAL_1[0]), tf.Variable(REAL_1[1])]
    fake = [tf.Variable(FAKE_1[0]), tf.Variable(FAKE_1[1])]
    with tf.GradientTape() as tape:
        loss = losses.feature_matching_loss(real, fake)
    gradients = tape.gradient(loss, real + fake)
    assert all(g is None for g in gradients[:2])
    assert all(g is not None and np.any(g.numpy() != 0) for g in gradients[2:])


@pytest.mark.parametrize(
    "real, fake",
    [(REAL_1, FAKE_1[:1]), ([], []), (REAL_1[0], FAKE_1[0])],
)
def test_feature_matching_rejects_mismatched_lists(real, fake):
    with pytest.raises(ValueError, match="real_features"):
        losses.feature_matching_loss(real, fake)


def test_kl_divergence():
    # example 0: mu 0, logvar 0 -> each term 1 + 0 - 0 - 1 = 0 -> KL 0.
    # example 1: dim 0 (mu 1, logvar 0): 1 + 0 - 1 - 1 = -1; dim 1 (mu 0, logvar ln 2):
    # 1 + ln 2 - 0 - 2 = ln 2 - 1; sum ln 2 - 2; KL = -0.5 (ln 2 - 2) = 1 - ln 2 / 2.
    mu = np.array([[0.0, 0.0], [1.0, 0.0]], "float32")
    logvar = np.array([[0.0, 0.0], [0.0, math.log(2.0)]], "float32")
    expected = [0.0, 1 - math.log(2.0) / 2]
    np.testing.assert_allclose(
        _value(losses.kl_divergence(mu, logvar, reduction="none")), expected, atol=1e-7
    )
    mean = _value(losses.kl_divergence(mu, logvar))
    np.testing.assert_allclose(mean, np.mean(expected), rtol=1e-6)
