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


def test_save_writes_the_networks_int8_files_and_a_card(tmp_path, monkeypatch):
    pytest.importorskip("ai_edge_litert")
    gan = kp.CycleGAN(filters=4, num_blocks=1, discriminator_filters=4, seed=0)
    gan.compile()
    rng = np.random.default_rng(0)
    photos = rng.uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    paintings = rng.uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    import tensorflow as tf

    # One step: the optimizer state and the pools exist.
    gan.fit(tf.data.Dataset.from_tensors((photos[:1], paintings[:1])), epochs=1, verbose=0)
    assert gan.pool_a.built
    folder = tmp_path / "tiny-photo2painting-32"
    written = presets.save(gan, str(folder), {"image_size": 32, "steps": 1},
                           [("tflite", gan, photos, "a2b"),
                            ("tflite_b2a", gan.generator_b2a, paintings, "b2a")],
                           image_size=32)
    assert written["family"] == "cyclegan"
    assert written["files"] == {"keras": "model.keras", "tflite": "a2b_int8.tflite",
                                "tflite_b2a": "b2a_int8.tflite"}
    for key in ("tflite", "tflite_b2a"):
        assert (folder / written["files"][key]).is_file()
        assert 0 < written["int8"][key]["size_vs_fp32"] < 1  # tiny: the header dominates
    assert json.loads((folder / "card.json").read_text()) == json.loads(json.dumps(written))
    # The networks only: the slim copy translates as the trained model, without optimizer
    # state or pools.
    monkeypatch.setenv(presets.ENVIRONMENT, str(tmp_path))
    loaded = kp.CycleGAN.from_preset("tiny-photo2painting-32")
    np.testing.assert_array_equal(loaded.translate(photos), gan.translate(photos))
    np.testing.assert_array_equal(loaded.translate(paintings, direction="b2a"),
                                  gan.translate(paintings, direction="b2a"))
    assert not loaded.pool_a.built
    runner = kp.LiteRTRunner(presets.file("tiny-photo2painting-32", "tflite"))
    int8 = runner(kp.to_uint8(photos)).astype(int)
    assert np.abs(int8 - gan.translate(photos).astype(int)).mean() < 12


def test_save_refuses_a_model_of_no_family(tmp_path):
    import keras

    network = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(3, 1)])
    with pytest.raises(ValueError, match="registered family; Sequential is not one"):
        presets.save(network, str(tmp_path / "x"), {})
