import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_portrait import losses

# w over a 2x2x1 image with ||w|| = sqrt(3^2 + 4^2) = 5.
W = np.array([3.0, 0.0, 0.0, 4.0], "float32").reshape(2, 2, 1)


class LinearCritic(keras.layers.Layer):
    """f(x) = sum(w * x) per example, times an optional per-example label: grad_x f = label * w."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=W.shape, initializer=keras.initializers.Constant(W))

    def call(self, x, labels=None):
        scores = keras.ops.sum(x * self.w, axis=(1, 2, 3))
        return scores if labels is None else scores * labels


def _batch(seed, size=3):
    return np.random.default_rng(seed).uniform(-1, 1, size=(size, 2, 2, 1)).astype("float32")


def _value(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_gradient_penalty_of_a_linear_critic():
    # ||grad|| = ||w|| = 5 at every interpolate: weight * (5 - 1)^2 = 10 * 16 = 160.
    penalty = losses.gradient_penalty(LinearCritic(), _batch(0), _batch(1), seed=3)
    np.testing.assert_allclose(_value(penalty), 160.0, rtol=1e-5)
    half = losses.gradient_penalty(LinearCritic(), _batch(0), _batch(1), weight=0.5, seed=3)
    np.testing.assert_allclose(_value(half), 8.0, rtol=1e-5)


def test_r1_penalty_of_a_linear_critic():
    # gamma / 2 * ||w||^2 = 10 / 2 * 25 = 125; with gamma = 1: 12.5.
    r1 = losses.r1_penalty(LinearCritic(), _batch(0))
    np.testing.assert_allclose(_value(r1), 125.0, rtol=1e-5)
    np.testing.assert_allclose(
        _value(losses.r1_penalty(LinearCritic(), _batch(0), weight=1.0)), 12.5, rtol=1e-5
    )


def test_critic_with_labels_through_a_lambda():
    # labels [1, 2]: ||grad|| = 5, 10 -> GP 10 * 4^2 = 160, 10 * 9^2 = 810;
    # R1 5 * 25 = 125, 5 * 100 = 500.
    critic = LinearCritic()
    labels = np.array([1.0, 2.0], "float32")
    conditional = lambda x: critic(x, labels=labels)  # noqa: E731
    gp = losses.gradient_penalty(conditional, _batch(0, 2), _batch(1, 2), reduction="none", seed=0)
    np.testing.assert_allclose(_value(gp), [160.0, 810.0], rtol=1e-5)
    r1 = losses.r1_penalty(conditional, _batch(0, 2), reduction="none")
    np.testing.assert_allclose(_value(r1), [125.0, 500.0], rtol=1e-5)


def test_gradient_penalty_draws_one_uniform_epsilon_per_example():
    # f(x) = 0.5 * sum(x^2) has grad x. With real = 0 and fake = 1 over n = 4 pixels, the
    # interpolate is eps * 1, so ||grad|| = 2 eps and each penalty is (2 eps - 1)^2 (weight 1).
    critic = lambda x: 0.5 * keras.ops.sum(x**2, axis=(1, 2, 3))  # noqa: E731
    real, fake = np.zeros((64, 2, 2, 1), "float32"), np.ones((64, 2, 2, 1), "float32")
    seed = keras.random.SeedGenerator(7)
    per_example = _value(
        losses.gradient_penalty(critic, real, fake, weight=1.0, seed=seed, reduction="none")
    )
    assert per_example.shape == (64,)
    assert np.all(per_example <= 1.0 + 1e-6)  # eps in [0, 1]
    assert len(np.unique(np.round(per_example, 6))) > 32  # one eps per example, not one per batch
    again = _value(
        losses.gradient_penalty(critic, real, fake, weight=1.0, seed=seed, reduction="none")
    )
    assert not np.allclose(per_example, again)  # a SeedGenerator moves on between calls


def test_gradient_penalty_with_given_epsilon():
    # Quadratic critic as above, epsilon [0, 0.25, 1]: ||grad|| = 2 eps = 0, 0.5, 2 ->
    # (0 - 1)^2 = 1, (0.5 - 1)^2 = 0.25, (2 - 1)^2 = 1; weight 10 -> [10, 2.5, 10].
    critic = lambda x: 0.5 * keras.ops.sum(x**2, axis=(1, 2, 3))  # noqa: E731
    real, fake = np.zeros((3, 2, 2, 1), "float32"), np.ones((3, 2, 2, 1), "float32")
    for epsilon in (np.array([0.0, 0.25, 1.0]), np.array([0.0, 0.25, 1.0]).reshape(3, 1, 1, 1)):
        per_example = losses.gradient_penalty(
            critic, real, fake, epsilon=epsilon.astype("float32"), reduction="none"
        )
        np.testing.assert_allclose(_value(per_example), [10.0, 2.5, 10.0], rtol=1e-5)
    with pytest.raises(ValueError, match="not both"):
        losses.gradient_penalty(critic, real, fake, seed=1, epsilon=np.zeros(3, "float32"))


def test_penalties_differentiate_inside_a_tf_function():
    # d/dw [10 (||w|| - 1)^2] = 20 (||w|| - 1) w / ||w|| = 20 * 4 / 5 * w = 16 w.
    # d/dw [10 / 2 ||w||^2] = 10 w.
    critic = LinearCritic()
    critic.build((None, 2, 2, 1))
    seed = keras.random.SeedGenerator(0)

    @tf.function(input_signature=[tf.TensorSpec((None, 2, 2, 1)), tf.TensorSpec((None, 2, 2, 1))])
    def step(real, fake):
        with tf.GradientTape(persistent=True) as tape:
            gp = losses.gradient_penalty(critic, real, fake, seed=seed)
            r1 = losses.r1_penalty(critic, real)
        return gp, tape.gradient(gp, critic.w), r1, tape.gradient(r1, critic.w)

    gp, gp_gradient, r1, r1_gradient = step(_batch(0), _batch(1))
    np.testing.assert_allclose(gp.numpy(), 160.0, rtol=1e-5)
    np.testing.assert_allclose(gp_gradient.numpy(), 16.0 * W, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(r1.numpy(), 125.0, rtol=1e-5)
    np.testing.assert_allclose(r1_gradient.numpy(), 10.0 * W, rtol=1e-5)


def test_gradient_penalty_without_seed_inside_a_tf_function():
    critic = LinearCritic()

    @tf.function
    def penalty(real, fake):
        return losses.gradient_penalty(critic, real, fake)

    np.testing.assert_allclose(penalty(_batch(0), _batch(1)).numpy(), 160.0, rtol=1e-5)


def test_invalid_reduction():
    with pytest.raises(ValueError, match="reduction"):
        losses.r1_penalty(LinearCritic(), _batch(0), reduction="sum")
