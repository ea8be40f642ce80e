import json
import os

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_portrait.data
from keras_portrait import cli

SIZE = 16
TINY = ["--filters", "4", "--latent-dim", "8", "--num-samples", "4"]


def _in_memory(nan_at=None):
    """Stands in for `cli._dataset`: 3 batches of 2 images, the batch `nan_at` all NaN."""
    images = np.random.default_rng(0).uniform(-1, 1, (3, 2, SIZE, SIZE, 3)).astype("float32")
    if nan_at is not None:
        images[nan_at] = np.nan
    return lambda args: tf.data.Dataset.from_tensor_slices(images)


def _needs_data(*names):
    missing = [name for name in names if not hasattr(keras_portrait.data, name)]
    return pytest.mark.skipif(
        bool(missing), reason=f"keras_portrait.data does not export {missing} yet"
    )


def _train_then_sample(run, data_args, tmp_path, family="dcgan", size=SIZE):
    args = [*data_args, "--epochs", "1", "--out", run, "--image-size", str(size), *TINY]
    assert cli.main(["train", family, *args]) == 0
    for name in ("model.keras", "log.json", "samples_epoch_0001.png"):
        assert os.path.exists(os.path.join(run, name)), name
    grid = str(tmp_path / "grid.png")
    model = os.path.join(run, "model.keras")
    assert cli.main(["sample", model, "-n", "9", "-o", grid, "--seed", "3"]) == 0
    # 9 images in a 3×3 grid with 2 px padding.
    assert cv2.imread(grid).shape == (3 * size + 8, 3 * size + 8, 3)


def test_train_then_sample(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_dataset", _in_memory())
    run = str(tmp_path / "run")
    _train_then_sample(run, ["--data", "unused", "--batch-size", "2"], tmp_path)
    with open(os.path.join(run, "log.json")) as f:
        assert [e["step"] for e in json.load(f)["epochs"]] == [3]


def test_train_exits_non_zero_naming_the_non_finite_loss(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_dataset", _in_memory(nan_at=1))
    run = str(tmp_path / "run")
    args = ["train", "dcgan", "--data", "unused", "--epochs", "2", "--out", run, *TINY]
    assert cli.main([*args, "--image-size", str(SIZE), "--checkpoint-every", "1"]) == 1
    error = capsys.readouterr().err
    assert "d_loss=nan" in error and "step 2 (epoch 1 of 2)" in error
    assert "last good state: step 1" in error


@_needs_data("synth_portraits")
def test_train_on_synth_portraits(tmp_path):
    # SynthPortraits renders 32 px at least.
    data = ["--data", "synth", "--num-examples", "8", "--batch-size", "4"]
    _train_then_sample(str(tmp_path / "run"), data, tmp_path, size=32)


@_needs_data("image_folder")
def test_train_on_a_folder(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        cv2.imwrite(str(folder / f"{i}.png"), rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
    data = ["--data", str(folder), "--batch-size", "2"]
    _train_then_sample(str(tmp_path / "run"), data, tmp_path, family="wgan-gp")


CYCLE_TINY = ["--filters", "4", "--num-blocks", "1", "--discriminator-filters", "4",
              "--num-samples", "2", "--pool-size", "2"]


@pytest.fixture(scope="module")
def cyclegan_run(tmp_path_factory):
    """A tiny CycleGAN trained on SynthPortraits photo → painting by `train cyclegan`."""
    run = str(tmp_path_factory.mktemp("cyclegan") / "run")
    args = ["train", "cyclegan", "--data", "synth", "--num-examples", "4", "--batch-size", "2",
            "--image-size", "32", "--epochs", "2", "--decay-epochs", "1", "--out", run,
            *CYCLE_TINY]
    assert cli.main(args) == 0
    return run


def test_train_cyclegan_writes_a_run(cyclegan_run):
    for name in ("model.keras", "log.json", "run.json", "samples_epoch_0002.png"):
        assert os.path.exists(os.path.join(cyclegan_run, name)), name
    # 2 sample rows of input | translation | reconstruction, 32 px with 2 px padding.
    assert cv2.imread(os.path.join(cyclegan_run, "samples_epoch_0002.png")).shape == (
        2 * 32 + 6, 3 * 32 + 8, 3)
    model = keras.saving.load_model(os.path.join(cyclegan_run, "model.keras"))
    # --decay-epochs 1 of 2: 2e-4 during epoch 1 (2 steps), then linear decay to 0 at step 4.
    for optimizer in (model.g_optimizer, model.d_optimizer):
        schedule = optimizer._learning_rate
        assert [float(schedule(step)) for step in (0, 2, 3, 4)] == pytest.approx(
            [2e-4, 2e-4, 1e-4, 0.0])
        assert int(optimizer.iterations.numpy()) == 4


def test_evaluate_cyclegan_on_held_out_synth_pairs(cyclegan_run, capsys):
    out = os.path.join(cyclegan_run, "eval")
    args = ["evaluate", "cyclegan", cyclegan_run, "--count", "3", "--no-identity", "--out", out]
    assert cli.main(args) == 0
    with open(os.path.join(out, "evaluation.json")) as f:
        report = json.load(f)
    assert report["paired"] and report["seed"] == 1000 and report["count"] == 3
    for direction in ("a2b", "b2a"):
        figures = report[direction]
        for key in ("translation_vs_input", "reconstruction_vs_input", "translation_vs_truth",
                    "input_vs_truth"):
            assert figures[key]["ssim"]["n"] == 3
            assert -1 <= figures[key]["ssim"]["mean"] <= 1
            assert np.isfinite(figures[key]["psnr"]["mean"])
        # input | output | reconstruction | truth, 3 rows.
        sheet = cv2.imread(os.path.join(out, f"evaluation_{direction}.png"))
        assert sheet.shape == (3 * 32 + 8, 4 * 32 + 10, 3)
    assert "a2b: SSIM(output, input)" in capsys.readouterr().out


def test_export_then_translate_with_tflite_and_keras(cyclegan_run, tmp_path, capsys):
    out = str(tmp_path / "export")
    assert cli.main(["export", cyclegan_run, "--formats", "fp32", "int8", "--out", out,
                     "--calibration-images", "4"]) == 0
    tflite = os.path.join(out, "generator_a2b_fp32.tflite")
    with open(tflite + ".json") as f:
        card = json.load(f)
    assert card["direction"] == "a2b" and card["input"]["shape"][1:3] == [32, 32]
    assert card["parity_vs_keras"]["max_abs"] <= 1e-3
    assert os.path.exists(os.path.join(out, "generator_a2b_int8.tflite"))

    folder = tmp_path / "photos"
    (folder / "nested").mkdir(parents=True)
    rng = np.random.default_rng(0)
    cv2.imwrite(str(folder / "a.png"), rng.integers(0, 256, (40, 50, 3), dtype=np.uint8))
    cv2.imwrite(str(folder / "nested" / "b.jpg"), rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    (folder / "broken.png").write_bytes(b"not an image")
    for model, target in ((tflite, "tfl"), (os.path.join(cyclegan_run, "model.keras"), "keras")):
        result = tmp_path / target
        args = ["translate", model, str(folder), "-o", str(result), "--image-size", "32"]
        assert cli.main(args) == 0
        assert cv2.imread(str(result / "a.png")).shape == (32, 32, 3)
        assert cv2.imread(str(result / "nested" / "b.png")).shape == (32, 32, 3)
        assert not (result / "broken.png").exists()
        assert "skipped" in capsys.readouterr().err
    # Both paths translate the same way (fp32 file vs Keras; uint8 rounding apart).
    keras_out = cv2.imread(str(tmp_path / "keras" / "a.png")).astype(int)
    tflite_out = cv2.imread(str(tmp_path / "tfl" / "a.png")).astype(int)
    assert np.abs(keras_out - tflite_out).max() <= 1
    single = tmp_path / "one.png"
    assert cli.main(["translate", tflite, str(folder / "a.png"), "-o", str(single)]) == 0
    assert cv2.imread(str(single)).shape == (32, 32, 3)
