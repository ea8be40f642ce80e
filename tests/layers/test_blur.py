import numpy as np
import pytest
from harness import check_layer

from keras_portrait.layers import Blur2D


def test_check_layer():
    check_layer(Blur2D, {}, input_shape=(2, 5, 6, 3), expected_output_shape=(2, 5, 6, 3),
                expected_trainable_weights=0, expected_non_trainable_weights=0)


def test_removes_the_checkerboard_and_keeps_a_constant():
    x = np.zeros((1, 8, 8, 2), "float32")
    x[0, :, :, 0] = np.indices((8, 8)).sum(0) % 2 * 2.0 - 1.0  # ±1, alternating
    x[0, :, :, 1] = 3.0
    y = Blur2D()(x).numpy()
    # The whole image: the reflected border of an alternating pattern alternates too.
    np.testing.assert_allclose(y[..., 0], 0.0, atol=1e-6)
    np.testing.assert_allclose(y[..., 1], 3.0, atol=1e-6)


def test_equals_the_binomial_filter_per_channel():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 6, 7, 3)).astype("float32")
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    taps = np.outer([1, 2, 1], [1, 2, 1]) / 16
    expected = sum(taps[i, j] * padded[:, i:i + 6, j:j + 7] for i in range(3) for j in range(3))
    np.testing.assert_allclose(Blur2D()(x).numpy(), expected, atol=1e-6)


def test_needs_known_channels():
    with pytest.raises(ValueError, match="channel"):
        Blur2D().build((None, 8, 8, None))
