"""export_generator with a label input: a tiny StarGAN as [images, label] → image files."""

import os

import keras
import numpy as np
import pytest

from keras_portrait.data import synth_portraits
from keras_portrait.export import FORMATS
from keras_portrait.export import LiteRTRunner
from keras_portrait.export import custom_operators
from keras_portrait.export import export_generator
from keras_portrait.export import operator_names
from keras_portrait.export import parity
from keras_portrait.export import read_card
from keras_portrait.export.label_input import domains_in_turn
from keras_portrait.export.label_input import label_length
from keras_portrait.export.label_input import label_vectors
from keras_portrait.labels import EXPRESSIONS
from keras_portrait.models import StarGAN
from keras_portrait.models.stargan.stargan_networks import stargan_generator

SIZE = 32
TINY = {"image_size": SIZE, "filters": 8, "num_blocks": 1, "discriminator_filters": 8,
        "discriminator_layers": 3}
TFLITE_FORMATS = [f for f in FORMATS if f != "saved_model"]
# Bounds in [0, 1] output units, measured on this tiny StarGAN (random weights, seed 3), 24
# calibration SynthPortraits with their expression labels, 8 held-out ones, float I/O.
# Measured max / mean: saved_model 6.6e-7 / 1.6e-8, fp32 8.4e-6 / 6.1e-7, fp16 1.7e-3 /
# 1.8e-4, int8_dynamic 0.058 / 0.0074, int8 0.17 / 0.021 (export/README.md).
MAX_ABS = {"saved_model": 1e-3, "fp32": 1e-3, "fp16": 5e-3, "int8_dynamic": 0.1, "int8": 0.25}
MEAN_ABS = {"saved_model": 1e-4, "fp32": 1e-4, "fp16": 1e-3, "int8_dynamic": 0.015, "int8": 0.03}


@pytest.fixture(scope="module")
def stargan():
    keras.utils.set_random_seed(3)
    return StarGAN(**TINY, seed=3)


@pytest.fixture(scope="module")
def expression_data():
    """32 SynthPortraits as (float [-1, 1] images, int32 expression ids) batches of 8."""
    dataset = synth_portraits("stargan", image_size=SIZE, batch_size=8, num_examples=32,
                              shuffle=False)
    return [(images.numpy(), labels.numpy()) for images, labels in dataset]


@pytest.fixture(scope="module")
def held_out(expression_data):
    images, labels = expression_data[-1]
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8), labels


@pytest.fixture(scope="module")
def exported(stargan, expression_data, held_out, tmp_path_factory):
    """Every format with float [0, 1] I/O, int8 calibrated on (images, expression ids)."""
    return export_generator(
        stargan, str(tmp_path_factory.mktemp("stargan")), image_size=SIZE, input_type="float",
        representative_data=expression_data[:3], parity_data=held_out[0],
    )


def _keras_outputs(stargan, images_uint8, vectors):
    """The Keras generator's outputs in [0, 1] on uint8 images and label vectors."""
    outputs = stargan.generator([images_uint8.astype(np.float32) / 127.5 - 1.0, vectors])
    return np.clip((np.asarray(outputs) + 1.0) / 2.0, 0.0, 1.0)


def test_card_records_the_label_input(exported):
    for fmt in FORMATS:
        card = exported[fmt]
        assert read_card(card["path"]) == card
        assert card["family"] == "StarGAN"
        assert card["label_input"] == {
            "name": "label", "shape": [1, 7], "dtype": "float32", "length": 7,
            "label_type": "class", "domains": list(EXPRESSIONS),
            "encoding": "one-hot: 1 at the target domain's index, 0 elsewhere",
        }
        assert card["input"]["shape"] == card["output"]["shape"] == [1, SIZE, SIZE, 3]
        assert card["parity_vs_keras"]["labels"].startswith("one-hot, the domains in turn")
    assert exported["int8"]["quantization"]["calibration_images"] == 24
    assert "labels" in exported["int8"]["quantization"]["calibration_labels"]


@pytest.mark.parametrize("fmt", TFLITE_FORMATS)
def test_files_take_images_and_a_float_label(exported, fmt):
    runner = LiteRTRunner(exported[fmt]["path"])
    assert runner.input_names == ("images", "label")
    label = runner.inputs_details["label"]
    assert list(label["shape"]) == [1, 7] and np.dtype(label["dtype"]) == np.float32
    assert runner.input_dtype == runner.output_dtype == np.float32
    names = operator_names(exported[fmt]["path"])
    assert custom_operators(exported[fmt]["path"]) == []
    assert not any(name.startswith("Flex") for name in names) and "CUSTOM" not in names
    assert "CONV_2D" in names and "CONCATENATION" in names


@pytest.mark.parametrize("fmt", FORMATS)
def test_parity_within_bounds(exported, fmt):
    figures = exported[fmt]["parity_vs_keras"]
    assert figures["images"] == 8 and figures["source"] == "parity_data"
    assert figures["max_abs"] <= MAX_ABS[fmt], figures
    assert figures["mean_abs"] <= MEAN_ABS[fmt], figures


def test_fp32_file_matches_the_keras_generator(exported, stargan, held_out):
    images = held_out[0]
    vectors = domains_in_turn(len(images), 7)
    outputs = LiteRTRunner(exported["fp32"]["path"])(images / np.float32(255.0), label=vectors)
    assert np.abs(outputs - _keras_outputs(stargan, images, vectors)).max() <= 1e-3


def test_the_label_changes_the_output_in_the_file(exported, stargan, held_out):
    runner = LiteRTRunner(exported["fp32"]["path"])
    image = held_out[0][0] / np.float32(255.0)
    happy, angry = (np.eye(7, dtype=np.float32)[EXPRESSIONS.index(n)] for n in ("happy", "angry"))
    # One HWC image with one label row gives one HWC image.
    to_happy, to_angry = runner(image, label=happy), runner(image, label=angry)
    assert to_happy.shape == (SIZE, SIZE, 3)
    difference = np.abs(to_happy - to_angry).mean()
    keras_difference = np.abs(_keras_outputs(stargan, held_out[0][:1], happy[None])
                              - _keras_outputs(stargan, held_out[0][:1], angry[None])).mean()
    assert difference > 1e-3
    assert difference == pytest.approx(keras_difference, rel=0.01)


def test_parity_takes_the_callers_labels(exported, stargan, held_out):
    path = exported["int8"]["path"]
    default = parity(stargan, path, held_out[0])
    assert default["max_abs"] == pytest.approx(exported["int8"]["parity_vs_keras"]["max_abs"],
                                               abs=1e-7)
    own = parity(stargan, path, held_out[0], labels=held_out[1])  # the images' own classes
    assert own["mean_abs"] <= MEAN_ABS["int8"]


def test_runner_needs_the_label(exported, held_out):
    runner = LiteRTRunner(exported["fp32"]["path"])
    images = held_out[0] / np.float32(255.0)
    with pytest.raises(ValueError, match="Missing: \\['label'\\]"):
        runner(images)
    with pytest.raises(ValueError, match="label"):
        runner(images, label=np.zeros((8, 5), np.float32))
    with pytest.raises(ValueError, match="unknown: \\['mask'\\]"):
        runner(images, label=np.zeros(7, np.float32), mask=np.zeros(7, np.float32))


def test_label_helpers(stargan):
    assert label_length(stargan) == 7
    assert label_length(stargan.generator) == 7
    assert label_length(keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(3, 1)])) \
        is None
    np.testing.assert_array_equal(label_vectors([2, 0], 3, 2), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(label_vectors(np.int32(1), 3, 1), [[0, 1, 0]])
    vectors = np.array([[1, 0, 1]], np.float32)
    np.testing.assert_array_equal(label_vectors(vectors[0], 3, 1), vectors)
    np.testing.assert_array_equal(domains_in_turn(4, 3).argmax(axis=1), [0, 1, 2, 0])
    with pytest.raises(ValueError, match="\\[0, 2\\]"):
        label_vectors([3, 0], 3, 2)
    with pytest.raises(ValueError, match="vectors of length 3"):
        label_vectors(np.zeros((2, 4), np.float32), 3, 2)


def test_a_functional_attribute_generator(tmp_path):
    keras.utils.set_random_seed(4)
    generator = stargan_generator(3, filters=4, num_blocks=0)
    names = ["blond_hair", "male", "young"]
    attributes = np.array([[1, 0, 1], [0, 1, 0]], np.float32)
    card = export_generator(
        generator, str(tmp_path), image_size=16, formats="fp32", input_type="float",
        parity_labels=attributes, parity_data=np.zeros((2, 16, 16, 3), np.uint8),
        domain_names=names, label_type="attributes", name="g",
    )["fp32"]
    assert card["family"] == "generator" and card["label_input"]["domains"] == names
    assert card["label_input"]["label_type"] == "attributes"
    assert card["parity_vs_keras"]["labels"] == "parity_labels"
    assert card["parity_vs_keras"]["max_abs"] <= 1e-3
    assert sorted(os.listdir(tmp_path)) == ["g_fp32.tflite", "g_fp32.tflite.json"]


def test_label_arguments_need_a_label_input(generator, tmp_path):
    with pytest.raises(ValueError, match="label input"):
        export_generator(generator, str(tmp_path), image_size=SIZE, formats="fp32",
                         label_type="class")
    with pytest.raises(ValueError, match="lambda a, b: a"):
        export_generator(generator, str(tmp_path), image_size=SIZE, formats="int8",
                         representative_data=[(np.zeros((2, SIZE, SIZE, 3), np.uint8), [0, 1])])
