import json

import numpy as np
import pytest
from harness import check_model_save
from PIL import Image

from keras_portrait.labels import EXPRESSIONS
from keras_portrait.networks.resnet_classifier import resnet_classifier
from keras_portrait.models.classifier import SYNTH_FACE_BOX
from keras_portrait.models.classifier import ImageClassifier
from keras_portrait.models.classifier import pixel_box
from keras_portrait.models.classifier import _group_split
from keras_portrait.models.classifier import _stratified_split
from keras_portrait.models.classifier import fit_classifier
from keras_portrait.models.classifier import train_expression_classifier

TINY = dict(image_size=32, filters=8, blocks_per_stage=(1, 1), batch_size=8)
COLOURS = np.array([[220, 40, 40], [40, 200, 60], [50, 60, 230]])


def _colour_images(labels, size, seed=0):
    """uint8 images of noise tinted by each label's colour: a task a tiny net learns at once."""
    noise = np.random.default_rng(seed).normal(0, 25, (len(labels), size, size, 3))
    return np.clip(COLOURS[labels][:, None, None, :] + noise, 0, 255).astype(np.uint8)


def _check_report(report, total, num_classes):
    json.dumps(report)  # JSON-safe
    sizes = report["split_sizes"]
    assert sum(sizes.values()) == total and min(sizes.values()) > 0
    for name in ("train", "val", "test"):
        assert 0.0 <= report[f"{name}_accuracy"] <= 1.0
        assert sum(report["class_counts"][name]) == sizes[name]
    confusion = np.array(report["confusion_matrix"])
    assert confusion.shape == (num_classes, num_classes) and confusion.sum() == sizes["test"]
    assert np.isclose(np.trace(confusion) / sizes["test"], report["test_accuracy"])
    assert len(report["test_accuracy_per_class"]) == num_classes
    assert 1 <= report["best_epoch"] <= report["epochs_run"]
    assert report["seconds"] >= report["train_seconds"] > 0


# Each training traces a fresh `fit`: ~5-15 s on 2 cores.
@pytest.fixture(scope="module")
def colours():
    labels = np.repeat(np.arange(3), 20)
    images = _colour_images(labels, 40).astype("float32") / 127.5 - 1.0  # float, resized to 32
    return train_expression_classifier(
        (images, labels), class_names=("red", "green", "blue"), epochs=4, learning_rate=1e-2,
        **TINY)


@pytest.mark.slow
def test_learns_colour_coded_classes_with_a_stratified_split(colours):
    model, report = colours
    _check_report(report, 60, 3)
    assert report["class_counts"] == {"train": [16] * 3, "val": [2] * 3, "test": [2] * 3}
    assert report["train_accuracy"] >= 0.9 and report["test_accuracy"] >= 0.9
    assert report["class_names"] == ["red", "green", "blue"] and report["skipped"] == []
    assert "stratified" in report["split_method"]
    probabilities = np.asarray(model(_colour_images(np.array([0, 1, 2]), 32) / 127.5 - 1.0))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert list(probabilities.argmax(axis=1)) == [0, 1, 2]


@pytest.mark.slow
def test_saves_reloads_and_resizes(colours):
    model, _ = colours
    images = _colour_images(np.array([2, 0]), 32, seed=1).astype("float32") / 127.5 - 1.0
    reloaded = check_model_save(model, images)
    assert isinstance(reloaded, ImageClassifier)
    assert reloaded.class_names == ("red", "green", "blue") and reloaded.image_size == 32
    large = np.repeat(np.repeat(images, 2, axis=1), 2, axis=2)  # 64²: resized to 32² inside
    assert tuple(reloaded(large).shape) == (2, 3)


@pytest.mark.slow
@pytest.mark.parametrize("framing", ["portrait", "face"])
def test_synth_is_split_by_sitter(framing):
    # A face-framed image is the face: the crop box is for whole portraits.
    crop_box = SYNTH_FACE_BOX if framing == "portrait" else None
    model, report = train_expression_classifier("synth", count=40, epochs=1, framing=framing,
                                                crop_box=crop_box, **TINY)
    _check_report(report, 40, len(EXPRESSIONS))
    assert report["network_input"] == (20 if framing == "portrait" else 32)  # 0.64 of 32
    assert report["source"]["framing"] == framing
    assert report["source"]["kind"] == "synth" and report["epochs_run"] == 1
    assert sum(report["split_identities"].values()) == report["identities"]  # disjoint
    assert "sitter" in report["split_method"]
    assert model.class_names == EXPRESSIONS
    assert tuple(model(np.zeros((3, 32, 32, 3), "float32")).shape) == (3, len(EXPRESSIONS))


def test_crop_box_sees_only_the_box_and_round_trips():
    assert pixel_box((0.25, 0.25, 0.75, 0.75), 32) == (8, 8, 24, 24)
    assert pixel_box(SYNTH_FACE_BOX, 64) == (11, 12, 52, 53)
    for box in ((0.1, 0.1, 0.5, 0.9), (0.5, 0.5, 0.4, 0.4), (0, 0, 1)):
        with pytest.raises(ValueError, match="crop_box"):
            pixel_box(box, 32)
    with pytest.raises(ValueError, match="image_size"):
        pixel_box((0, 0, 1, 1), None)
    network = resnet_classifier(2, image_size=16, filters=4, blocks_per_stage=(1,))
    model = ImageClassifier(network, ("a", "b"), image_size=32, crop_box=(0.25, 0.25, 0.75, 0.75))
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    outside = images.copy()
    outside[:, :8] = 0.5  # rows above the box
    np.testing.assert_allclose(np.asarray(model(outside)), np.asarray(model(images)), atol=1e-6)
    reloaded = check_model_save(model, images)
    assert reloaded.crop_box == (0.25, 0.25, 0.75, 0.75) and reloaded.class_names == ("a", "b")
    with pytest.raises(ValueError, match="class_names"):
        ImageClassifier(network, ("a", "b", "c"))


def test_group_split_keeps_each_group_in_one_split():
    groups = np.random.default_rng(0).integers(0, 30, 300)
    parts = _group_split(groups, (0.8, 0.1, 0.1), seed=3)
    assert sorted(np.concatenate(list(parts.values()))) == list(range(300))
    seen = [set(groups[p]) for p in parts.values()]
    assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])
    assert [len(s) for s in seen] == [24, 3, 3]


def test_stratified_split_is_seeded_and_disjoint():
    labels = np.repeat(np.arange(4), [10, 20, 30, 40])
    parts = _stratified_split(labels, (0.8, 0.1, 0.1), seed=1)
    again = _stratified_split(labels, (0.8, 0.1, 0.1), seed=1)
    assert all(np.array_equal(parts[k], again[k]) for k in parts)
    assert sorted(np.concatenate(list(parts.values()))) == list(range(100))
    assert np.bincount(labels[parts["test"]]).tolist() == [1, 2, 3, 4]


@pytest.mark.slow
def test_folder_with_an_unreadable_file_is_skipped_and_reported(tmp_path):
    for name, label in (("happy", 0), ("sad", 2)):
        (tmp_path / name).mkdir()
        for i, image in enumerate(_colour_images(np.full(10, label), 32, seed=label)):
            Image.fromarray(image).save(tmp_path / name / f"{i}.png")
    (tmp_path / "sad" / "broken.png").write_bytes(b"not an image")
    model, report = train_expression_classifier(str(tmp_path), epochs=1, **TINY)
    _check_report(report, 20, len(EXPRESSIONS))
    assert [s["path"].endswith("broken.png") for s in report["skipped"]] == [True]
    happy, sad = EXPRESSIONS.index("happy"), EXPRESSIONS.index("sad")
    totals = np.sum([report["class_counts"][k] for k in ("train", "val", "test")], axis=0)
    assert totals[happy] == 10 and totals[sad] == 10 and totals.sum() == 20
    assert report["test_accuracy_per_class"]["neutral"] is None


def test_bad_arguments(tmp_path):
    images, labels = np.zeros((6, 32, 32, 3), np.uint8), np.arange(6) % 2
    with pytest.raises(ValueError, match="split"):
        train_expression_classifier((images, labels), split=(0.5, 0.5), **TINY)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        train_expression_classifier((images + 2.0, labels), **TINY)
    with pytest.raises(ValueError, match="class ids"):
        train_expression_classifier((images, labels + 7), **TINY)
    with pytest.raises(ValueError, match="empty"):
        train_expression_classifier((images, labels), **TINY)
    with pytest.raises(ValueError, match="data"):
        train_expression_classifier(images, **TINY)
    (tmp_path / "smiling").mkdir()
    Image.fromarray(images[0]).save(tmp_path / "smiling" / "a.png")
    with pytest.raises(ValueError, match="smiling"):
        train_expression_classifier(str(tmp_path), **TINY)
    with pytest.raises(ValueError, match="framing='face'.*data=\"synth\""):
        train_expression_classifier((images, labels), framing="face", **TINY)
    with pytest.raises(ValueError, match="crop_box"):
        train_expression_classifier("synth", framing="face", crop_box=SYNTH_FACE_BOX, **TINY)
    with pytest.raises(ValueError, match="framing"):
        train_expression_classifier("synth", framing="head", **TINY)


def test_from_network_copies_the_weights_without_the_optimizer():
    network = resnet_classifier(3, 16, filters=4, blocks_per_stage=(1,))
    network.compile(optimizer="adam", loss="mse")
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    model = ImageClassifier.from_network(network, ("a", "b", "c"), image_size=32,
                                         crop_box=(0.25, 0.25, 0.75, 0.75))
    assert model.network is not network and getattr(model.network, "optimizer", None) is None
    expected = network(images[:, 8:24, 8:24], training=False)
    np.testing.assert_allclose(model.logits(images), expected, atol=1e-6)
    network.set_weights([w * 0 for w in network.get_weights()])  # the copy is its own
    assert np.abs(np.asarray(model.logits(images))).max() > 0


def test_fit_classifier_needs_train_and_val_parts():
    network = resnet_classifier(2, 16, filters=4, blocks_per_stage=(1,))
    images = np.zeros((4, 16, 16, 3), "float32")
    with pytest.raises(ValueError, match="non-empty 'val' part"):
        fit_classifier(network, images, np.array([0, 1, 0, 1]), {"train": [0, 1], "val": []})
