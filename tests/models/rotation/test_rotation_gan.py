"""RotationGAN: train step, loss terms, save/load, cleaning, sample sheets, bad batches."""

import numpy as np
import pytest
import tensorflow as tf
from harness import check_model_save, check_train_step
from sheets import check_labelled

from keras_portrait import losses
from keras_portrait.models.rotation import synth_rotation_pairs
from keras_portrait.models import RotationGAN
from keras_portrait.models.multiscale import split_scales
from keras_portrait.models.rotation.rotation_networks import render_generator

TINY = {"filters": 8, "num_downsamplings": 2, "num_blocks": 1, "spade_hidden": 8,
        "discriminator_filters": 8, "discriminator_layers": 3}


def _batch(n=2, seed=0):
    rng = np.random.default_rng(seed)
    holes = (rng.uniform(size=(n, 32, 32, 1)) < 0.2).astype("float32")
    target = rng.uniform(-1, 1, (n, 32, 32, 3)).astype("float32")
    render = np.where(holes > 0, -1.0, target + rng.normal(0, 0.1, target.shape))
    return {"render": render.astype("float32"), "holes": holes, "target": target}


def _embedder(images):
    return tf.reduce_mean(images, axis=(1, 2))


@pytest.fixture(scope="module")
def trained():
    """One step on a batch of SynthPortraits pairs made by turning away and back."""
    pairs = synth_rotation_pairs(image_size=32, batch_size=2, num_examples=2)
    batch = {key: value.numpy() for key, value in next(iter(pairs)).items()}
    assert batch["holes"].any() and not batch["holes"].all()
    gan = RotationGAN(**TINY, identity_embedder=_embedder, seed=0)
    gan.compile()
    logs = check_train_step(gan, batch)
    return gan, logs


def test_train_step_moves_both_players_with_every_term(trained):
    gan, logs = trained
    assert set(logs) == set(gan.LOSS_NAMES)
    for name in ("feature_matching_loss", "l1_loss", "identity_loss", "d_loss"):
        assert logs[name] > 0, name


def test_generator_loss_terms_follow_the_formulas():
    # Without spectral norm, whose power iteration changes the weights at every training call,
    # the generator gives the same fakes when called again.
    generator = render_generator(8, 2, 1, 8, spectral_norm=False, residual=False)
    gan = RotationGAN(**TINY, generator=generator, identity_embedder=_embedder, seed=0)
    batch = _batch(seed=3)
    render, holes, target = batch["render"], batch["holes"], batch["target"]
    total, logged = gan.generator_loss(render, holes, target)
    np.testing.assert_allclose(
        total, logged["g_adversarial_loss"] + logged["feature_matching_loss"]
        + logged["l1_loss"] + logged["identity_loss"], rtol=1e-5)
    fakes = gan.generator([render, holes], training=True)
    np.testing.assert_allclose(logged["l1_loss"], 10.0 * np.abs(target - fakes).mean(),
                               rtol=1e-5)
    np.testing.assert_allclose(
        logged["identity_loss"],
        ((target.mean(axis=(1, 2)) - np.asarray(fakes).mean(axis=(1, 2))) ** 2).sum(-1).mean(),
        rtol=1e-4)
    # The hinge terms see the image with its condition (render and holes).
    condition = np.concatenate([render, holes], -1)
    outputs = gan.discriminator([fakes, tf.constant(condition)])
    fake_logits = [s[-1] for s in split_scales(outputs, 2)]
    expected = np.mean([float(losses.hinge_generator_loss(f)) for f in fake_logits])
    np.testing.assert_allclose(logged["g_adversarial_loss"], expected, rtol=1e-5)


def test_the_untrained_residual_generator_returns_the_render():
    batch = _batch()
    gan = RotationGAN(**TINY, seed=0)
    np.testing.assert_allclose(gan([batch["render"], batch["holes"]]),
                               np.clip(batch["render"], -1.0, 1.0), atol=1e-6)
    redraw = RotationGAN(**TINY, residual=False, seed=0)
    assert np.abs(redraw([batch["render"], batch["holes"]]) - batch["render"]).mean() > 0.1


def test_with_fill_holes_the_untrained_generator_is_the_pull_push_fill():
    from keras_portrait.layers import PushPullFill

    batch = _batch()
    gan = RotationGAN(**TINY, fill_holes=True, seed=0)
    filled = np.asarray(PushPullFill()([batch["render"], batch["holes"]]))
    np.testing.assert_allclose(gan([batch["render"], batch["holes"]]), np.clip(filled, -1, 1),
                               atol=1e-6)
    known = np.broadcast_to(batch["holes"] == 0, filled.shape)
    np.testing.assert_allclose(filled[known], batch["render"][known], atol=1e-6)
    assert gan.get_config()["fill_holes"] is True
    gan.compile()
    logs = check_train_step(gan, {k: v for k, v in batch.items()})
    assert np.isfinite(logs["g_loss"])


def test_with_keep_known_only_the_holes_change_and_only_they_carry_gradient():
    batch = _batch()
    render, holes = batch["render"], batch["holes"]
    gan = RotationGAN(**TINY, residual=False, keep_known=True, seed=0)
    out = np.asarray(gan([render, holes]))
    known = np.broadcast_to(holes == 0, out.shape)
    np.testing.assert_array_equal(out[known], render[known])
    assert np.abs(out[~known] - render[~known]).mean() > 0.1
    assert gan.get_config()["keep_known"] is True
    # The L1 term's gradient with respect to the output reaches the generator through the
    # holes only: a target that differs from the render outside the holes changes nothing.
    target_elsewhere = np.where(holes > 0, batch["target"], batch["target"] + 0.5)
    with tf.GradientTape() as tape:
        image = gan.generator([render, holes])
        l1 = tf.reduce_mean(tf.abs(tf.constant(batch["target"]) - image))
    with tf.GradientTape() as other:
        image = gan.generator([render, holes])
        l1_elsewhere = tf.reduce_mean(tf.abs(tf.constant(target_elsewhere) - image))
    weights = gan.generator.trainable_weights
    for a, b in zip(tape.gradient(l1, weights), other.gradient(l1_elsewhere, weights)):
        if a is not None:
            np.testing.assert_allclose(a, b, atol=1e-6)
    gan.compile()
    logs = check_train_step(gan, dict(batch))
    assert np.isfinite(logs["g_loss"])


def test_with_keep_known_switches_a_trained_generator_to_paint_the_holes_only(trained):
    gan, _ = trained  # trained on whole images
    renders = np.random.default_rng(1).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    holes = np.zeros((2, 32, 32), bool)
    holes[:, 8:20, 4:14] = True
    keeping = gan.with_keep_known()
    assert keeping.keep_known and not gan.keep_known and keeping is not gan
    assert keeping._embedder.value is gan._embedder.value is not None  # the identity term too
    assert len(keeping.get_weights()) == len(gan.get_weights())
    for a, b in zip(keeping.get_weights(), gan.get_weights()):
        np.testing.assert_array_equal(a, b)
    whole, kept = gan.clean(renders, holes), keeping.clean(renders, holes)
    # Outside the holes: the render itself; inside: the trained generator's own pixels.
    np.testing.assert_array_equal(kept[~holes], renders[~holes])
    assert np.abs(kept[holes].astype(int) - whole[holes]).max() <= 1
    assert np.any(whole[~holes] != renders[~holes])  # the switch is what kept them
    # And back: the same images as the original.
    np.testing.assert_array_equal(keeping.with_keep_known(False).clean(renders, holes), whole)
    for key, value in gan.get_config().items():
        if key not in RotationGAN.NETWORK_ARGS + ("keep_known",):
            assert keeping.get_config()[key] == value, key


def test_identity_term_needs_only_an_embedder(trained):
    gan = RotationGAN(**TINY, seed=0)
    _, logged = gan.generator_loss(*(_batch()[k] for k in ("render", "holes", "target")))
    assert float(logged["identity_loss"]) == 0.0
    with pytest.raises(ValueError, match="identity_embedder"):
        RotationGAN(**TINY, identity_embedder="facenet")


def test_save_and_load_round_trip(trained):
    gan, _ = trained
    batch = _batch()
    reloaded = check_model_save(gan, [batch["render"], batch["holes"]])
    assert isinstance(reloaded, RotationGAN)
    for key, value in gan.get_config().items():
        if key not in RotationGAN.NETWORK_ARGS:
            assert reloaded.get_config()[key] == value, key


def test_clean_and_sample_grid(trained):
    gan, _ = trained
    batch = _batch(n=3)
    renders = ((batch["render"] + 1) * 127.5).round().astype(np.uint8)
    holes = batch["holes"][..., 0] > 0
    cleaned = gan.clean(renders, holes)
    assert cleaned.shape == (3, 32, 32, 3) and cleaned.dtype == np.uint8
    np.testing.assert_array_equal(gan.clean(renders[0], holes[0]), cleaned[0])
    with pytest.raises(ValueError, match="multiples of 4"):
        gan.clean(renders[:, :30, :30], holes[:, :30, :30])
    with pytest.raises(ValueError, match="set_sample_batch"):
        RotationGAN(**TINY).sample_inputs(2)
    gan.set_sample_batch(batch)
    grid = gan.sample_grid(gan.sample_inputs(2))
    assert grid.dtype == np.uint8
    check_labelled(grid, rows=2, columns=3, tile=32)  # render | cleaned | target
    # Holes are shown in magenta in the first column.
    assert (grid.reshape(-1, 3) == [255, 0, 255]).all(axis=1).any()


def test_bad_batches_are_refused():
    gan = RotationGAN(**TINY)
    gan.compile()
    with pytest.raises(ValueError, match="render"):
        gan.train_step((np.zeros((1, 32, 32, 3)), np.zeros((1, 32, 32, 3))))
    with pytest.raises(ValueError, match="l1_weight"):
        RotationGAN(**TINY, l1_weight=-1.0)


@pytest.mark.background_run("rotation")
def test_mirrored_strategy_trains_like_one_device(background_run):
    """Spectral norm updates its vectors on every replica alike and the losses are averaged
    over the global batch, so two replicas train like one device (strategy_equivalence.py,
    run in the background by tests/background.py)."""
    assert background_run["max_abs_diff"] <= 1e-5


def test_validation_losses_move_nothing(trained, check_validation):
    gan, _ = trained
    history = check_validation(gan, _batch(seed=5), _batch(seed=6))
    assert history["val_identity_loss"][-1] > 0  # the embedder is set
