import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import check_model_save, check_train_step
from sheets import check_labelled

from keras_portrait import losses
from keras_portrait.labels import EXPRESSIONS
from keras_portrait.models import StarGAN

TINY = {"image_size": 32, "filters": 8, "num_blocks": 1, "discriminator_filters": 8,
        "discriminator_layers": 3}


def _images(n=4, size=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


@pytest.fixture(scope="module")
def trained():
    gan = StarGAN(**TINY, discriminator_steps=2, seed=1)
    gan.compile()
    logs = check_train_step(gan, (_images(seed=1), np.array([0, 3, 5, 6], "int32")), steps=2)
    return gan, logs


def test_train_step_logs_every_loss(trained):
    gan, logs = trained
    assert set(logs) == set(gan.LOSS_NAMES)
    assert logs["reconstruction_loss"] > 0 and logs["gp"] >= 0
    assert logs["d_classification_loss"] > 0 and logs["g_classification_loss"] > 0
    # Two critic updates per generator update.
    assert int(gan.d_optimizer.iterations.numpy()) == 2 * int(gan.g_optimizer.iterations.numpy())


@pytest.mark.parametrize("safe_mode", [True, False])
def test_save_and_load_round_trip(trained, safe_mode):
    gan, _ = trained
    inputs = [_images(2), np.eye(7, dtype="float32")[[1, 4]]]
    reloaded = check_model_save(gan, inputs, safe_mode=safe_mode)
    assert isinstance(reloaded, StarGAN)
    config, expected = reloaded.get_config(), gan.get_config()
    for key, value in expected.items():
        if key not in ("generator", "discriminator"):
            assert config[key] == value, key
    np.testing.assert_array_equal(reloaded.translate(_images(2), "sad"),
                                  gan.translate(_images(2), "sad"))
    assert int(reloaded.d_optimizer.iterations.numpy()) == int(gan.d_optimizer.iterations.numpy())


def test_attribute_labels_train():
    gan = StarGAN(num_domains=5, label_type="attributes", **TINY, discriminator_steps=1, seed=2)
    assert gan.domain_names[0] == "black_hair"
    gan.compile()
    labels = np.array([[1, 0, 0, 1, 0], [0, 1, 0, 0, 1], [0, 0, 1, 1, 1], [0, 0, 0, 0, 0]],
                      "float32")
    logs = check_train_step(gan, (_images(seed=3), labels))
    assert logs["d_classification_loss"] > 0


def test_losses_are_the_papers_formulas():
    gan = StarGAN(**TINY, classification_weight=2.0, reconstruction_weight=3.0, seed=0)
    images = _images(3)
    labels = np.array([0, 1, 2], "int32")
    targets = np.array([4, 4, 0], "int32")
    total, logged = gan.generator_loss(images, labels, targets)
    one_hot = tf.eye(7)
    fakes = gan.generator([tf.constant(images), tf.gather(one_hot, targets)], training=True)
    scores, logits = gan.discriminator(fakes, training=True)
    back = gan.generator([fakes, tf.gather(one_hot, labels)], training=True)
    adversarial = -np.mean(scores)
    classification = float(losses.class_cross_entropy(logits, targets))
    reconstruction = np.mean(np.abs(images - np.asarray(back)))
    np.testing.assert_allclose(logged["g_adversarial_loss"], adversarial, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(logged["reconstruction_loss"], reconstruction, rtol=1e-5)
    np.testing.assert_allclose(
        total, adversarial + 2.0 * classification + 3.0 * reconstruction, rtol=1e-5, atol=1e-6
    )
    d_total, d_logged = gan.discriminator_loss(images, labels, np.asarray(fakes))
    real_scores, real_logits = gan.discriminator(images, training=True)
    np.testing.assert_allclose(
        d_logged["d_adversarial_loss"], np.mean(scores) - np.mean(real_scores), rtol=1e-5,
        atol=1e-7,
    )
    np.testing.assert_allclose(
        d_total,
        d_logged["d_adversarial_loss"]
        + 2.0 * float(losses.class_cross_entropy(real_logits, labels)) + d_logged["gp"],
        rtol=1e-5, atol=1e-6,
    )


def test_class_targets_are_uniform_and_seeded():
    gan = StarGAN(**TINY, seed=3)
    labels = np.zeros((7000,), "int32")
    targets = np.asarray(gan.sample_targets(labels))
    counts = np.bincount(targets, minlength=7)
    assert counts.sum() == 7000 and counts.min() > 850 and counts.max() < 1150
    again = np.asarray(StarGAN(**TINY, seed=3).sample_targets(labels))
    np.testing.assert_array_equal(targets, again)


def test_attribute_targets_shuffle_the_batch():
    gan = StarGAN(num_domains=5, label_type="attributes", **TINY, seed=4)
    labels = np.eye(5, dtype="float32")[[0, 1, 2, 3, 4, 0, 1, 2]]
    targets = np.asarray(gan.sample_targets(labels))
    # A permutation of the rows: the same multiset of label vectors.
    assert sorted(map(tuple, targets)) == sorted(map(tuple, labels))


def test_translate_and_translate_all():
    gan = StarGAN(**TINY, seed=0)
    images = _images(3)
    happy = gan.translate(images, "happy", batch_size=2)
    assert happy.shape == (3, 32, 32, 3) and happy.dtype == np.uint8
    np.testing.assert_array_equal(happy, gan.translate(images, 1, batch_size=2))
    np.testing.assert_array_equal(happy, gan.translate(images, np.array([1, 1, 1]), batch_size=2))
    # Another batching may round a pixel the other way.
    assert np.abs(happy.astype(int) - gan.translate(images, "happy").astype(int)).max() <= 1
    assert not np.array_equal(happy, gan.translate(images, "angry"))
    row = gan.translate_all(images[0])
    assert row.shape == (1, 7, 32, 32, 3)
    assert np.abs(row[0, 1].astype(int) - happy[0].astype(int)).max() <= 1
    grid = gan.sample_grid(images[:2])
    check_labelled(grid, rows=2, columns=8, tile=32)  # "input", then the 7 domains
    with pytest.raises(ValueError, match="Unknown domain 'smirk'"):
        gan.translate(images, "smirk")
    with pytest.raises(ValueError, match="attribute model"):
        gan.translate(images, {"happy": 1})


def test_sample_grid_names_its_columns_by_the_domains(monkeypatch):
    module = sys.modules[StarGAN.__module__]
    received = []
    monkeypatch.setattr(module, "image_grid", lambda images, labels: received.append(labels))
    StarGAN(**TINY, num_domains=3, domain_names=("blond", "brown", "black"), seed=0
            ).sample_grid(_images(1))
    assert received == [["input", "blond", "brown", "black"]]


def test_attribute_dict_targets_clear_other_hair_colours():
    gan = StarGAN(num_domains=5, label_type="attributes", **TINY, seed=0)
    labels = np.array([[1, 0, 0, 1, 1]], "float32")
    vectors = gan.target_vectors({"blond_hair": 1, "young": 0}, 1, labels)
    np.testing.assert_array_equal(vectors, [[0, 1, 0, 1, 0]])
    np.testing.assert_array_equal(gan.target_vectors("male", 1), [[0, 0, 0, 1, 0]])


def test_defaults_are_the_papers():
    gan = StarGAN(**TINY)
    gan.compile()
    assert gan.domain_names == EXPRESSIONS
    assert (gan.classification_weight, gan.reconstruction_weight,
            gan.gradient_penalty_weight, gan.discriminator_steps) == (1.0, 10.0, 10.0, 5)
    for optimizer in (gan.g_optimizer, gan.d_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(1e-4)
        assert (optimizer.beta_1, optimizer.beta_2) == (0.5, 0.999)


def test_residual_model_translates_to_its_input_untrained_and_saves(tmp_path):
    gan = StarGAN(**TINY, residual=True, seed=0)
    images = _images(2)
    expected = np.round((images + 1) * 127.5).astype(np.uint8)
    assert np.abs(gan.translate(images, "happy").astype(int) - expected).max() <= 1
    assert gan.get_config()["residual"] is True
    path = str(tmp_path / "residual.keras")
    gan.save(path)
    assert keras.saving.load_model(path).generator.count_params() == gan.generator.count_params()
    assert keras.saving.load_model(path).residual is True


def test_argument_errors():
    with pytest.raises(ValueError, match="label_type"):
        StarGAN(**TINY, label_type="multi")
    with pytest.raises(ValueError, match="domain_names"):
        StarGAN(num_domains=3, domain_names=("a", "a", "b"), **TINY)
    with pytest.raises(ValueError, match="reconstruction_weight"):
        StarGAN(**TINY, reconstruction_weight=-1.0)
    with pytest.raises(ValueError, match="images, labels"):
        StarGAN(**TINY).generator_step(_images(2))


def test_trains_on_synth_portraits():
    from keras_portrait.data import synth_portraits

    dataset = synth_portraits("stargan", image_size=32, batch_size=2, num_examples=4, seed=0)
    gan = StarGAN(**TINY, discriminator_steps=1, seed=0)
    gan.compile()
    history = gan.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][-1])


@pytest.mark.slow
@pytest.mark.background_run("stargan")
def test_mirrored_strategy_trains_like_one_device(background_run):
    """Target labels and interpolation weights are drawn for the global batch, so two
    replicas train like one device (tests/models/strategy_equivalence.py, run in the
    background by tests/background.py)."""
    assert background_run["max_abs_diff"] <= 1e-5


def test_validation_losses_move_nothing(trained, check_validation):
    gan, _ = trained
    history = check_validation(gan, (_images(seed=5), np.array([1, 2, 3, 4], "int32")),
                               (_images(seed=6), np.array([6, 5, 4, 0], "int32")))
    assert set(history) == set(gan.LOSS_NAMES) | {f"val_{name}" for name in gan.LOSS_NAMES}
    gan.set_sample_batch((_images(3), np.array([0, 1, 2], "int32")))
    assert tuple(gan.sample_inputs(2).shape) == (2, 32, 32, 3)
