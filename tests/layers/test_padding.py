import keras
import numpy as np
import pytest
from harness import check_layer

from keras_portrait.layers import ReflectionPadding2D


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype("float32")


def test_check_layer():
    check_layer(
        ReflectionPadding2D,
        {"padding": 2},
        input_shape=(2, 5, 6, 3),
        expected_output_shape=(2, 9, 10, 3),
        expected_trainable_weights=0,
        expected_non_trainable_weights=0,
    )


@pytest.mark.parametrize(
    "padding, numpy_pad",
    [
        (1, ((1, 1), (1, 1))),
        ((2, 1), ((2, 2), (1, 1))),
        (((1, 3), (0, 2)), ((1, 3), (0, 2))),
    ],
)
def test_equals_numpy_reflect(padding, numpy_pad):
    x = _images((2, 5, 6, 3))
    out = keras.ops.convert_to_numpy(ReflectionPadding2D(padding)(x))
    expected = np.pad(x, ((0, 0), *numpy_pad, (0, 0)), mode="reflect")
    np.testing.assert_array_equal(out, expected)


def test_border_is_mirrored_without_repeating_the_edge():
    # One row 0 1 2 3 padded by 2 on each side: 2 1 | 0 1 2 3 | 2 1.
    x = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
    out = ReflectionPadding2D(((0, 0), (2, 2)))(x)
    row = keras.ops.convert_to_numpy(out)[0, 0, :, 0]
    np.testing.assert_array_equal(row, [2, 1, 0, 1, 2, 3, 2, 1])


def test_dynamic_spatial_size():
    inputs = keras.Input((None, None, 3))
    outputs = ReflectionPadding2D(1)(inputs)
    assert tuple(outputs.shape) == (None, None, None, 3)
    model = keras.Model(inputs, outputs)
    assert model(_images((1, 4, 7, 3))).shape == (1, 6, 9, 3)


def test_config_stores_normalized_padding():
    assert ReflectionPadding2D(3).get_config()["padding"] == ((3, 3), (3, 3))
    rebuilt = ReflectionPadding2D.from_config(ReflectionPadding2D((1, 2)).get_config())
    assert rebuilt.padding == ((1, 1), (2, 2))


@pytest.mark.parametrize("padding", [-1, (1, -2), (1, 2, 3), "1", ((1, 2), 3), 1.5])
def test_invalid_padding(padding):
    with pytest.raises(ValueError, match="padding"):
        ReflectionPadding2D(padding)


def test_padding_must_be_smaller_than_the_image():
    with pytest.raises(ValueError, match="smaller than the padded dimension"):
        ReflectionPadding2D(4)(keras.Input((4, 8, 3)))
