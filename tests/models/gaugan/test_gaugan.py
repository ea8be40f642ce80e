import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import check_model_save, check_train_step
from sheets import check_labelled

from keras_portrait import losses
from keras_portrait.models import GauGAN
from keras_portrait.models.gaugan import colorize_mask

TINY = {"image_size": 32, "code_dim": 8, "filters": 2, "encoder_filters": 4,
        "discriminator_filters": 4, "discriminator_layers": 3, "spade_hidden": 8}


def _batch(n=2, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "image": rng.uniform(-1, 1, (n, 32, 32, 3)).astype("float32"),
        "mask": rng.integers(0, 7, (n, 32, 32)).astype("int32"),
        "metadata": rng.uniform(0, 1, (n, 3)).astype("float32"),
    }


def _perceptual():
    keras.utils.set_random_seed(3)
    image = keras.Input((32, 32, 3))
    first = keras.layers.Conv2D(4, 3, strides=2, activation="relu")(image)
    second = keras.layers.Conv2D(4, 3, strides=2, activation="relu")(first)
    return keras.Model(image, [first, second])


@pytest.fixture(scope="module")
def trained():
    gan = GauGAN(**TINY, perceptual_network=_perceptual(), perceptual_layer_weights=(0.5, 1.0),
                 seed=0)
    gan.compile(jit_compile=False)
    logs = check_train_step(gan, _batch())
    return gan, logs


def test_train_step_moves_generator_encoder_and_discriminator(trained):
    gan, logs = trained
    assert set(logs) == set(gan.LOSS_NAMES)
    assert logs["perceptual_loss"] > 0 and logs["kl_loss"] > 0
    assert logs["feature_matching_loss"] > 0
    assert logs["d_metadata_loss"] > 0 and logs["g_metadata_loss"] > 0
    # check_train_step looked at each side as a whole: the encoder and the critic move too.
    networks = (gan.encoder, gan.critic)
    before = [[w.numpy().copy() for w in n.trainable_weights] for n in networks]
    gan.fit(tf.data.Dataset.from_tensors(_batch(seed=1)), verbose=0)
    for network, weights in zip(networks, before):
        assert any(not np.array_equal(w.numpy(), b)
                   for w, b in zip(network.trainable_weights, weights)), network.name


def test_edit_metadata_changes_one_value_per_example(trained):
    gan, _ = trained
    metadata = np.random.default_rng(0).uniform(0, 1, (64, 3)).astype("float32")
    edited = np.asarray(gan.edit_metadata(metadata))
    changed = ~np.isclose(edited, metadata)
    assert (changed.sum(axis=1) == 1).all()
    np.testing.assert_allclose(edited[changed], 1.0 - metadata[changed], rtol=1e-6)
    assert set(np.argmax(changed, axis=1)) == {0, 1, 2}  # every column gets edited


def test_metadata_losses_follow_the_formulas(trained):
    gan, _ = trained
    batch = _batch(seed=5)
    one_hot = gan.one_hot(batch["mask"])
    # The critic's loss on real images: λ_meta · sigmoid cross-entropy of its reading.
    logits = np.asarray(gan.critic(batch["image"], training=True), "float64")
    target = batch["metadata"].astype("float64")
    expected = np.mean(np.sum(np.log1p(np.exp(logits)) - target * logits, axis=1))
    _, logged = gan.discriminator_loss(batch["image"], one_hot, batch["image"], batch["metadata"])
    np.testing.assert_allclose(logged["d_metadata_loss"], expected, rtol=1e-5)
    # Real images scored as their own fakes: the hinge terms are 1 + D and 1 − D per patch.
    assert float(logged["d_loss"]) > 0
    half = GauGAN(**TINY, metadata_weight=0.5, seed=0)
    _, logged_half = half.discriminator_loss(batch["image"], one_hot, batch["image"],
                                             batch["metadata"])
    logits = np.asarray(half.critic(batch["image"], training=True), "float64")
    expected = np.mean(np.sum(np.log1p(np.exp(logits)) - target * logits, axis=1))
    np.testing.assert_allclose(logged_half["d_metadata_loss"], 0.5 * expected, rtol=1e-5)


def test_edited_draw_is_held_to_the_unedited_one(trained):
    # λ_edit · mean |G(mask, code, edited) − G(mask, code, metadata)|, with the code and the
    # edit fixed so the term can be recomputed from the generator alone.
    gan, _ = trained
    batch = _batch(seed=6)
    one_hot = gan.one_hot(batch["mask"])
    mu, logvar = gan.encoder(batch["image"], training=True)
    edited = batch["metadata"].copy()
    edited[:, 2] = 1.0 - edited[:, 2]
    encode, edit = gan.encode, gan.edit_metadata
    gan.encode = lambda images: (mu, mu, logvar)
    gan.edit_metadata = lambda metadata: edited
    try:
        _, logged = gan.generator_loss(batch["image"], one_hot, batch["metadata"])
    finally:
        gan.encode, gan.edit_metadata = encode, edit
    plain = np.asarray(gan.generator(gan.generator_inputs(one_hot, mu, batch["metadata"])))
    changed = np.asarray(gan.generator(gan.generator_inputs(one_hot, mu, edited)))
    expected = gan.edit_l1_weight * np.mean(np.abs(changed - plain))
    assert gan.edit_l1_weight == 5.0 and expected > 0
    np.testing.assert_allclose(logged["edit_l1_loss"], expected, rtol=1e-3)


def test_without_metadata_weight_there_is_no_critic():
    gan = GauGAN(**TINY, metadata_weight=0.0, seed=0)
    assert gan.critic is None and gan.discriminators == [gan.discriminator]
    gan.compile(jit_compile=False)
    logs = check_train_step(gan, _batch())
    assert logs["d_metadata_loss"] == 0 and logs["g_metadata_loss"] == 0
    assert logs["edit_l1_loss"] == 0
    assert GauGAN(**TINY, metadata_dim=0).metadata_weight == 0.0
    with pytest.raises(ValueError, match="critic"):
        GauGAN(**TINY, metadata_weight=0.0, critic=keras.Sequential())


def test_files_saved_before_the_critic_load_without_one(trained):
    gan, _ = trained
    old = GauGAN(**TINY, metadata_weight=0.0, metadata_in_spade=False, seed=0)
    config = old.get_config()
    for key in ("critic", "metadata_weight", "metadata_in_spade", "critic_filters",
                "edit_l1_weight"):
        config.pop(key)
    reloaded = GauGAN.from_config(config)
    assert reloaded.critic is None and reloaded.metadata_weight == 0.0
    assert reloaded.generator.count_params() == old.generator.count_params()


def test_save_and_load_round_trip(trained):
    gan, _ = trained
    batch = _batch()
    inputs = [np.asarray(gan.one_hot(batch["mask"])), np.zeros((2, 8), "float32"),
              batch["metadata"]]
    reloaded = check_model_save(gan, inputs)
    assert isinstance(reloaded, GauGAN)
    for key, value in gan.get_config().items():
        if key not in gan.NETWORK_ARGS:
            assert reloaded.get_config()[key] == value, key
    np.testing.assert_array_equal(
        reloaded.synthesize(batch["mask"], batch["metadata"], style_images=batch["image"]),
        gan.synthesize(batch["mask"], batch["metadata"], style_images=batch["image"]),
    )


def test_generator_loss_terms_follow_the_formulas(trained):
    gan, _ = trained
    batch = _batch(seed=2)
    one_hot = gan.one_hot(batch["mask"])
    total, logged = gan.generator_loss(batch["image"], one_hot, batch["metadata"])
    np.testing.assert_allclose(
        total,
        logged["g_adversarial_loss"] + logged["feature_matching_loss"] + logged["kl_loss"]
        + logged["perceptual_loss"] + logged["g_metadata_loss"] + logged["edit_l1_loss"],
        rtol=1e-5,
    )
    # KL of the encoder's (mu, logvar), weighted 0.05: the encoder is deterministic.
    mu, logvar = gan.encoder(batch["image"], training=True)
    np.testing.assert_allclose(logged["kl_loss"], 0.05 * float(losses.kl_divergence(mu, logvar)),
                               rtol=1e-5)


def test_perceptual_distance_weights_the_layers(trained):
    gan, _ = trained
    network = gan._perceptual.value
    a, b = _batch(seed=3)["image"], _batch(seed=4)["image"]
    real, fake = network(a), network(b)
    expected = 0.5 * np.mean(np.abs(real[0] - fake[0])) + np.mean(np.abs(real[1] - fake[1]))
    np.testing.assert_allclose(gan.perceptual_distance(a, b), expected, rtol=1e-5)


def test_synthesize_controls(trained):
    gan, _ = trained
    batch = _batch()
    one = gan.synthesize(batch["mask"][0], batch["metadata"][0], seed=1)
    assert one.shape == (1, 32, 32, 3) and one.dtype == np.uint8
    np.testing.assert_array_equal(one, gan.synthesize(batch["mask"][:1], batch["metadata"][:1],
                                                      seed=1))
    # One metadata value changed, the mask and the code kept: the image changes. At 64² (the
    # generator's first map 2×2: at 32² it is 1×1 and the instance norms erase the code).
    gan64 = GauGAN(**{**TINY, "image_size": 64}, seed=0)
    mask = np.asarray(gan64.one_hot(np.tile(batch["mask"][:1], (1, 2, 2))))
    metadata = batch["metadata"][:1]
    glasses_on = metadata.copy()
    glasses_on[0, 2] = 1.0 - glasses_on[0, 2]
    code = gan64.style_codes(count=1, seed=1)
    before = np.asarray(gan64([mask, code, metadata]))
    assert np.abs(before - np.asarray(gan64([mask, code, glasses_on]))).max() > 1e-3
    other_code = gan64.style_codes(count=1, seed=2)
    assert np.abs(before - np.asarray(gan64([mask, other_code, metadata]))).max() > 1e-3


def test_sample_grid():
    gan = GauGAN(**TINY, seed=0)
    with pytest.raises(ValueError, match="set_sample_batch"):
        gan.sample_inputs(2)
    gan.set_sample_batch(_batch(3))
    grid = gan.sample_grid(gan.sample_inputs(2))
    # mask | real | own style | random style, under their labels.
    assert GauGAN.SAMPLE_LABELS == ("mask", "real", "own style", "random style")
    check_labelled(grid, rows=2, columns=4, tile=32)
    assert colorize_mask(np.array([[0, 6]])).shape == (1, 2, 3)


def test_defaults_are_the_papers():
    gan = GauGAN(**TINY)
    gan.compile(jit_compile=False)
    assert (gan.feature_matching_weight, gan.kl_weight, gan.perceptual_weight) == (10.0, 0.05, 10.0)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert (gan.g_optimizer.beta_1, gan.g_optimizer.beta_2) == (0.0, 0.999)


def test_errors():
    with pytest.raises(ValueError, match="kl_weight"):
        GauGAN(**TINY, kl_weight=-1.0)
    with pytest.raises(ValueError, match="perceptual_network"):
        GauGAN(**TINY, perceptual_network="vgg")
    with pytest.raises(ValueError, match="image.*mask.*metadata"):
        GauGAN(**TINY).generator_step((_batch()["image"],))


@pytest.mark.slow
@pytest.mark.background_run("gaugan")
def test_mirrored_strategy_trains_like_one_device(background_run):
    """Codes are drawn for the global batch and spectral norm updates its vectors on every
    replica alike, so two replicas train like one device (strategy_equivalence.py, run in the
    background by tests/background.py)."""
    assert background_run["max_abs_diff"] <= 1e-5


def test_validation_losses_move_nothing(trained, check_validation):
    gan, _ = trained
    history = check_validation(gan, _batch(seed=5), _batch(seed=6))
    assert history["val_perceptual_loss"][-1] > 0 and history["val_d_metadata_loss"][-1] > 0
