"""`keras-portrait make-rotation-pairs` is tested with the pairs; here `keras-portrait rotate`
with a .keras model, its .tflite file, and no model."""

import cv2
import numpy as np
import pytest
from sheets import check_labelled

from keras_portrait import RotationGAN
from keras_portrait import cli
from keras_portrait import presets
from keras_portrait import rotate as kp_rotate
from keras_portrait.data import SynthPortraits
from keras_portrait.export import LiteRTCleaner
from keras_portrait.export import export_generator
from keras_portrait.export import read_card
from keras_portrait.face import _mediapipe_models as mp_models
from keras_portrait.models.rotation.rotate import DEFAULT_PRESET

pytestmark = pytest.mark.skipif(not mp_models.mediapipe_models_available(),
                                reason="MediaPipe's models are not installed")
SIZE = 64


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("rotate")
    image = SynthPortraits(seed=4).render(identity=5, yaw=-5.0, style="painting",
                                          size=256)["image"]
    cv2.imwrite(str(root / "sitter.png"), image[:, :, ::-1])
    cv2.imwrite(str(root / "wall.png"), np.full((100, 100, 3), 90, np.uint8))
    gan = RotationGAN(filters=8, num_blocks=1, spade_hidden=8, discriminator_filters=8,
                      discriminator_layers=3, seed=0)
    gan.save(str(root / "model.keras"))
    card = export_generator(gan, str(root / "export"), image_size=SIZE, formats=("fp32",))
    return root, gan, card["fp32"]["path"]


def test_rotate_with_keras_tflite_and_raw(files, capsys):
    root, _, tflite = files
    for flags, out in ((["--model", str(root / "model.keras")], "keras"),
                       (["--model", tflite], "tflite"), (["--raw"], "raw")):
        args = ["rotate", str(root / "sitter.png"), str(root / "wall.png"), "--yaw", "25",
                "--out", str(root / out), "--size", str(SIZE)]
        assert cli.main(args + flags) == 0
        captured = capsys.readouterr()
        assert "1 of 2 pictures turned" in captured.out and "skipped" in captured.err
        turned = cv2.imread(str(root / out / "sitter.png"))
        assert turned.shape == (256, 256, 3)
    # A sheet of three yaws: the crop and three turns, raw on top and cleaned below.
    args = ["rotate", str(root / "sitter.png"), "--yaw", "-20", "0", "20", "--model", tflite,
            "--out", str(root / "rows")]
    assert cli.main(args) == 0
    check_labelled(cv2.imread(str(root / "rows" / "sitter.png")), rows=2, columns=4, tile=SIZE)
    with pytest.raises(SystemExit, match="64² crops"):
        cli.main(args[:-2] + ["--size", "128", "--out", str(root / "bad")])


def test_classical_fills_by_name(files, capsys):
    root, _, tflite = files
    common = ["rotate", str(root / "sitter.png"), "--yaw", "25", "--size", str(SIZE)]
    for flags, out in ((["--fill", "telea"], "telea"), (["--raw"], "raw_flag")):
        assert cli.main(common + flags + ["--out", str(root / out)]) == 0
    raw = cv2.imread(str(root / "raw_flag" / "sitter.png")).astype(int)
    telea = cv2.imread(str(root / "telea" / "sitter.png")).astype(int)
    assert np.abs(raw - telea).max() > 30  # the holes were filled
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(common + ["--fill", "telea", "--model", tflite, "--out", str(root / "x")])
    assert stop.value.code == 2 and "one way to fill" in capsys.readouterr().err


def test_keep_known_switches_a_keras_model_and_is_baked_into_an_export(files, tmp_path):
    root, _, tflite = files
    # A generator that redraws every pixel (not residual), so keeping them is visible.
    gan = RotationGAN(filters=8, num_blocks=1, spade_hidden=8, discriminator_filters=8,
                      discriminator_layers=3, residual=False, seed=0)
    path = str(tmp_path / "redraw.keras")
    gan.save(path)
    sitter = str(root / "sitter.png")
    args = ["rotate", sitter, "--yaw", "25", "--model", path, "--size", str(SIZE)]
    assert cli.main(args + ["--keep-known", "--out", str(tmp_path / "kept")]) == 0
    assert cli.main(args + ["--out", str(tmp_path / "whole")]) == 0
    picture = cv2.imread(sitter)[:, :, ::-1]
    expected = kp_rotate(picture, 25.0, model=gan.with_keep_known(), size=SIZE).image
    kept = cv2.imread(str(tmp_path / "kept" / "sitter.png"))[:, :, ::-1]
    whole = cv2.imread(str(tmp_path / "whole" / "sitter.png"))[:, :, ::-1]
    np.testing.assert_array_equal(kept, expected)
    assert np.any(kept != whole)
    with pytest.raises(SystemExit, match="export RUN --keep-known"):
        cli.main(["rotate", sitter, "--yaw", "25", "--model", tflite, "--keep-known", "--out",
                  str(tmp_path / "bad")])
    # Exported with --keep-known, the file returns the rendered pixels outside the holes.
    out = str(tmp_path / "export")
    assert cli.main(["export", path, "--formats", "fp32", "--image-size", str(SIZE),
                     "--keep-known", "--out", out]) == 0
    rng = np.random.default_rng(0)
    renders = rng.integers(0, 256, (2, SIZE, SIZE, 3), dtype=np.uint8)
    holes = rng.uniform(size=(2, SIZE, SIZE)) < 0.2
    assert read_card(f"{out}/rotation_fp32.tflite")["keep_known"] is True
    cleaned = LiteRTCleaner(f"{out}/rotation_fp32.tflite").clean(renders, holes)
    np.testing.assert_array_equal(cleaned[~holes], renders[~holes])
    assert np.any(cleaned[holes] != renders[holes])


def test_tflite_cleaner_matches_the_model(files):
    _, gan, tflite = files
    cleaner = LiteRTCleaner(tflite)
    rng = np.random.default_rng(0)
    renders = rng.integers(0, 256, (2, SIZE, SIZE, 3), dtype=np.uint8)
    holes = rng.uniform(size=(2, SIZE, SIZE)) < 0.2
    assert cleaner.image_size == SIZE and cleaner.runner.input_names == ("render", "holes")
    assert read_card(tflite)["inputs"]["holes"]["dtype"] == "uint8"
    # The uint8 file rounds to grey levels: one level apart at most.
    assert np.abs(cleaner.clean(renders, holes).astype(int) - gan.clean(renders, holes)).max() <= 1
    with pytest.raises(ValueError, match="size=64"):
        cleaner.clean(renders[:, :32, :32], holes[:, :32, :32])


CLI = "import sys; from keras_portrait.cli import main; sys.exit(main(sys.argv[1:]))"
# `train rotation` on SynthPortraits pairs (1 step of 2 pairs at 32²), then `export` to fp32
# and int8: run by tests/background.py beside the other tests, as `keras-portrait` runs them.
ROTATION_RUN = pytest.mark.background_run("cli-rotation", commands=[
    ["-c", CLI, "train", "rotation", "--data", "synth", "--num-examples", "2",
     "--batch-size", "2", "--image-size", "32", "--epochs", "1", "--out", "{folder}/run",
     "--filters", "4", "--num-blocks", "1", "--spade-hidden", "4", "--discriminator-filters",
     "4", "--discriminator-layers", "2", "--num-samples", "2", "--fill-holes",
     "--keep-known"],
    ["-c", CLI, "export", "{folder}/run", "--formats", "fp32", "int8", "--calibration-images",
     "2", "--per-tensor", "--out", "{folder}/export"],
])


@ROTATION_RUN
def test_train_then_export_a_rotation_run(background_run):
    import json
    import os

    import keras

    run = os.path.join(background_run["folder"], "run")
    export = os.path.join(background_run["folder"], "export")
    model = keras.saving.load_model(os.path.join(run, "model.keras"))
    assert isinstance(model, RotationGAN) and model.filters == 4 and model.num_blocks == 1
    assert model.fill_holes and any(layer.name == "fill" for layer in model.generator.layers)
    assert model.keep_known
    assert int(model.g_optimizer.iterations.numpy()) == 1
    # 2 sample rows of render (holes in magenta) | cleaned | target, 32 px with 2 px padding.
    sheet = cv2.imread(os.path.join(run, "samples_epoch_0001.png"))
    check_labelled(sheet, rows=2, columns=3, tile=32)
    with open(os.path.join(run, "run.json")) as f:
        assert json.load(f)["discriminator_layers"] == 2
    for fmt in ("fp32", "int8"):
        card = read_card(os.path.join(export, f"rotation_{fmt}.tflite"))
        assert card["family"] == "RotationGAN" and card["output"]["shape"] == [1, 32, 32, 3]
        assert list(card["inputs"]) == ["render", "holes"]
    fp32 = read_card(os.path.join(export, "rotation_fp32.tflite"))
    assert fp32["parity_vs_keras"]["max_abs"] <= 1 / 255 + 1e-6  # uint8: one grey level
    assert "rotation_int8.tflite" in background_run["stdout"][1]
    int8 = read_card(os.path.join(export, "rotation_int8.tflite"))
    assert int8["quantization"]["weights"] == "int8 per-tensor"  # --per-tensor


def test_train_rotation_refuses_other_optimizers(tmp_path):
    with pytest.raises(SystemExit, match="rotation trains with GauGAN's optimizers"):
        cli.main(["train", "rotation", "--data", "synth", "--epochs", "1", "--out",
                  str(tmp_path), "--learning-rate", "1e-3"])


def test_the_preset_by_default(files, tmp_path, monkeypatch, capsys):
    root, _, _ = files
    gan = RotationGAN(filters=8, num_blocks=1, spade_hidden=8, discriminator_filters=8,
                      discriminator_layers=3, residual=False, seed=0)
    presets.save(gan, str(tmp_path / "presets" / DEFAULT_PRESET), {"image_size": SIZE})
    monkeypatch.setenv(presets.ENVIRONMENT, str(tmp_path / "presets"))
    sitter = str(root / "sitter.png")
    assert cli.main(["rotate", sitter, "--yaw", "25", "--out", str(tmp_path / "turned")]) == 0
    assert f"{SIZE}² crops (the preset {DEFAULT_PRESET}" in capsys.readouterr().out
    picture = cv2.imread(sitter)[:, :, ::-1]
    expected = kp_rotate(picture, 25.0, model=gan, size=SIZE).image
    turned = cv2.imread(str(tmp_path / "turned" / "sitter.png"))[:, :, ::-1]
    np.testing.assert_array_equal(turned, expected)
    monkeypatch.setenv(presets.ENVIRONMENT, "")
    monkeypatch.setattr(presets, "PACKAGED", str(tmp_path / "none"))
    with pytest.raises(SystemExit) as stop:
        cli.main(["rotate", sitter, "--yaw", "25", "--out", str(tmp_path / "x")])
    assert stop.value.code == 2 and "--fill telea" in capsys.readouterr().err


def test_hair_turns_with_the_head(files):
    """`--hair`: the hair beyond the head's outline moves with the turn (the rest of the picture
    does not), so the result differs from the plain turn around the head only."""
    root = files[0]
    common = ["rotate", str(root / "sitter.png"), "--yaw", "30", "--raw", "--size", "128"]
    assert cli.main(common + ["--out", str(root / "bare")]) == 0
    assert cli.main(common + ["--hair", "--out", str(root / "hair")]) == 0
    bare = cv2.imread(str(root / "bare" / "sitter.png")).astype(int)
    hair = cv2.imread(str(root / "hair" / "sitter.png")).astype(int)
    changed = np.abs(bare - hair).sum(-1) > 30
    assert changed.mean() > 0.005
    assert not changed[:, :8].any() and not changed[-8:].any()  # the picture's edges stay
