import keras
import numpy as np
import pytest
from harness import builtins_interpreter, check_layer

from keras_portrait.layers import InstanceNormalization, ReflectionPadding2D


def _images(shape, seed=0, loc=0.0, scale=1.0):
    return np.random.default_rng(seed).normal(loc, scale, size=shape).astype("float32")


def _numpy_instance_norm(x, epsilon=1e-5):
    x = x.astype("float64")
    mean = x.mean(axis=(1, 2), keepdims=True)
    variance = x.var(axis=(1, 2), keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon)


def test_check_layer_without_affine():
    check_layer(
        InstanceNormalization,
        {"epsilon": 1e-3},
        input_shape=(2, 8, 8, 4),
        expected_output_shape=(2, 8, 8, 4),
        expected_trainable_weights=0,
        expected_non_trainable_weights=0,
    )


def test_check_layer_with_affine():
    check_layer(
        InstanceNormalization,
        {"center": True, "scale": True},
        input_shape=(2, 8, 8, 4),
        expected_trainable_weights=2,
        expected_non_trainable_weights=0,
    )


def test_zero_mean_unit_std_per_instance_and_channel():
    x = _images((3, 16, 16, 5), loc=3.0, scale=4.0)
    out = keras.ops.convert_to_numpy(InstanceNormalization()(x))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2)), 1.0, atol=1e-4)
    np.testing.assert_allclose(out, _numpy_instance_norm(x), atol=1e-5)


def test_affine_scales_and_shifts_per_channel():
    x = _images((2, 6, 6, 3))
    layer = InstanceNormalization(center=True, scale=True)
    layer.build(x.shape)
    gamma = np.array([2.0, -1.0, 0.5], "float32")
    beta = np.array([0.1, 0.0, -3.0], "float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(out, _numpy_instance_norm(x) * gamma + beta, atol=1e-5)


def test_each_image_is_normalized_on_its_own():
    x = _images((4, 8, 8, 2))
    layer = InstanceNormalization()
    batched = keras.ops.convert_to_numpy(layer(x))
    alone = keras.ops.convert_to_numpy(layer(x[2:3]))
    np.testing.assert_allclose(batched[2:3], alone, atol=1e-6)


def test_mixed_precision_keeps_float32_statistics():
    # Far from zero, float16 sums would lose the mean; the layer sees the float16-rounded input.
    x = _images((2, 8, 8, 3), loc=100.0, scale=2.0).astype("float16")
    out = InstanceNormalization(dtype="mixed_float16")(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(out).astype("float32"), _numpy_instance_norm(x), atol=4e-3
    )


def test_invalid_epsilon():
    with pytest.raises(ValueError, match="epsilon"):
        InstanceNormalization(epsilon=0.0)


def test_affine_needs_known_channels():
    with pytest.raises(ValueError, match="channel count"):
        InstanceNormalization(scale=True).build((None, 8, 8, None))


def test_tflite_builtins_conversion_matches_keras():
    inputs = keras.Input((16, 16, 3))
    x = ReflectionPadding2D(1)(inputs)
    x = keras.layers.Conv2D(8, 3)(x)
    x = InstanceNormalization(center=True, scale=True)(x)
    outputs = keras.layers.ReLU()(ReflectionPadding2D(((1, 0), (2, 1)))(x))
    model = keras.Model(inputs, outputs)
    model.layers[3].gamma.assign(np.linspace(0.5, 2.0, 8).astype("float32"))
    model.layers[3].beta.assign(np.linspace(-1.0, 1.0, 8).astype("float32"))
    images = _images((1, 16, 16, 3))

    interpreter, op_names = builtins_interpreter(model)
    assert "MIRROR_PAD" in op_names, op_names
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], images)
    interpreter.invoke()
    litert_out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    keras_out = keras.ops.convert_to_numpy(model(images))
    assert litert_out.shape == keras_out.shape == (1, 17, 19, 8)
    np.testing.assert_allclose(litert_out, keras_out, atol=1e-5)
