import json
import os

import cv2
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
