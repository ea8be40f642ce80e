"""A small CycleGAN-like generator, SynthPortraits to calibrate it, and its exports (shared)."""

import keras
import numpy as np
import pytest

from keras_portrait.data import synth_portraits
from keras_portrait.export import export_generator
from keras_portrait.layers import InstanceNormalization
from keras_portrait.layers import ReflectionPadding2D

IMAGE_SIZE = 32


def small_generator(filters=64, num_blocks=2, seed=0):
    """c7s1-f, d2f, `num_blocks` residual blocks, u-f (transposed conv), c7s1-3, tanh.

    The ResNet generator's structure in miniature, built from keras_portrait.layers only. 64
    filters rather than the usual 8-16 of the tests: the int8/fp32 size ratio is only
    meaningful when the weights outweigh the ~26 kB of per-tensor bookkeeping of a .tflite file.
    """
    keras.utils.set_random_seed(seed)

    def conv_norm_relu(x, channels, kernel, relu=True):
        x = ReflectionPadding2D(kernel // 2)(x)
        x = InstanceNormalization()(keras.layers.Conv2D(channels, kernel)(x))
        return keras.layers.ReLU()(x) if relu else x

    image = keras.Input((None, None, 3))
    x = conv_norm_relu(image, filters, 7)
    x = keras.layers.Conv2D(2 * filters, 3, strides=2, padding="same")(x)
    x = keras.layers.ReLU()(InstanceNormalization()(x))
    for _ in range(num_blocks):
        y = conv_norm_relu(x, 2 * filters, 3)
        x = keras.layers.Add()([x, conv_norm_relu(y, 2 * filters, 3, relu=False)])
    x = keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same")(x)
    x = keras.layers.ReLU()(InstanceNormalization()(x))
    x = ReflectionPadding2D(3)(x)
    output = keras.layers.Conv2D(3, 7, activation="tanh")(x)
    return keras.Model(image, output, name="small_generator")


@pytest.fixture(scope="session")
def generator():
    return small_generator()


@pytest.fixture(scope="session")
def portraits():
    """56 varied SynthPortraits (random styles) as uint8: 48 to calibrate, 8 held out."""
    dataset = synth_portraits("dcgan", image_size=IMAGE_SIZE, batch_size=None, num_examples=56,
                              style=None, shuffle=False)
    images = np.stack([image.numpy() for image in dataset])
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def calibration(portraits):
    """The training-side view: float [-1, 1] batches, as `synth_portraits` gives them."""
    return [portraits[i : i + 16].astype(np.float32) / 127.5 - 1.0 for i in range(0, 48, 16)]


@pytest.fixture(scope="session")
def held_out(portraits):
    return portraits[48:]


@pytest.fixture(scope="session")
def uint8_export(generator, calibration, held_out, tmp_path_factory):
    """Every format with uint8 I/O: {format: card}."""
    return export_generator(
        generator, str(tmp_path_factory.mktemp("uint8")), image_size=IMAGE_SIZE,
        input_type="uint8", representative_data=calibration, parity_data=held_out,
        card={"family": "CycleGAN", "direction": "a2b"},
    )


@pytest.fixture(scope="session")
def float_export(generator, calibration, held_out, tmp_path_factory):
    """fp32 and int8 with float [0, 1] I/O: {format: card}."""
    return export_generator(
        generator, str(tmp_path_factory.mktemp("float")), image_size=IMAGE_SIZE,
        formats=("fp32", "int8"), input_type="float", representative_data=calibration,
        parity_data=held_out,
    )
