"""A family the package does not know (tests/toy_family: a model class and its spec) trains,
samples, exports and translates with `keras-portrait` once registered: the command line
iterates the registry and names no family (DESIGN.md §1)."""

import json
import os

import cv2
import keras
import numpy as np
import pytest
from sheets import check_labelled

from keras_portrait import cli
from keras_portrait import registry
from toy_family import TOY_SPEC
from toy_family import ToyGAN

SIZE = 32


@pytest.fixture(scope="module")
def toy():
    """The toy family, registered for this module's tests only."""
    registry.register(TOY_SPEC)
    yield TOY_SPEC
    registry.unregister(TOY_SPEC.name)


@pytest.fixture(scope="module")
def run(toy, tmp_path_factory):
    """A toy run: `train toy` on 4 SynthPortraits, 2 steps of 2."""
    folder = str(tmp_path_factory.mktemp("toy") / "run")
    args = ["train", toy.name, "--data", "synth", "--num-examples", "4", "--image-size",
            str(SIZE), "--epochs", "1", "--out", folder, "--filters", "4", "--l1-weight", "5"]
    assert cli.main(args) == 0
    return folder


def _pictures(folder):
    folder.mkdir()
    rng = np.random.default_rng(0)
    cv2.imwrite(str(folder / "a.png"), rng.integers(0, 256, (40, 50, 3), dtype=np.uint8))
    cv2.imwrite(str(folder / "b.jpg"), rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    return folder


def test_the_commands_list_the_family_while_it_is_registered(toy):
    parser = cli.build_parser()
    assert f"  {toy.name} " in parser.description
    train = parser.parse_args(["train", toy.name, "--data", "synth", "--epochs", "1", "--out",
                               "x"])
    # Its paper defaults and its own option.
    assert train.batch_size == 2 and train.num_samples == 4 and train.l1_weight == 10.0
    registry.unregister(toy.name)
    try:
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args(["train", toy.name, "--data", "synth", "--epochs",
                                           "1", "--out", "x"])
    finally:
        registry.register(toy)


def test_train_writes_a_run(run):
    for name in ("model.keras", "log.json", "run.json", "samples_epoch_0001.png"):
        assert os.path.exists(os.path.join(run, name)), name
    with open(os.path.join(run, "run.json")) as f:
        settings = json.load(f)
    assert settings["family"] == "toy" and settings["l1_weight"] == 5.0
    assert settings["batch_size"] == 2  # the family's default
    with open(os.path.join(run, "log.json")) as f:
        epochs = json.load(f)["epochs"]
    assert epochs[-1]["step"] == 2 and np.isfinite(epochs[-1]["g_loss"])
    model = keras.saving.load_model(os.path.join(run, "model.keras"))
    assert isinstance(model, ToyGAN) and model.l1_weight == 5.0
    assert int(model.g_optimizer.iterations.numpy()) == 2
    # The grid of the 4 fixed examples (the family's num_samples), 2 × 2 with 2 px padding,
    # under the title "epoch 1".
    sheet = cv2.imread(os.path.join(run, "samples_epoch_0001.png"))
    check_labelled(sheet, rows=2, columns=2, tile=SIZE, labelled=())


def test_sample(run, tmp_path):
    grid = str(tmp_path / "grid.png")
    model = os.path.join(run, "model.keras")
    assert cli.main(["sample", model, "-n", "9", "-o", grid, "--seed", "3"]) == 0
    sheet = cv2.imread(grid)
    assert sheet.shape == (3 * SIZE + 8, 3 * SIZE + 8, 3)
    assert sheet.std() > 1  # pictures, not a blank


def test_export_then_translate_with_keras_and_tflite(run, tmp_path, capsys):
    out = str(tmp_path / "export")
    assert cli.main(["export", run, "--formats", "fp32", "--out", out]) == 0
    tflite = os.path.join(out, "generator_fp32.tflite")
    assert tflite in capsys.readouterr().out
    with open(tflite + ".json") as f:
        card = json.load(f)
    assert card["family"] == "ToyGAN" and card["run"].endswith("model.keras")
    assert card["output"]["shape"] == [1, SIZE, SIZE, 3]
    assert card["parity_vs_keras"]["max_abs"] <= 1 / 255 + 1e-6  # uint8: one grey level

    pictures = _pictures(tmp_path / "pictures")
    model = os.path.join(run, "model.keras")
    written = {}
    for source, target in ((model, "keras"), (tflite, "tflite")):
        result = tmp_path / target
        assert cli.main(["translate", source, str(pictures), "-o", str(result)]) == 0
        assert f"translating at {SIZE}²" in capsys.readouterr().out
        written[target] = [cv2.imread(str(result / name)) for name in ("a.png", "b.png")]
        assert all(image.shape == (SIZE, SIZE, 3) for image in written[target])
    for keras_out, tflite_out in zip(written["keras"], written["tflite"]):
        assert np.abs(keras_out.astype(int) - tflite_out.astype(int)).max() <= 1
    # Another family's option is refused, naming whose it is.
    with pytest.raises(SystemExit, match="is for StarGAN models; .* holds a ToyGAN"):
        cli.main(["translate", model, str(pictures), "-o", str(tmp_path / "x"), "--to", "1"])
