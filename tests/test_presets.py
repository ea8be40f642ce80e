import json
import os

import numpy as np
import pytest

import keras_portrait as kp
from keras_portrait import presets


@pytest.fixture
def preset_folder(tmp_path, monkeypatch):
    """A folder of one tiny two-domain preset, searched before the package's."""
    folder = tmp_path / "presets"
    preset = folder / "tiny-photo2painting-16"
    preset.mkdir(parents=True)
    gan = kp.CycleGAN(filters=4, num_blocks=1, discriminator_filters=4, seed=0)
    gan(np.zeros((1, 16, 16, 3), np.float32))
    gan.save(str(preset / "model.keras"))
    card = {"family": "cyclegan", "image_size": 16, "files": {"keras": "model.keras"}}
    (preset / "card.json").write_text(json.dumps(card))
    (folder / "not-a-preset").mkdir()  # no card: ignored
    monkeypatch.setenv(presets.ENVIRONMENT, str(folder))
    return folder, gan


def test_presets_are_listed_with_their_cards_and_load(preset_folder):
    folder, gan = preset_folder
    found = presets.list()
    assert found["tiny-photo2painting-16"]["family"] == "cyclegan"
    assert "not-a-preset" not in found
    assert presets.path("tiny-photo2painting-16") == str(folder / "tiny-photo2painting-16")
    model = presets.load("tiny-photo2painting-16", family="cyclegan")
    images = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    np.testing.assert_array_equal(model.translate(images), gan.translate(images))


def test_unknown_presets_files_and_families_are_named(preset_folder):
    with pytest.raises(ValueError, match="Unknown preset 'nope'. Found: tiny-photo2painting-16"):
        presets.card("nope")
    with pytest.raises(ValueError, match="no 'tflite' file"):
        presets.file("tiny-photo2painting-16", "tflite")
    with pytest.raises(ValueError, match="not a 'stargan' one"):
        presets.load("tiny-photo2painting-16", family="stargan")


def test_the_package_folder_is_searched_last(monkeypatch, tmp_path):
    monkeypatch.setenv(presets.ENVIRONMENT, os.pathsep.join([str(tmp_path / "a"), ""]))
    assert presets.folders() == [str(tmp_path / "a"), presets.PACKAGED]
    assert os.path.isfile(os.path.join(presets.PACKAGED, "README.md"))


def test_from_preset_checks_the_family(preset_folder):
    gan = kp.CycleGAN.from_preset("tiny-photo2painting-16")
    assert isinstance(gan, kp.CycleGAN)
    with pytest.raises(ValueError, match="not a 'stargan' one"):
        kp.StarGAN.from_preset("tiny-photo2painting-16")


def test_fit_on_a_dataset_does_not_warn_about_shuffling(recwarn):
    import tensorflow as tf

    gan = kp.DCGAN(image_size=16, latent_dim=4, filters=4, seed=0)
    gan.compile()
    images = np.zeros((2, 16, 16, 3), np.float32)
    gan.fit(tf.data.Dataset.from_tensors(images), epochs=1, verbose=0)
    assert not [w for w in recwarn if "shuffle" in str(w.message)]
