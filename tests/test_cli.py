import json
import os

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from sheets import check_labelled

import keras_portrait.data
from keras_portrait import cli
from keras_portrait.cli import train_command
from keras_portrait.cli import translate
from keras_portrait.labels import EXPRESSIONS

SIZE = 16
TINY = ["--filters", "4", "--latent-dim", "8", "--num-samples", "4"]


def _in_memory(nan_at=None):
    """Stands in for `train_command._dataset`: 3 batches of 2 images, the batch `nan_at` all NaN."""
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
    monkeypatch.setattr(train_command, "_dataset", _in_memory())
    run = str(tmp_path / "run")
    _train_then_sample(run, ["--data", "unused", "--batch-size", "2"], tmp_path)
    with open(os.path.join(run, "log.json")) as f:
        assert [e["step"] for e in json.load(f)["epochs"]] == [3]


def test_train_exits_non_zero_naming_the_non_finite_loss(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train_command, "_dataset", _in_memory(nan_at=1))
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


def test_face_framing_is_refused_where_it_does_not_apply(tmp_path):
    run = str(tmp_path / "run")
    for family, data in (("gaugan", "synth"), ("rotation", "synth"), ("dcgan", str(tmp_path))):
        with pytest.raises(SystemExit, match="--framing face cuts SynthPortraits renders"):
            cli.main(["train", family, "--data", data, "--framing", "face", "--epochs", "1",
                      "--out", run])
    assert not os.path.exists(run)


@_needs_data("image_folder")
def test_train_on_a_folder(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        cv2.imwrite(str(folder / f"{i}.png"), rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
    data = ["--data", str(folder), "--batch-size", "2"]
    _train_then_sample(str(tmp_path / "run"), data, tmp_path, family="wgan-gp")


def _photos(folder):
    """Two readable images (one in a sub-folder, other sizes) and a broken file."""
    (folder / "nested").mkdir(parents=True)
    rng = np.random.default_rng(0)
    cv2.imwrite(str(folder / "a.png"), rng.integers(0, 256, (40, 50, 3), dtype=np.uint8))
    cv2.imwrite(str(folder / "nested" / "b.jpg"), rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    (folder / "broken.png").write_bytes(b"not an image")
    return folder


def _translate_with_both(tflite, model, folder, tmp_path, capsys, *options):
    """Translates `folder` with the .tflite and the .keras; returns the file's output of a.png.

    Both write 32² images, skip the broken file, and agree within one grey level (fp32 file vs
    Keras, uint8 rounding apart).
    """
    for source, target in ((tflite, "tfl"), (model, "keras")):
        result = tmp_path / target
        assert cli.main(["translate", source, str(folder), "-o", str(result), *options]) == 0
        assert cv2.imread(str(result / "a.png")).shape == (32, 32, 3)
        assert cv2.imread(str(result / "nested" / "b.png")).shape == (32, 32, 3)
        assert not (result / "broken.png").exists()
        assert "skipped" in capsys.readouterr().err
    keras_out = cv2.imread(str(tmp_path / "keras" / "a.png")).astype(int)
    tflite_out = cv2.imread(str(tmp_path / "tfl" / "a.png")).astype(int)
    assert np.abs(keras_out - tflite_out).max() <= 1
    return tflite_out


def test_translate_sheets_name_their_columns():
    images = np.zeros((2, 8, 8, 3), np.uint8)
    received = []

    def grid(tiles, labels):
        received.append((len(tiles), labels))

    translate._sheets(grid, images, {"happy": images, "sad": images})  # a family's names
    translate._sheets(grid, images, [images])
    assert received == [(3, ["input", "happy", "sad"])] * 2 + [(2, ["input", "output 1"])] * 2


def _run_model(run, rows, columns, labelled=None):
    """The run folder's model, after checking its files and its last sample sheet: `rows` x
    `columns` tiles of 32 px under the title "epoch 2" and the labels of `labelled` columns."""
    for name in ("model.keras", "log.json", "run.json", "samples_epoch_0002.png"):
        assert os.path.exists(os.path.join(run, name)), name
    sheet = cv2.imread(os.path.join(run, "samples_epoch_0002.png"))
    check_labelled(sheet, rows, columns, tile=32, labelled=labelled)
    return keras.saving.load_model(os.path.join(run, "model.keras"))


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


def test_train_cyclegan_with_face_discriminators(tmp_path):
    run = str(tmp_path / "run")
    args = ["train", "cyclegan", "--data", "synth", "--num-examples", "2", "--batch-size", "2",
            "--image-size", "48", "--epochs", "1", "--out", run, "--face-box", "0.25", "0.25",
            "0.75", "0.75", "--face-weight", "2", *CYCLE_TINY]
    assert cli.main(args) == 0
    model = keras.saving.load_model(os.path.join(run, "model.keras"), safe_mode=True)
    assert model.face_box == (0.25, 0.25, 0.75, 0.75) and model.face_weight == 2.0
    assert model.discriminator_face_b is not None


def test_train_cyclegan_writes_a_run(cyclegan_run):
    # 2 sample rows of input | translation | reconstruction, 32 px with 2 px padding, under
    # the title and the three column labels.
    model = _run_model(cyclegan_run, rows=2, columns=3)
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
        # input | output | reconstruction | truth, 3 rows, under their labels.
        sheet = cv2.imread(os.path.join(out, f"evaluation_{direction}.png"))
        check_labelled(sheet, rows=3, columns=4, tile=32)
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

    folder = _photos(tmp_path / "photos")
    model = os.path.join(cyclegan_run, "model.keras")
    _translate_with_both(tflite, model, folder, tmp_path, capsys, "--image-size", "32")
    single = tmp_path / "one.png"
    assert cli.main(["translate", tflite, str(folder / "a.png"), "-o", str(single)]) == 0
    assert cv2.imread(str(single)).shape == (32, 32, 3)


STAR_TINY = ["--filters", "8", "--num-blocks", "1", "--discriminator-filters", "8",
             "--discriminator-layers", "3", "--discriminator-steps", "2", "--num-samples", "2"]


@pytest.fixture(scope="module")
def stargan_run(tmp_path_factory):
    """A tiny StarGAN trained on SynthPortraits' expressions by `train stargan`: 2 × 2 steps,
    with the residual generator, on face-framed renders (exported, translated and evaluated by
    the tests below)."""
    run = str(tmp_path_factory.mktemp("stargan") / "run")
    args = ["train", "stargan", "--data", "synth", "--num-examples", "4", "--batch-size", "2",
            "--image-size", "32", "--epochs", "2", "--out", run, "--residual",
            "--framing", "face", *STAR_TINY]
    assert cli.main(args) == 0
    return run


def test_train_stargan_writes_a_run(stargan_run):
    # 2 sample rows of input | the 7 expressions, 32 px with 2 px padding, labelled.
    model = _run_model(stargan_run, rows=2, columns=8)
    with open(os.path.join(stargan_run, "run.json")) as f:
        settings = json.load(f)
    assert settings["label_type"] == "class" and settings["decay_epochs"] == 1
    assert settings["framing"] == "face"
    assert model.domain_names == tuple(EXPRESSIONS)
    assert model.label_type == "class" and model.discriminator_steps == 2 and model.residual
    # The paper's schedule: 1e-4 for the first half of the epochs, then linear decay to 0.
    # The discriminator updates twice per step: 4 of its steps per epoch of 2 steps.
    for optimizer, per_epoch in ((model.g_optimizer, 2), (model.d_optimizer, 4)):
        schedule = optimizer._learning_rate
        steps = [0, per_epoch, per_epoch * 3 // 2, 2 * per_epoch]
        assert [float(schedule(step)) for step in steps] == pytest.approx(
            [1e-4, 1e-4, 5e-5, 0.0])
        assert int(optimizer.iterations.numpy()) == 2 * per_epoch


def test_stargan_export_then_translate(stargan_run, tmp_path, capsys):
    out = str(tmp_path / "export")
    assert cli.main(["export", stargan_run, "--formats", "fp32", "--out", out]) == 0
    tflite = os.path.join(out, "generator_fp32.tflite")
    with open(tflite + ".json") as f:
        card = json.load(f)
    assert card["family"] == "StarGAN" and card["input"]["shape"] == [1, 32, 32, 3]
    assert card["label_input"]["domains"] == list(EXPRESSIONS)
    assert card["label_input"]["shape"] == [1, 7]
    assert card["parity_vs_keras"]["max_abs"] <= 1 / 255 + 1e-6  # uint8 files: one grey level
    assert "label input: 7 floats (class): neutral, happy" in capsys.readouterr().out

    folder = _photos(tmp_path / "photos")
    model = os.path.join(stargan_run, "model.keras")
    tflite_out = _translate_with_both(tflite, model, folder, tmp_path, capsys, "--to", "happy")
    # Another domain, by id, gives another image.
    sad = tmp_path / "sad.png"
    assert cli.main(["translate", tflite, str(folder / "a.png"), "-o", str(sad), "--to", "2"]) == 0
    assert np.abs(cv2.imread(str(sad)).astype(int) - tflite_out).mean() > 0.1

    # --to all: one row per image, the input then the 7 expressions, under their names.
    sheets = tmp_path / "all"
    assert cli.main(["translate", tflite, str(folder), "-o", str(sheets), "--to", "all"]) == 0
    sheet = cv2.imread(str(sheets / "a.png"))
    band = check_labelled(sheet, rows=1, columns=8, tile=32)
    happy = sheet[band + 2 : band + 34, 2 + 2 * 34 : 34 + 2 * 34]
    np.testing.assert_array_equal(happy, tflite_out)

    for source in (tflite, model):
        with pytest.raises(SystemExit, match="neutral, happy, sad"):
            cli.main(["translate", source, str(folder), "-o", str(tmp_path / "x")])
        with pytest.raises(SystemExit, match="unknown domain 'glee'"):
            cli.main(["translate", source, str(folder), "-o", str(tmp_path / "x"), "--to", "glee"])


def test_evaluate_stargan_on_held_out_sitters(stargan_run, capsys):
    pytest.importorskip("keras_portrait.models.stargan.stargan_evaluation")
    out = os.path.join(stargan_run, "eval")
    args = ["evaluate", "stargan", stargan_run, "--count", "2", "--sheet-rows", "2",
            "--no-identity", "--no-judge", "--out", out]
    assert cli.main(args) == 0
    with open(os.path.join(out, "evaluation.json")) as f:
        report = json.load(f)
    assert report["seed"] == 1000 and report["count"] == 2 and report["image_size"] == 32
    assert report["framing"] == "face"  # the run's, from run.json
    assert report["crop"]["box"] == "the whole face-framed image"
    capsys.readouterr()
    # --framing overrides the run's: the same model scored on whole portraits.
    assert cli.main([*args, "--framing", "portrait"]) == 0
    with open(os.path.join(out, "evaluation.json")) as f:
        assert json.load(f)["framing"] == "portrait"
    with pytest.raises(SystemExit, match="--framing face cuts SynthPortraits renders"):
        cli.main([*args, "--framing", "face", "--data", out])
    assert report["model"].endswith("model.keras")
    assert 0 < report["ssim"]["translated"]["all"]["mean"] <= 1
    # 2 sitters, each a row of input | 7 translations over a row of blank | 7 truths.
    sheet = cv2.imread(os.path.join(out, "evaluation_expressions.png"))
    check_labelled(sheet, rows=4, columns=8, tile=32)
    assert "SSIM(output, truth)" in capsys.readouterr().out


GAU_TINY = ["--code-dim", "8", "--filters", "2", "--encoder-filters", "4",
            "--discriminator-filters", "4", "--discriminator-layers", "3", "--spade-hidden", "8",
            "--discriminator-steps", "2", "--num-samples", "2"]


CLI = "import sys; from keras_portrait.cli import main; sys.exit(main(sys.argv[1:]))"
# A tiny GauGAN trained on SynthPortraits by `train gaugan` (1 step of 2 portraits), then
# exported to fp32 by `export`: the slowest commands of this file, so tests/background.py runs
# them (`python -c CLI ...`, as the `keras-portrait` script does) beside the other tests.
GAUGAN_RUN = pytest.mark.background_run("cli-gaugan", commands=[
    ["-c", CLI, "train", "gaugan", "--data", "synth", "--num-examples", "2", "--batch-size", "2",
     "--image-size", "32", "--epochs", "1", "--out", "{folder}/run", *GAU_TINY],
    ["-c", CLI, "export", "{folder}/run", "--formats", "fp32", "--out", "{folder}/export"],
])


@pytest.fixture(scope="module")
def gaugan_run(background_result):
    """(the run folder, the export folder, the export command's output) of GAUGAN_RUN."""
    result = background_result("cli-gaugan")
    folder = result["folder"]
    return os.path.join(folder, "run"), os.path.join(folder, "export"), result["stdout"][1]


@GAUGAN_RUN
def test_train_gaugan_writes_a_run(gaugan_run):
    run, _, _ = gaugan_run
    # 2 sample rows of mask | real | own style | random style, 32 px with 2 px padding.
    for name in ("model.keras", "log.json", "run.json"):
        assert os.path.exists(os.path.join(run, name)), name
    sheet = cv2.imread(os.path.join(run, "samples_epoch_0001.png"))
    check_labelled(sheet, rows=2, columns=4, tile=32)
    model = keras.saving.load_model(os.path.join(run, "model.keras"))
    with open(os.path.join(run, "run.json")) as f:
        settings = json.load(f)
    assert settings["discriminator_layers"] == 3 and settings["code_dim"] == 8
    assert model.discriminator_steps == 2 and model.code_dim == 8
    assert int(model.d_optimizer.iterations.numpy()) == 2


@GAUGAN_RUN
def test_gaugan_export_then_synthesize_with_keras_and_tflite(gaugan_run, tmp_path):
    run, out, export_output = gaugan_run
    tflite = os.path.join(out, "generator_fp32.tflite")
    with open(tflite + ".json") as f:
        card = json.load(f)
    assert card["family"] == "GauGAN" and card["output"]["shape"] == [1, 32, 32, 3]
    assert [i["name"] for i in card["inputs"]] == ["mask", "code", "metadata"]
    assert card["parity_vs_keras"]["max_abs"] <= 1 / 255 + 1e-6  # uint8: one grey level
    assert os.path.exists(os.path.join(out, "style_encoder_fp32.tflite"))
    assert "inputs: mask uint8(1, 32, 32)" in export_output

    rng = np.random.default_rng(0)
    mask = str(tmp_path / "mask.png")
    cv2.imwrite(mask, np.kron(rng.integers(0, 7, (8, 8)), np.ones((4, 4))).astype(np.uint8))
    style = str(tmp_path / "style.png")
    cv2.imwrite(style, rng.integers(0, 256, (40, 40, 3)).astype(np.uint8))
    model = os.path.join(run, "model.keras")
    for options in (["--seed", "3", "--metadata", "age=0.3", "glasses=1"], ["--style", style]):
        written = []
        for source in (model, tflite):
            target = str(tmp_path / f"out{len(written)}.png")
            assert cli.main(["synthesize", source, "--mask", mask, "-o", target, *options]) == 0
            written.append(cv2.imread(target).astype(int))
        assert written[0].shape == (32, 32, 3)
        assert np.abs(written[0] - written[1]).max() <= 1, options
    with pytest.raises(SystemExit, match="NAME one of age, gender, glasses"):
        cli.main(["synthesize", tflite, "--mask", mask, "-o", target, "--metadata", "hat=1"])


@GAUGAN_RUN
def test_gaugan_sample_and_evaluate(gaugan_run, tmp_path, capsys):
    run, _, _ = gaugan_run
    model = os.path.join(run, "model.keras")
    grid = str(tmp_path / "grid.png")
    assert cli.main(["sample", model, "-n", "3", "-o", grid, "--seed", "5"]) == 0
    # 3 rows of mask | real | own style | random style, 32 px with 2 px padding, labelled.
    sheet = cv2.imread(grid)
    band = check_labelled(sheet, rows=3, columns=4, tile=32)
    # The first column is the colourised mask of SynthPortraits(seed=5)'s first sitter.
    from keras_portrait.data import synth_portraits
    from keras_portrait.models.gaugan import colorize_mask

    first = next(iter(synth_portraits(family="gaugan", image_size=32, batch_size=1,
                                      num_examples=1, seed=5, shuffle=False)))
    tile = sheet[band + 2 : band + 34, 2:34, ::-1]
    np.testing.assert_array_equal(tile, colorize_mask(np.asarray(first["mask"]))[0])

    out = str(tmp_path / "evaluation")
    assert cli.main(["evaluate", "gaugan", run, "--count", "2", "--out", out]) == 0
    with open(os.path.join(out, "evaluation.json")) as f:
        report = json.load(f)
    assert report["count"] == 2 and report["seed"] == 1000  # the run's seed 0 + 1000: unseen
    assert set(report) >= {"mask_fidelity", "reconstruction", "glasses", "age"}
    for name in ("fidelity", "control"):
        assert os.path.exists(os.path.join(out, f"evaluation_{name}.png"))
    assert "own-style SSIM" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="holds a GauGAN, not a StarGAN"):
        cli.main(["evaluate", "stargan", run])


def test_gaugan_folder_data(tmp_path, capsys):
    # The reader is kp.data.mask_folder (tests/data/test_mask_folder.py); the command turns
    # its errors into an exit message and its warnings into stderr lines.
    from keras_portrait.models.gaugan import gaugan_cli as gaugan
    from keras_portrait.data import SynthPortraits
    from keras_portrait.imaging.metadata import metadata_vector

    folder = tmp_path / "data"
    assert cli.main(["render", str(folder), "--count", "3", "--size", "32"]) == 0
    # `render` writes the metadata of its portraits.
    batches = list(gaugan.folder_dataset(str(folder), 16, 3, shuffle=False))
    portraits = SynthPortraits(seed=0)
    truth = [metadata_vector(portraits.sample(i, size=32)["attributes"]) for i in range(3)]
    np.testing.assert_allclose(batches[0]["metadata"], truth, atol=1e-5)
    (folder / "images" / "000001.png").write_bytes(b"broken")
    batches = list(gaugan.folder_dataset(str(folder), 16, 2, shuffle=False))
    assert sum(len(b["image"]) for b in batches) == 2
    assert "warning:" in (err := capsys.readouterr().err) and "images/000001.png" in err
    os.remove(folder / "metadata.csv")
    with pytest.raises(SystemExit, match="error: no metadata CSV.*file,age,gender,glasses"):
        gaugan.folder_dataset(str(folder), 16, 2)
