import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import builtins_interpreter, check_model_save

from keras_portrait.layers import PushPullFill


def _fill(image, holes, levels=6):
    return np.asarray(PushPullFill(levels)([image.astype("float32"), holes.astype("float32")]))


def test_known_pixels_are_kept_and_a_flat_image_fills_flat():
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (2, 32, 32, 3))
    holes = (rng.uniform(size=(2, 32, 32, 1)) < 0.4).astype("float32")
    out = _fill(image, holes)
    known = np.broadcast_to(holes == 0, out.shape)
    np.testing.assert_allclose(out[known], image[known], atol=1e-6)
    flat = np.full((1, 32, 32, 3), 0.3)
    square = np.zeros((1, 32, 32, 1))
    square[:, 8:24, 8:24] = 1
    np.testing.assert_allclose(_fill(flat * (1 - square), square), flat, atol=1e-5)


def test_a_hole_takes_the_colours_around_it():
    # Left half −1, right half +1, a 12-px-wide hole across the border: the filled values go
    # from near −1 at the hole's left edge to near +1 at its right, monotonically.
    image = np.where(np.arange(32) < 16, -1.0, 1.0)[None, None, :, None] * np.ones((1, 32, 32, 3))
    holes = np.zeros((1, 32, 32, 1))
    holes[:, :, 10:22] = 1
    row = _fill(image * (1 - holes), holes)[0, 16, :, 0]
    assert row[10] < -0.3 and row[21] > 0.3
    assert np.all(np.diff(row[10:22]) >= -1e-6)
    assert abs(row[15] + row[16]) < 0.1  # symmetric about the border


def test_all_holes_give_zeros_and_odd_sizes_work():
    out = _fill(np.ones((1, 8, 8, 3)), np.ones((1, 8, 8, 1)))
    np.testing.assert_array_equal(out, 0.0)
    image = np.random.default_rng(1).uniform(-1, 1, (1, 21, 13, 3))
    holes = np.zeros((1, 21, 13, 1))
    holes[:, 5:9, 3:7] = 1
    out = _fill(image * (1 - holes), holes, levels=5)
    assert out.shape == (1, 21, 13, 3) and np.isfinite(out).all()
    assert np.abs(out[0, 5:9, 3:7]).max() > 0  # filled, not left at 0


def test_config_symbolic_save_gradient_and_errors():
    layer = PushPullFill(4, name="fill")
    assert PushPullFill.from_config(layer.get_config()).get_config() == layer.get_config()
    image, holes = keras.Input((None, None, 3)), keras.Input((None, None, 1))
    out = PushPullFill(4)([image, holes])
    assert tuple(out.shape) == (None, None, None, 3)
    model = keras.Model([image, holes], keras.layers.Conv2D(2, 1)(out))
    rng = np.random.default_rng(2)
    inputs = [rng.uniform(-1, 1, (1, 16, 16, 3)).astype("float32"),
              (rng.uniform(size=(1, 16, 16, 1)) < 0.3).astype("float32")]
    check_model_save(model, inputs)
    x = tf.constant(inputs[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(PushPullFill(4)([x, inputs[1]]))
    assert np.isfinite(tape.gradient(y, x).numpy()).all()
    with pytest.raises(ValueError, match="levels"):
        PushPullFill(0)


def test_tflite_builtins_conversion_matches_keras():
    image, holes = keras.Input((32, 32, 3)), keras.Input((32, 32, 1))
    model = keras.Model([image, holes], PushPullFill()([image, holes]))
    rng = np.random.default_rng(3)
    inputs = [rng.uniform(-1, 1, (1, 32, 32, 3)).astype("float32"),
              (rng.uniform(size=(1, 32, 32, 1)) < 0.3).astype("float32")]
    interpreter, _ = builtins_interpreter(model)
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], inputs[1] if detail["shape"][-1] == 1
                               else inputs[0])
    interpreter.invoke()
    out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(out, np.asarray(model(inputs)), atol=1e-5)
