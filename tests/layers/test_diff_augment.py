import numpy as np
import pytest
import tensorflow as tf

from keras_portrait.layers.diff_augment import diff_augment
from keras_portrait.layers.diff_augment import num_draws
from keras_portrait.layers.diff_augment import parse_policy


def _images(n=2, size=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


def test_policy_parsing_and_draw_counts():
    assert parse_policy("color, translation,cutout") == ("color", "translation", "cutout")
    assert parse_policy("") == () and parse_policy(None) == ()
    assert num_draws("color,translation,cutout") == 7 and num_draws("cutout") == 2
    for bad in ("colour", "color,color", "color;cutout"):
        with pytest.raises(ValueError, match="policy"):
            parse_policy(bad)


def test_color_at_middle_draws_is_the_identity_and_brightness_adds():
    images = _images()
    same = diff_augment(images, "color", np.full((2, 3), 0.5, np.float32))
    np.testing.assert_allclose(same, images, atol=1e-6)
    # Brightness u = 1: + 0.5 everywhere; saturation and contrast at their identity draws.
    brighter = diff_augment(images, "color", np.array([[1.0, 0.5, 0.5]] * 2, np.float32))
    np.testing.assert_allclose(brighter, images + 0.5, atol=1e-6)
    # Contrast u = 0: the image halved around its mean.
    flat = diff_augment(images, "color", np.array([[0.5, 0.5, 0.0]] * 2, np.float32))
    mean = images.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(flat, (images - mean) * 0.5 + mean, atol=1e-6)


def test_translation_shifts_each_example_by_its_own_draw():
    images = _images()
    # 8 px side: shifts in [-1, 1]; u = 0 → -1, u = 0.5 → 0, u = 0.99 → +1 (rows, then columns).
    draws = np.array([[0.0, 0.5], [0.99, 0.0]], np.float32)
    out = diff_augment(images, "translation", draws).numpy()
    up = np.zeros_like(images[0])
    up[:-1] = images[0, 1:]
    np.testing.assert_allclose(out[0], up)
    down_left = np.zeros_like(images[1])
    down_left[1:, :-1] = images[1, :-1, 1:]
    np.testing.assert_allclose(out[1], down_left)


def test_cutout_zeroes_a_square_of_half_the_side():
    images = _images(n=1)
    out = diff_augment(images, "cutout", np.array([[0.5, 0.0]], np.float32)).numpy()
    hole = np.zeros((8, 8), bool)
    hole[2:6, 0:2] = True  # centre (4, 0): rows 2-5, columns -2..1 clipped to 0-1
    np.testing.assert_array_equal(out[0][hole], 0.0)
    np.testing.assert_array_equal(out[0][~hole], images[0][~hole])


def test_gradients_flow_through_every_policy():
    images = tf.constant(_images())
    draws = tf.constant(np.random.default_rng(1).uniform(size=(2, 7)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(images)
        loss = tf.reduce_sum(diff_augment(images, "color,translation,cutout", draws) ** 2)
    gradient = tape.gradient(loss, images).numpy()
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).sum() > 0
