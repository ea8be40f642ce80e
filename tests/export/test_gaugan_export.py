"""export_generator of a GauGAN: uint8 mask, code, metadata → image files, and its encoder."""

import keras
import numpy as np
import pytest

from keras_portrait import GauGAN
from keras_portrait.data import METADATA_NAMES
from keras_portrait.data import synth_portraits
from keras_portrait.export import FORMATS
from keras_portrait.export import LiteRTRunner
from keras_portrait.export import custom_operators
from keras_portrait.export import export_generator
from keras_portrait.export import operator_names
from keras_portrait.export import read_card
from keras_portrait.labels import MASK_CLASSES

SIZE = 32
TINY = {"image_size": SIZE, "code_dim": 8, "filters": 2, "encoder_filters": 4,
        "discriminator_filters": 4, "discriminator_layers": 3, "spade_hidden": 8}
TFLITE_FORMATS = [f for f in FORMATS if f != "saved_model"]
# Bounds in [0, 1] output units, measured on this tiny GauGAN (random weights, seed 0), 24
# calibration SynthPortraits, 8 held out, float output; codes: encoder mu / N(0, 1) in turn.
# Measured max / mean: saved_model 4.0e-6 / 1.4e-7, fp32 5.2e-6 / 2.7e-7, fp16 4.5e-3 /
# 2.6e-4, int8_dynamic 0.23 / 0.012, int8 0.30 / 0.020 (export/README.md).
MAX_ABS = {"saved_model": 1e-3, "fp32": 1e-3, "fp16": 1e-2, "int8_dynamic": 0.35, "int8": 0.45}
MEAN_ABS = {"saved_model": 1e-4, "fp32": 1e-4, "fp16": 1e-3, "int8_dynamic": 0.02, "int8": 0.03}


@pytest.fixture(scope="module")
def gaugan():
    keras.utils.set_random_seed(0)
    return GauGAN(**TINY, seed=0)


@pytest.fixture(scope="module")
def portraits():
    """4 batches of 8 SynthPortraits {"image", "mask", "metadata"}: 3 calibrate, 1 held out."""
    dataset = synth_portraits("gaugan", image_size=SIZE, batch_size=8, num_examples=32,
                              shuffle=False)
    return [{key: value.numpy() for key, value in batch.items()} for batch in dataset]


@pytest.fixture(scope="module")
def exported(gaugan, portraits, tmp_path_factory):
    """Every format with float [0, 1] output, int8 calibrated on 24 portraits."""
    return export_generator(
        gaugan, str(tmp_path_factory.mktemp("gaugan")), input_type="float",
        representative_data=portraits[:3], parity_data=portraits[3:],
    )


def _inputs(gaugan, batch, seed=5):
    codes = np.random.default_rng(seed).standard_normal((len(batch["mask"]), 8))
    return batch["mask"].astype(np.uint8), codes.astype(np.float32), batch["metadata"]


def test_cards_record_the_inputs(exported):
    assert set(exported) == {*FORMATS, "style_encoder_fp32", "style_encoder_fp16"}
    for fmt in FORMATS:
        card = exported[fmt]
        assert read_card(card["path"]) == card
        assert card["family"] == "GauGAN" and "input" not in card
        mask, code, metadata = card["inputs"]
        assert mask["name"] == "mask" and mask["shape"] == [1, SIZE, SIZE]
        assert mask["dtype"] == "uint8" and mask["classes"] == list(MASK_CLASSES)
        assert code == {**code, "name": "code", "shape": [1, 8], "dtype": "float32", "size": 8}
        assert "N(0, 1)" in code["source"]
        assert metadata["names"] == list(METADATA_NAMES) and metadata["shape"] == [1, 3]
        assert card["output"]["shape"] == [1, SIZE, SIZE, 3]
        assert card["output"]["dtype"] == "float32" and card["output"]["range"] == [0.0, 1.0]


def test_files_use_builtin_ops_only(exported):
    for fmt in TFLITE_FORMATS:
        path = exported[fmt]["path"]
        assert custom_operators(path) == [], fmt
        assert {"ONE_HOT", "RESIZE_NEAREST_NEIGHBOR"} <= set(operator_names(path)), fmt
        runner = LiteRTRunner(path)
        assert set(runner.input_names) == {"mask", "code", "metadata"}
        assert runner.input_names[0] == "mask" and runner.input_dtype == np.uint8


def test_parity_within_measured_bounds(exported):
    for fmt in FORMATS:
        parity = exported[fmt]["parity_vs_keras"]
        assert parity["images"] == 8 and parity["source"] == "parity_data", fmt
        assert parity["max_abs"] <= MAX_ABS[fmt], (fmt, parity)
        assert parity["mean_abs"] <= MEAN_ABS[fmt], (fmt, parity)


def test_fp32_file_matches_the_keras_generator(gaugan, exported, portraits):
    masks, codes, metadata = _inputs(gaugan, portraits[3])
    runner = LiteRTRunner(exported["fp32"]["path"])
    outputs = runner(masks, code=codes, metadata=metadata)
    expected = gaugan([gaugan.one_hot(masks), codes, metadata])
    expected = np.clip((np.asarray(expected) + 1.0) / 2.0, 0.0, 1.0)
    assert np.abs(outputs - expected).max() <= 1e-3
    # One example, unbatched: the same image.
    np.testing.assert_allclose(runner(masks[0], code=codes[0], metadata=metadata[0]),
                               outputs[0], atol=1e-6)


def test_int8_keeps_norm_statistics_and_one_hot_in_float(exported):
    from tensorflow.lite.python import schema_py_generated as schema

    with open(exported["int8"]["path"], "rb") as f:
        model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(f.read(), 0))
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if k.isupper()}
    types = {}
    graph = model.subgraphs[0]
    for op in graph.operators:
        code = model.operatorCodes[op.opcodeIndex]
        name = names[max(code.builtinCode, code.deprecatedBuiltinCode)]
        types.setdefault(name, set()).update(graph.tensors[t].type for t in op.outputs)
    for name in ("ONE_HOT", "MEAN", "RSQRT", "SQUARED_DIFFERENCE"):
        assert types[name] == {schema.TensorType.FLOAT32}, name
    assert types["CONV_2D"] == {schema.TensorType.INT8}


def test_style_encoder_file_gives_the_keras_code(gaugan, exported, portraits):
    card = exported["style_encoder_fp32"]
    assert card["role"] == "style_encoder" and card["output"]["shape"] == [1, 8]
    assert card["input"]["shape"] == [1, SIZE, SIZE, 3] and card["input"]["dtype"] == "float32"
    images = portraits[3]["image"]
    runner = LiteRTRunner(card["path"])
    mu = runner(((images + 1.0) / 2.0).astype(np.float32))
    np.testing.assert_allclose(mu, gaugan.style_codes(images), atol=1e-4)
    assert exported["style_encoder_fp16"]["parity_vs_keras"]["max_abs"] <= 1e-2


def test_no_metadata_and_argument_checks(tmp_path):
    keras.utils.set_random_seed(1)
    gan = GauGAN(**{**TINY, "metadata_dim": 0}, seed=1)
    cards = export_generator(gan, str(tmp_path), formats="fp32", parts=("generator",))
    assert list(cards) == ["fp32"]
    assert [i["name"] for i in cards["fp32"]["inputs"]] == ["mask", "code"]
    assert cards["fp32"]["parity_vs_keras"]["source"] == "uniform random masks, seed 0"
    assert cards["fp32"]["parity_vs_keras"]["max_abs"] <= 1 / 255 + 1e-6  # uint8: one level
    assert set(LiteRTRunner(cards["fp32"]["path"]).input_names) == {"mask", "code"}
    with pytest.raises(ValueError, match="its own size, 32"):
        export_generator(gan, str(tmp_path), image_size=64, formats="fp32")
    with pytest.raises(ValueError, match="representative_data"):
        export_generator(gan, str(tmp_path), formats="int8")
    with pytest.raises(ValueError, match="not to a GauGAN"):
        export_generator(gan, str(tmp_path), formats="fp32", domain_names=["a"])
