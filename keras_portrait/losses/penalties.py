"""Gradient penalties on the discriminator (critic).

Both take the critic as a callable of one image batch, so a conditional critic goes in through a
lambda or `functools.partial` (`lambda x: critic([x, labels], training=True)`). The input
gradient is taken with a `tf.GradientTape` of its own; inside an outer tape (the discriminator
step) the penalty stays differentiable with respect to the critic's weights, in eager mode and in
a `tf.function` alike. The gradient is that of the critic's outputs summed over the batch (and
over a PatchGAN map), which is each example's own gradient as long as the critic treats examples
independently (no batch normalization in the critic). Penalties follow the reduction scheme of
`_reduction.py`: batch mean by default, per-example values with `reduction="none"`.
"""

import tensorflow as tf
from keras import ops
from keras import random

from keras_portrait.losses._reduction import per_example_sum, reduce_per_example

# Keeps the gradient of sqrt finite where the input gradient is exactly zero.
_NORM_EPSILON = 1e-12


def gradient_penalty(critic, real, fake, weight=10.0, seed=None, epsilon=None, reduction="mean"):
    """WGAN-GP penalty: `weight * (||grad_x D(x_hat)||_2 - 1)^2`.

    `x_hat = real + eps * (fake - real)` with one `eps ~ U[0, 1]` per example, drawn here from
    `seed`, or given as `epsilon` by a caller that draws it itself (a GAN that draws for the
    global batch so that a `tf.distribute` strategy does not change the noise).

    Args:
        critic: callable. Maps an image batch to scores of shape `(batch, ...)`.
        real: tensor `(batch, ...)`. Real images.
        fake: tensor of the same shape. Generated images.
        weight: float. The penalty coefficient lambda. Defaults to `10.0`.
        seed: `keras.random.SeedGenerator`, int or None. Source of `eps`; pass the GAN's
            `SeedGenerator` in a train step (an int draws the same `eps` at every call).
            Defaults to `None` (Keras' global generator).
        epsilon: tensor `(batch,)` or `(batch, 1, ..., 1)`, or None. Interpolation weights to
            use instead of drawing them; only with `seed=None`. Defaults to `None`.
        reduction: str. `"mean"` or `"none"`. Defaults to `"mean"`.

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    """
    if seed is not None and epsilon is not None:
        raise ValueError(
            "Pass `seed` or `epsilon` to draw the interpolation weights, not both. "
            f"Received: seed={seed}, epsilon of shape {tuple(epsilon.shape)}"
        )
    real = ops.cast(real, "float32")
    fake = ops.cast(fake, "float32")
    eps_shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    if epsilon is None:
        eps = random.uniform(eps_shape, seed=seed)
    else:
        eps = ops.reshape(ops.cast(epsilon, "float32"), eps_shape)
    interpolates = real + eps * (fake - real)
    norm = ops.sqrt(_squared_gradient_norm(critic, interpolates) + _NORM_EPSILON)
    return reduce_per_example(weight * ops.square(norm - 1.0), reduction)


def r1_penalty(critic, real, weight=10.0, reduction="mean"):
    """R1 penalty on real data: `weight / 2 * ||grad_x D(x)||_2^2` (weight = gamma).

    Args:
        critic: callable. Maps an image batch to logits of shape `(batch, ...)`.
        real: tensor `(batch, ...)`. Real images.
        weight: float. gamma. Defaults to `10.0`.
        reduction: str. `"mean"` or `"none"`. Defaults to `"mean"`.

    Reference:
        Mescheder et al., "Which Training Methods for GANs do actually Converge?", ICML 2018.
    """
    squared_norm = _squared_gradient_norm(critic, ops.cast(real, "float32"))
    return reduce_per_example(0.5 * weight * squared_norm, reduction)


def _squared_gradient_norm(critic, x):
    """`||d sum(critic(x)) / dx_i||^2` for each example i: shape `(batch,)`."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = ops.cast(critic(x), "float32")
    gradient = tape.gradient(scores, x)
    return per_example_sum(ops.square(gradient))
