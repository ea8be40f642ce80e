"""Checks that every layer, model and GAN of keras_portrait goes through (STYLE.md §7)."""

import os
import tempfile

import keras
import numpy as np


def check_layer(
    layer_cls,
    init_kwargs,
    input_shape,
    expected_output_shape=None,
    expected_trainable_weights=None,
    expected_non_trainable_weights=None,
):
    """Config round trip, symbolic and eager call, output shape and weight counts of a layer.

    Returns the eager output so a test can assert values on it.
    """
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    rebuilt = layer_cls.from_config(config)
    assert rebuilt.get_config() == config, "get_config/from_config does not round-trip"
    for key, value in init_kwargs.items():
        assert key in config, f"get_config() lacks the constructor argument {key!r}"

    symbolic = keras.Input(batch_shape=input_shape)
    symbolic_out = layer(symbolic)
    x = np.random.default_rng(0).uniform(-1, 1, size=input_shape).astype("float32")
    eager_out = keras.ops.convert_to_numpy(layer(x))
    assert tuple(symbolic_out.shape) == eager_out.shape, (symbolic_out.shape, eager_out.shape)
    if expected_output_shape is not None:
        assert eager_out.shape == tuple(expected_output_shape), eager_out.shape
    assert np.all(np.isfinite(eager_out)), "layer output is not finite"
    if expected_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_trainable_weights, layer.trainable_weights
    if expected_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_non_trainable_weights

    # Serialized inside a model, the layer must reload with the same outputs.
    model = keras.Sequential([keras.Input(batch_shape=input_shape), layer])
    check_model_save(model, x)
    return eager_out


def builtins_interpreter(model):
    """`model` exported, converted with TFLite builtin ops only (no Flex) and loaded in LiteRT.

    Returns the allocated interpreter and the set of its operator names.
    """
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    with tempfile.TemporaryDirectory() as tmp:
        model.export(os.path.join(tmp, "saved"), verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(os.path.join(tmp, "saved"))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        flatbuffer = converter.convert()
    interpreter = Interpreter(model_content=flatbuffer)
    interpreter.allocate_tensors()
    op_names = {op["op_name"] for op in interpreter._get_ops_details()}
    assert not any(name.startswith("Flex") for name in op_names), op_names
    return interpreter, op_names


def check_model_save(model, inputs, atol=1e-6, safe_mode=True):
    """`.keras` save and reload give the same outputs (within `atol`); returns the reloaded model."""
    before = keras.ops.convert_to_numpy(model(inputs, training=False))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=safe_mode)
    after = keras.ops.convert_to_numpy(reloaded(inputs, training=False))
    np.testing.assert_allclose(after, before, atol=atol)
    return reloaded


def check_train_step(gan, batch, steps=1):
    """One `fit` step on a tiny batch: every loss finite, generator and discriminator weights moved.

    The GAN exposes its players as `gan.generators` and `gan.discriminators` (lists of models).
    Returns the logged losses.
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensors(batch).repeat(steps)
    players = {"generator": gan.generators, "discriminator": gan.discriminators}
    before = {
        role: [w.numpy().copy() for net in nets for w in net.trainable_weights]
        for role, nets in players.items()
    }
    history = gan.fit(dataset, epochs=1, verbose=0)
    logs = {name: values[-1] for name, values in history.history.items()}
    assert logs, "fit() logged no loss"
    for name, value in logs.items():
        assert np.all(np.isfinite(value)), f"loss {name} is not finite: {value}"
    for role, nets in players.items():
        after = [w.numpy() for net in nets for w in net.trainable_weights]
        assert after, f"the {role}s have no trainable weights"
        moved = [not np.array_equal(a, b) for a, b in zip(before[role], after)]
        assert any(moved), f"no {role} weight changed after a train step"
    return logs


FACE_PHOTOS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "shared", "data", "faces",
)


def face_photos(*names, size=128):
    """uint8 (N, size, size, 3) RGB of the shared real face photos `names` (file stems),
    resized bilinearly; skips the test when the photos are not beside the repository."""
    import pytest
    from PIL import Image

    paths = [os.path.join(FACE_PHOTOS, f"{name}.jpg") for name in names]
    if not all(os.path.isfile(path) for path in paths):
        pytest.skip(f"the face photos are not in {FACE_PHOTOS}")
    return np.stack([
        np.asarray(Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR))
        for path in paths
    ])
