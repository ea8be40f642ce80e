import numpy as np
import pytest
import tensorflow as tf
from harness import check_train_step

from keras_portrait.models import DCGAN
from keras_portrait.models import WGANGP

FAMILIES = {"dcgan": DCGAN, "wgan-gp": WGANGP}


def _images(n=4, size=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_train_step_moves_both_players(family):
    gan = FAMILIES[family](image_size=32, latent_dim=16, filters=8, seed=1)
    gan.compile()
    logs = check_train_step(gan, _images())
    assert set(gan.LOSS_NAMES) <= set(logs)


def test_wgan_gp_defaults_are_the_papers():
    gan = WGANGP(image_size=32, latent_dim=16, filters=8)
    gan.compile()
    assert gan.discriminator_steps == 5
    assert gan.gradient_penalty_weight == 10.0
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert gan.d_optimizer.beta_1 == 0.0 and gan.d_optimizer.beta_2 == 0.9
    # The critic has no batch normalization: the gradient penalty is per example.
    assert not [l for l in gan.discriminator.layers if "normalization" in type(l).__name__.lower()]


def test_dcgan_defaults_are_the_papers():
    gan = DCGAN(image_size=32, latent_dim=16, filters=8)
    gan.compile()
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert gan.g_optimizer.beta_1 == 0.5
    assert gan.generator.output_shape == (None, 32, 32, 3)
    assert gan.discriminator.output_shape == (None, 1)


def _trainable(network):
    return sum(int(np.prod(w.shape)) for w in network.trainable_weights)


def test_dcgan_64_matches_the_reference_parameter_counts():
    # The reference DCGAN (ngf = ndf = 64, nz = 100, no conv biases, affine batch norm):
    # G 3,576,704 and D 2,765,568 trainable parameters.
    gan = DCGAN(image_size=64)
    assert _trainable(gan.generator) == 3_576_704
    assert _trainable(gan.discriminator) == 2_765_568


def test_portrait80_preset_is_the_seed_network():
    gan = DCGAN.from_preset("portrait80")
    assert gan.generator.output_shape == (None, 80, 80, 3)
    assert gan.latent_dim == 100
    # Dense 100→10·10·256 (no bias) + BN(25600) ; ConvT 256→128 5×5 ; BN(128) ;
    # ConvT 128→64 5×5 ; BN(64) ; ConvT 64→3 5×5 — BN counts γ, β, moving mean and variance.
    expected_g = 100 * 25600 + 4 * 25600 + 25 * 256 * 128 + 4 * 128 + 25 * 128 * 64 + 4 * 64
    expected_g += 25 * 64 * 3
    assert gan.generator.count_params() == expected_g == 3_691_968
    # Conv 3→64 5×5 + bias ; Conv 64→128 5×5 + bias ; Dense 20·20·128 → 1 + bias.
    expected_d = (75 * 64 + 64) + (25 * 64 * 128 + 128) + (20 * 20 * 128 + 1)
    assert gan.discriminator.count_params() == expected_d == 260_993


def test_generate_is_uint8_and_seeded():
    gan = DCGAN(image_size=16, latent_dim=8, filters=4, seed=0)
    first = gan.generate(5, seed=3, batch_size=2)
    assert first.shape == (5, 16, 16, 3) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, gan.generate(5, seed=3))
    assert not np.array_equal(first, gan.generate(5, seed=4))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_validation_losses_are_the_train_steps_and_move_nothing(family, check_validation):
    gan = FAMILIES[family](image_size=16, latent_dim=8, filters=4, discriminator_steps=1, seed=1)
    gan.compile()
    batch = _images(2, size=16)
    evaluated = gan.evaluate(tf.data.Dataset.from_tensors(batch), verbose=0, return_dict=True)
    history = check_validation(gan, batch, _images(2, size=16, seed=1))
    # evaluate() drew the noise of the next train step and restored the networks: the
    # discriminator's losses of the first step on the same batch are the evaluated ones.
    for name in ("d_loss", "gp") if family == "wgan-gp" else ("d_loss",):
        np.testing.assert_allclose(history[name][0], evaluated[name], rtol=1e-5, atol=1e-6)


def test_players_and_optimizers_come_from_the_class_attributes():
    gan = DCGAN(image_size=16, latent_dim=8, filters=4)
    assert gan.generators == [gan.generator] and gan.discriminators == [gan.discriminator]
    g_optimizer, d_optimizer = WGANGP(image_size=16, latent_dim=8, filters=4).default_optimizers()
    assert g_optimizer is not d_optimizer
    assert (float(d_optimizer.learning_rate), d_optimizer.beta_1, d_optimizer.beta_2) == (
        pytest.approx(1e-4), 0.0, 0.9)


def test_argument_errors():
    with pytest.raises(ValueError, match="image_size"):
        DCGAN(image_size=48)
    with pytest.raises(ValueError, match="discriminator_steps"):
        DCGAN(image_size=16, discriminator_steps=0)
    with pytest.raises(ValueError, match="preset"):
        DCGAN.from_preset("nope")


@pytest.mark.slow
@pytest.mark.parametrize(
    "family", [pytest.param(f, marks=pytest.mark.background_run(f)) for f in sorted(FAMILIES)]
)
def test_mirrored_strategy_trains_like_one_device(family, background_run):
    """3 steps on MirroredStrategy over 2 CPUs match 3 on one device
    (strategy_equivalence.py, run in the background by tests/background.py)."""
    assert background_run["max_abs_diff"] <= 1e-5
