"""LiteRTRunner: batch loop over a batch-1 file, details, argument checks; the op inspection."""

import numpy as np
import pytest

from keras_portrait.export import LiteRTRunner
from keras_portrait.export import custom_operators
from keras_portrait.export import operator_names


@pytest.fixture(scope="module")
def runner(uint8_export):
    return LiteRTRunner(uint8_export["fp32"]["path"])


def test_details(runner):
    assert runner.num_threads == 2
    assert runner.input_shape == (1, 32, 32, 3)
    assert runner.input_dtype == np.uint8 and runner.output_dtype == np.uint8
    assert list(runner.output_details["shape"]) == [1, 32, 32, 3]


def test_batch_loop_matches_one_by_one(runner, held_out):
    batch = runner(held_out[:3])
    assert batch.shape == (3, 32, 32, 3) and batch.dtype == np.uint8
    for image, output in zip(held_out[:3], batch):
        np.testing.assert_array_equal(runner(image), output)  # one HWC image → one HWC image


def test_wrong_inputs_are_errors(runner, held_out):
    with pytest.raises(ValueError, match="uint8"):
        runner(held_out.astype(np.float32))
    with pytest.raises(ValueError, match="shape"):
        runner(held_out[:, :16])


def test_constructor_checks(tmp_path, uint8_export):
    with pytest.raises(FileNotFoundError):
        LiteRTRunner(str(tmp_path / "missing.tflite"))
    with pytest.raises(ValueError, match="num_threads"):
        LiteRTRunner(uint8_export["fp32"]["path"], num_threads=0)


def test_latency_is_positive(runner):
    assert 0 < runner.latency(repeats=3, warmup=1) < 10


def test_operator_names_read_the_flatbuffer(uint8_export):
    names = operator_names(uint8_export["int8"]["path"])
    assert {"CONV_2D", "CONCATENATION", "QUANTIZE", "DEQUANTIZE", "MEAN", "RSQRT"} <= set(names)
    with open(uint8_export["int8"]["path"], "rb") as f:
        assert operator_names(f.read()) == names
    assert custom_operators(uint8_export["int8"]["path"]) == []
