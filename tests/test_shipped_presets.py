"""The presets that ship in keras_portrait/saved_models/: card, files, loading, int8 parity."""

import os

import numpy as np
import pytest

import keras_portrait as kp
from keras_portrait import presets
from keras_portrait import registry

SHIPPED = sorted(name for name in os.listdir(presets.PACKAGED)
                 if os.path.isfile(os.path.join(presets.PACKAGED, name, presets.CARD)))
CARD_KEYS = {"family", "task", "image_size", "runs_at", "training_data", "split", "steps",
             "cpu_hours", "command", "files", "figures", "int8"}
INT8_SIZE_BAR = 0.27  # int8 file / fp32 file
INT8_MEAN_ERROR_BAR = 8  # mean |int8 - Keras| in grey levels, on real photos
MAX_TOTAL_BYTES = 100 * 2**20


@pytest.fixture(autouse=True)
def _packaged_only(monkeypatch):
    monkeypatch.delenv(presets.ENVIRONMENT, raising=False)


def test_the_photo_to_painting_preset_ships_and_presets_stay_under_100_mb():
    assert "cyclegan-photo2painting-128" in SHIPPED
    total = sum(os.path.getsize(os.path.join(root, name))
                for root, _, names in os.walk(presets.PACKAGED) for name in names)
    assert total < MAX_TOTAL_BYTES


def test_the_registry_lists_each_shipped_preset_under_its_family():
    listed = {name: spec.name for spec in registry.specs() for name in spec.presets}
    shipped = {name: presets.card(name)["family"] for name in SHIPPED}
    assert listed == shipped


@pytest.mark.parametrize("name", SHIPPED)
def test_the_card_names_data_terms_cost_and_test_figures(name):
    card = presets.card(name)
    assert CARD_KEYS <= set(card), f"missing: {CARD_KEYS - set(card)}"
    assert registry.get(card["family"]) is not None
    for source in card["training_data"]:
        assert source["source"] and source["terms"]
    assert card["steps"] > 0 and card["cpu_hours"] > 0
    assert card["figures"], "no measured figures"
    assert all(report["part"] == "test" for report in card["figures"].values())
    for kind, file in card["files"].items():
        assert os.path.isfile(presets.file(name, kind))
    for key, entry in card["int8"].items():
        assert entry["size_vs_fp32"] <= INT8_SIZE_BAR, (key, entry["size_vs_fp32"])


def _photos(size):
    """Four real face photos (the test harness's), else SynthPortraits photo renders."""
    try:
        from harness import face_photos

        return face_photos("female_015248", "female_030321", "female_031796",
                           "female_015248", size=size)
    except pytest.skip.Exception:
        photos, _ = kp.data.synth_style_pairs(4, size, seed=7)
        return kp.to_uint8(photos)


def _rotation_renders(size):
    """Renders (4, size, size, 3) and holes of SynthPortraits photos turned by a head mesh
    (their own landmarks: no detector needed), as `rotate` hands them to a model."""
    portraits = kp.data.SynthPortraits(seed=7)
    renders, holes = [], []
    for index, turn in enumerate((-30.0, -15.0, 15.0, 30.0)):
        sample = portraits.sample(index, size=size, style="photo", yaw_range=(-5.0, 5.0))
        turned = kp.face.rotate_render(sample["image"], turn, relative=True,
                                       landmarks=sample["landmarks_3d"])
        renders.append(turned.image)
        holes.append(turned.holes)
    return np.stack(renders), np.stack(holes)


def _keras_and_int8(name, model, size):
    """The preset's Keras output and its int8 file's, uint8, on a few pictures."""
    if presets.card(name)["family"] == "rotation":
        renders, holes = _rotation_renders(size)
        assert holes.any()
        cleaner = kp.export.LiteRTCleaner(presets.file(name, "tflite"))
        assert cleaner.image_size == size
        return model.clean(renders, holes), cleaner.clean(renders, holes)
    photos = _photos(size)
    runner = kp.LiteRTRunner(presets.file(name, "tflite"))
    assert tuple(runner.input_shape[1:3]) == (size, size)
    return model.translate(photos.astype(np.float32) / 127.5 - 1.0), runner(photos)


@pytest.mark.parametrize("name", SHIPPED)
def test_the_model_loads_by_its_family_and_the_int8_file_matches_it(name):
    pytest.importorskip("ai_edge_litert")
    card = presets.card(name)
    model = registry.get(card["family"]).model_class.from_preset(name)
    size = card["image_size"]
    keras_out, int8_out = _keras_and_int8(name, model, size)
    error = np.abs(int8_out.astype(int) - keras_out.astype(int))
    assert error.mean() <= INT8_MEAN_ERROR_BAR, error.mean()
    for other in card["runs_at"]:  # convolutional generators: the card's other sizes too
        images = np.zeros((1, other, other, 3), np.float32)
        out = model([images, np.zeros((1, other, other, 1), np.float32)]
                    if card["family"] == "rotation" else images)
        assert tuple(out.shape) == (1, other, other, 3)


def test_the_wheel_carries_every_preset_file(tmp_path):
    """`pip install .` brings the presets: the wheel built from the sources lists their files."""
    import shutil
    import subprocess
    import sys
    import zipfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = tmp_path / "source"
    shutil.copytree(root, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "*.egg-info", "__pycache__", "demo_out", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", str(source), "-w", str(tmp_path / "wheel")], check=True,
                   capture_output=True)
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SHIPPED:
        folder = os.path.join(presets.PACKAGED, name)
        for file in os.listdir(folder):
            assert f"keras_portrait/saved_models/{name}/{file}" in names, file
    assert "keras_portrait/saved_models/README.md" in names
