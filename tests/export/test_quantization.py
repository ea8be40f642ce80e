import warnings

import keras
import numpy as np

from keras_portrait.export.quantization import _input_order
from keras_portrait.export.quantization import quantize_int8_inputs


def _two_input_saved_model(path):
    """A SavedModel whose signature names its inputs out of alphabetical order."""
    render = keras.Input((8, 8, 3), batch_size=1, name="render")
    holes = keras.Input((8, 8, 1), batch_size=1, name="holes")
    x = keras.layers.Concatenate()([render, holes])
    model = keras.Model([render, holes], keras.layers.Conv2D(3, 3, padding="same")(x))
    model.export(str(path), verbose=False)
    return str(path)


def test_multi_input_calibration_is_positional_and_opens_no_deprecated_interpreter(tmp_path):
    path = _two_input_saved_model(tmp_path / "saved")
    assert _input_order(path) == ["render", "holes"]
    rng = np.random.default_rng(0)
    inputs = {"holes": rng.integers(0, 2, (4, 8, 8, 1)).astype("float32"),
              "render": rng.uniform(-1, 1, (4, 8, 8, 3)).astype("float32")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        content = quantize_int8_inputs(path, inputs)
    assert content[4:8] == b"TFL3"
    assert not [w for w in caught if "tf.lite.Interpreter" in str(w.message)]
