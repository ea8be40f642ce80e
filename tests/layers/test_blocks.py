import keras
import numpy as np
import pytest
from harness import check_layer, check_model_save

from keras_portrait.layers import InstanceNormalization, ReflectionPadding2D, ResidualBlock


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype("float32")


@pytest.mark.parametrize(
    "kwargs, trainable, non_trainable",
    [
        # CycleGAN: two convolutions with bias, instance norm without affine.
        ({"filters": 8}, 4, 0),
        # StarGAN: zero padding, affine instance norm, no bias.
        ({"filters": 8, "padding": "zero", "affine": True, "use_bias": False}, 6, 0),
        # Batch norm: gamma/beta trainable, moving mean/variance not.
        ({"filters": 8, "norm": "batch", "affine": True}, 8, 4),
        ({"filters": 8, "norm": "none", "kernel_size": 5, "dropout": 0.5}, 4, 0),
        (
            {
                "filters": 8,
                "kernel_initializer": keras.initializers.RandomNormal(stddev=0.02, seed=1),
            },
            4,
            0,
        ),
    ],
)
def test_check_layer(kwargs, trainable, non_trainable):
    check_layer(
        ResidualBlock,
        kwargs,
        input_shape=(2, 8, 8, 8),
        expected_output_shape=(2, 8, 8, 8),
        expected_trainable_weights=trainable,
        expected_non_trainable_weights=non_trainable,
    )


def test_identity_plus_residual_branch():
    # With 1x1 kernels and no norm the block is x + relu(x @ w1 + b1) @ w2 + b2, pixel by pixel.
    block = ResidualBlock(4, kernel_size=1, norm="none")
    x = _images((2, 3, 3, 4))
    block.build(x.shape)
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=w.shape).astype("float32") for w in block.trainable_weights]
    for variable, value in zip(block.trainable_weights, weights):
        variable.assign(value)
    w1, b1, w2, b2 = (w.reshape(w.shape[-2:]) if w.ndim == 4 else w for w in weights)
    expected = x + np.maximum(x @ w1 + b1, 0.0) @ w2 + b2
    np.testing.assert_allclose(keras.ops.convert_to_numpy(block(x)), expected, atol=1e-5)


def test_zero_second_convolution_gives_identity():
    block = ResidualBlock(4, norm="none")
    x = _images((2, 6, 6, 4))
    block.build(x.shape)
    for variable in block.trainable_weights:
        if "conv2" in variable.path:
            variable.assign(np.zeros(variable.shape, "float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(block(x)), x)


def test_instance_norm_output_is_normalized_before_the_skip():
    block = ResidualBlock(4)
    x = _images((2, 6, 6, 4))
    residual = keras.ops.convert_to_numpy(block(x)) - x
    np.testing.assert_allclose(residual.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(residual.std(axis=(1, 2)), 1.0, atol=1e-3)


def test_padding_changes_only_the_border():
    x = _images((1, 8, 8, 4))
    reflect = ResidualBlock(4, padding="reflect", norm="none")
    zero = ResidualBlock(4, padding="zero", norm="none")
    reflect.build(x.shape)
    zero.build(x.shape)
    zero.set_weights(reflect.get_weights())
    out_reflect = keras.ops.convert_to_numpy(reflect(x))
    out_zero = keras.ops.convert_to_numpy(zero(x))
    # Two 3x3 convolutions: the border shows up to 2 pixels in.
    np.testing.assert_allclose(out_reflect[:, 2:-2, 2:-2], out_zero[:, 2:-2, 2:-2], atol=1e-5)
    assert not np.allclose(out_reflect[:, 0], out_zero[:, 0])


def test_dropout_only_in_training():
    block = ResidualBlock(8, dropout=0.5)
    x = _images((2, 8, 8, 8))
    inference = [keras.ops.convert_to_numpy(block(x, training=False)) for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])
    training = keras.ops.convert_to_numpy(block(x, training=True))
    assert not np.allclose(training, inference[0])


def test_dynamic_spatial_size():
    inputs = keras.Input((None, None, 8))
    model = keras.Model(inputs, ResidualBlock(8)(inputs))
    assert model(_images((1, 5, 7, 8))).shape == (1, 5, 7, 8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"filters": 0}, "filters"),
        ({"filters": 8, "kernel_size": 4}, "kernel_size"),
        ({"filters": 8, "padding": "same"}, r"`padding` must be one of \['reflect', 'zero'\]"),
        ({"filters": 8, "norm": "group"}, r"`norm` must be one of \['batch', 'instance', 'none'\]"),
        ({"filters": 8, "norm": "none", "affine": True}, "affine"),
        ({"filters": 8, "dropout": 1.0}, "dropout"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ResidualBlock(**kwargs)


def test_input_channels_must_match_filters():
    with pytest.raises(ValueError, match="filters=8"):
        ResidualBlock(8)(keras.Input((8, 8, 3)))


def test_spectral_normalization_wraps_our_layers_and_reloads():
    # Families that want spectral norm use keras.layers.SpectralNormalization around a conv.
    inputs = keras.Input((8, 8, 3))
    x = ReflectionPadding2D(1)(inputs)
    x = keras.layers.SpectralNormalization(keras.layers.Conv2D(8, 3))(x)
    outputs = InstanceNormalization(center=True, scale=True)(x)
    model = keras.Model(inputs, outputs)
    images = _images((2, 8, 8, 3))
    model(images, training=True)  # one power iteration moves u away from its initial value
    check_model_save(model, images)


def test_the_two_convolutions_start_with_different_kernels():
    block = ResidualBlock(8, kernel_initializer=keras.initializers.RandomNormal(stddev=0.02))
    block.build((1, 16, 16, 8))
    conv1, conv2 = (layer for layer in block.stages if isinstance(layer, keras.layers.Conv2D))
    assert not np.array_equal(conv1.kernel.numpy(), conv2.kernel.numpy())
