import warnings

import keras
import numpy as np

from keras_portrait.export import export_generator
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


def _residual_generator(seed=0):
    """`clip(x + 2·tanh(conv(x)), -1, 1)`: the end of the rotation generator in miniature."""
    keras.utils.set_random_seed(seed)
    image = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(image)
    x = keras.layers.Conv2D(3, 3, padding="same", activation="tanh",
                            kernel_initializer=keras.initializers.RandomNormal(0.0, 0.3))(x)
    return keras.Model(image, keras.ops.clip(image + 2.0 * x, -1.0, 1.0), name="residual")


def _images(count, size=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, size, size, 3), np.uint8)


def test_a_residual_clip_before_the_boundary_keeps_its_own_range(tmp_path):
    """TF 2.21's calibrator recorded the clip's range as that of `× 127.5` after it (±127.5:
    3 levels over [-1, 1], 33 grey levels off on the trained rotation generator); measured
    again, the int8 file is within a few grey levels of Keras."""
    cards = export_generator(_residual_generator(), str(tmp_path), image_size=16,
                             formats=("int8",), representative_data=[_images(8)],
                             parity_data=_images(4, seed=1))
    assert cards["int8"]["parity_vs_keras"]["mean_abs"] * 255 <= 3.0


def test_measured_ranges_are_the_ranges_of_the_tensors(tmp_path):
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415
    from ai_edge_litert.tools import flatbuffer_utils  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    from keras_portrait.export.quantization import measured_ranges  # noqa: PLC0415

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.layers[0].set_weights([np.eye(4, 3, dtype="float32") * 2.0, np.ones(3, "float32")])
    samples = [[np.array([[1.0, -2.0, 0.5, 0.0]], "float32")],
               [np.array([[-3.0, 1.0, 2.0, 1.0]], "float32")]]
    model.export(str(tmp_path / "saved"), verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "saved"))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter._experimental_calibrate_only = True  # pylint: disable=protected-access
    content = measured_ranges(converter.convert(), samples)
    graph = flatbuffer_utils.read_model_from_bytearray(bytearray(content)).subgraphs[0]
    output = Interpreter(model_content=content).get_output_details()[0]["index"]
    ranges = graph.tensors[output].quantization
    # 2x + 1 on the first three inputs: [3, -3, 2] and [-5, 3, 5]
    assert (ranges.min[0], ranges.max[0]) == (-5.0, 5.0)


def test_per_tensor_weights_make_a_smaller_file_with_its_card(tmp_path):
    generator = _residual_generator()
    common = {"image_size": 16, "formats": ("int8",), "representative_data": [_images(8)],
              "parity_data": _images(4, seed=1)}
    channel = export_generator(generator, str(tmp_path / "channel"), **common)["int8"]
    tensor = export_generator(generator, str(tmp_path / "tensor"), per_channel=False,
                              **common)["int8"]
    assert tensor["quantization"]["weights"] == "int8 per-tensor"
    assert channel["quantization"]["weights"] == "int8 per-channel"
    assert tensor["file_size_bytes"] < channel["file_size_bytes"]
    assert tensor["parity_vs_keras"]["mean_abs"] * 255 <= 3.0


def test_percentile_ranges_leave_out_the_rarest_values(tmp_path):
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415
    from ai_edge_litert.tools import flatbuffer_utils  # noqa: PLC0415
    import pytest  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    from keras_portrait.export.quantization import PERCENTILE_MIN_SIZE  # noqa: PLC0415
    from keras_portrait.export.quantization import measured_ranges  # noqa: PLC0415

    side = 64  # 4,096 values: a large tensor
    assert side * side >= PERCENTILE_MIN_SIZE
    model = keras.Sequential([keras.Input((side, side, 1)), keras.layers.Conv2D(1, 1)])
    model.layers[0].set_weights([np.full((1, 1, 1, 1), 2.0, "float32"), np.zeros(1, "float32")])
    rng = np.random.default_rng(0)
    samples = [[rng.normal(0.0, 1.0, (1, side, side, 1)).astype("float32")] for _ in range(3)]
    samples[1][0][0, 5, 5, 0] = 500.0  # one outlier
    model.export(str(tmp_path / "saved"), verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "saved"))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter._experimental_calibrate_only = True  # pylint: disable=protected-access
    calibrated = converter.convert()
    output = Interpreter(model_content=calibrated).get_output_details()[0]["index"]

    def output_range(content):
        graph = flatbuffer_utils.read_model_from_bytearray(bytearray(content)).subgraphs[0]
        return graph.tensors[output].quantization.min[0], graph.tensors[output].quantization.max[0]

    assert output_range(measured_ranges(calibrated, samples))[1] == pytest.approx(1000.0)
    low, high = output_range(measured_ranges(calibrated, samples, percentile=99.9))
    expected = [2.0 * np.percentile(sample[0], (0.1, 99.9)) for sample in samples]
    assert low == pytest.approx(min(e[0] for e in expected), rel=1e-4)
    assert high == pytest.approx(max(e[1] for e in expected), rel=1e-4)
    assert 5.0 < high < 8.0
    with pytest.raises(ValueError, match="percentile"):
        measured_ranges(calibrated, samples, percentile=30.0)


def test_percentile_ranges_reach_the_card(tmp_path):
    common = {"image_size": 16, "formats": ("int8",), "representative_data": [_images(8)],
              "parity_data": _images(4, seed=1)}
    card = export_generator(_residual_generator(), str(tmp_path), range_percentile=99.9,
                            **common)["int8"]
    assert card["quantization"]["activation_ranges"] == "percentile 99.9"
    assert card["parity_vs_keras"]["mean_abs"] * 255 <= 3.0
