import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import check_model_save, check_train_step
from sheets import check_labelled

from keras_portrait.grids import to_uint8
from keras_portrait.models.cycle_gan import CycleGAN, ImagePool
from keras_portrait.models.cycle_gan.image_pool import pool_update

TINY = {"filters": 8, "num_blocks": 2, "discriminator_filters": 8}


def _images(n=4, size=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


@pytest.fixture(scope="module")
def trained():
    """A tiny CycleGAN after 2 fit steps (traced once for the module: tracing is the slow part),
    its logs, and the number of times `fit` traced its train step."""
    gan = CycleGAN(**TINY, pool_size=3, seed=1)
    gan.compile(jit_compile=False)  # XLA compilation would dominate a tiny test
    traces = []

    def counted(batch):  # the Python body runs once per trace of the step
        traces.append(1)
        return CycleGAN.train_step(gan, batch)

    gan.train_step = counted
    logs = check_train_step(gan, (_images(seed=1), _images(seed=2)), steps=2)
    del gan.train_step  # the class's own again, for the other tests
    return gan, logs, len(traces)


def test_train_step_moves_all_four_networks(trained):
    gan, logs, _ = trained
    # The identity-aware term is off (weight 0): the log shows the terms that train.
    assert set(gan.LOSS_NAMES) - {"identity_loss", "face_adversarial_loss"} == set(logs)
    assert logs["identity_mapping_loss"] > 0 and logs["cycle_loss"] > 0
    # Two steps of batch 4 filled both pools (3 images).
    assert int(gan.pool_a.count.numpy()) == int(gan.pool_b.count.numpy()) == 3


def test_each_of_the_four_networks_changes(trained):
    gan, _, _ = trained
    networks = gan.generators + gan.discriminators
    before = [[w.numpy().copy() for w in net.trainable_weights] for net in networks]
    gan.fit(tf.data.Dataset.from_tensors((_images(seed=3), _images(seed=4))), verbose=0)
    for net, weights in zip(networks, before):
        moved = [not np.array_equal(w.numpy(), b) for w, b in zip(net.trainable_weights, weights)]
        assert any(moved), f"{net.name} did not change"


@pytest.mark.parametrize("safe_mode", [True, False])
def test_save_and_load_round_trip(trained, safe_mode):
    gan, _, _ = trained
    reloaded = check_model_save(gan, _images(2), safe_mode=safe_mode)
    assert isinstance(reloaded, CycleGAN)
    config = reloaded.get_config()
    for key in ("filters", "num_blocks", "discriminator_filters", "pool_size", "seed",
                "cycle_weight", "identity_mapping_ratio", "identity_weight"):
        assert config[key] == gan.get_config()[key], key
    for pool, loaded in ((gan.pool_a, reloaded.pool_a), (gan.pool_b, reloaded.pool_b)):
        np.testing.assert_array_equal(loaded.images.numpy(), pool.images.numpy())
        assert int(loaded.count.numpy()) == int(pool.count.numpy())
    np.testing.assert_array_equal(
        reloaded.translate(_images(2), "b2a"), gan.translate(_images(2), "b2a")
    )
    # The optimizers come back with their state.
    assert int(reloaded.g_optimizer.iterations.numpy()) == int(gan.g_optimizer.iterations.numpy())


def test_unbuilt_pools_rebuild_from_saved_weights(trained, tmp_path):
    gan, _, _ = trained
    path = str(tmp_path / "cycle.weights.h5")
    gan.save_weights(path)
    fresh = CycleGAN(**TINY, pool_size=3, seed=1)  # never called: pools without variables
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.pool_b.images.numpy(), gan.pool_b.images.numpy())


def test_translate_is_uint8_and_deterministic():
    gan = CycleGAN(**TINY, seed=0)
    images = _images(5)
    for direction in ("a2b", "b2a"):
        out = gan.translate(images, direction, batch_size=2)
        assert out.shape == (5, 32, 32, 3) and out.dtype == np.uint8
        np.testing.assert_array_equal(out, gan.translate(images, direction, batch_size=2))
        # Batched otherwise, a pixel may round to the neighbouring grey level.
        other = gan.translate(images, direction).astype(int)
        assert np.abs(out.astype(int) - other).max() <= 1
    assert not np.array_equal(gan.translate(images, "a2b"), gan.translate(images, "b2a"))
    # call() is the A → B generator (batched differently, a pixel may round the other way).
    difference = gan.translate(images).astype(int) - to_uint8(gan(images)).astype(int)
    assert np.abs(difference).max() <= 1
    with pytest.raises(ValueError, match="direction"):
        gan.translate(images, "a2a")


def test_defaults_are_the_papers():
    gan = CycleGAN(**TINY)
    gan.compile(jit_compile=False)  # XLA compilation would dominate a tiny test
    assert (gan.cycle_weight, gan.identity_mapping_ratio, gan.pool_size) == (10.0, 0.5, 50)
    assert gan.identity_weight == 0.0
    for optimizer in (gan.g_optimizer, gan.d_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
        assert optimizer.beta_1 == 0.5


def test_xla_is_the_default_on_one_device_only():
    gan = CycleGAN(**TINY)
    gan.compile()
    assert gan.jit_compile is True
    assert gan.get_compile_config()["jit_compile"] == "auto"
    # An embedder without XLA support turns it off, and setting one later re-resolves.
    no_xla = keras.layers.Lambda(lambda x: x[:, :2, :2, 0])
    no_xla.supports_jit = False
    gan.set_identity_embedder(no_xla)
    assert gan.jit_compile is True  # identity_weight is 0: the embedder is never called
    weighted = CycleGAN(**TINY, identity_weight=1.0)
    weighted.compile()
    assert weighted.jit_compile is True
    weighted.set_identity_embedder(no_xla)
    assert weighted.jit_compile is False
    weighted.set_identity_embedder(_embedder())  # a Keras model: supports XLA
    assert weighted.jit_compile is True
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        mirrored = CycleGAN(**TINY)
        mirrored.compile()
    assert mirrored.jit_compile is False
    explicit = CycleGAN(**TINY)
    explicit.compile(jit_compile=False)
    assert explicit.jit_compile is False
    with pytest.raises(ValueError, match="jit_compile"):
        explicit.compile(jit_compile="yes")


def test_sample_batch_takes_a_training_batch_or_images():
    gan = CycleGAN(**TINY)
    gan.set_sample_batch((_images(3, seed=1), _images(3, seed=2)))  # (images_a, images_b)
    np.testing.assert_array_equal(gan.sample_inputs(2), _images(3, seed=1)[:2])
    gan.set_sample_images(_images(2, seed=3))  # the older name
    np.testing.assert_array_equal(gan.sample_inputs(8), _images(2, seed=3))
    with pytest.raises(ValueError, match="non-empty"):
        gan.set_sample_batch(_images(1)[0])
    assert gan.translate(_images(0)).shape == (0,)


def test_sample_inputs_and_grid():
    gan = CycleGAN(**TINY)
    with pytest.raises(ValueError, match="set_sample_images"):
        gan.sample_inputs(4)
    gan.set_sample_images(_images(3))
    inputs = gan.sample_inputs(8, seed=0)
    assert tuple(inputs.shape) == (3, 32, 32, 3)
    grid = gan.sample_grid(inputs)
    # 3 rows of input | translation | reconstruction, 2-pixel padding, under their labels.
    assert grid.dtype == np.uint8
    check_labelled(grid, rows=3, columns=3, tile=32)


# --- the identity-aware term ------------------------------------------------------------------
def _embedder():
    keras.utils.set_random_seed(5)
    return keras.Sequential(
        [
            keras.Input((None, None, 3)),
            keras.layers.Conv2D(4, 3, strides=2),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(8),
        ],
        name="embedder",
    )


def _generator_gradients(gan, real_a, real_b):
    with tf.GradientTape() as tape:
        loss, logged, _ = gan.generator_loss(real_a, real_b)
    variables = [v for net in gan.generators for v in net.trainable_variables]
    return logged, tape.gradient(loss, variables)


def test_face_identity_term_is_finite_positive_and_moves_the_generators():
    real_a, real_b = _images(seed=1), _images(seed=2)
    keras.utils.set_random_seed(0)
    with_term = CycleGAN(**TINY, identity_embedder=_embedder(), identity_weight=1.0)
    keras.utils.set_random_seed(0)
    without = CycleGAN(**TINY, identity_embedder=_embedder(), identity_weight=0.0)
    logged, gradients = _generator_gradients(with_term, real_a, real_b)
    logged_0, gradients_0 = _generator_gradients(without, real_a, real_b)
    term = float(logged["identity_loss"])
    assert np.isfinite(term) and term > 0
    assert float(logged_0["identity_loss"]) == 0.0
    # Same networks (same seed), so the losses differ by the term alone.
    np.testing.assert_allclose(
        float(logged["g_loss"]) - float(logged_0["g_loss"]), term, rtol=1e-4
    )
    differs = [not np.allclose(g.numpy(), g0.numpy()) for g, g0 in zip(gradients, gradients_0)]
    assert any(differs)


@pytest.mark.slow
def test_train_step_with_the_real_facenet():
    """The identity term through the pretrained FaceNet: finite, and it trains with `fit`."""
    from keras_portrait.face import load_facenet

    try:
        facenet = load_facenet()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    gan = CycleGAN(**TINY, identity_embedder=facenet, identity_weight=5.0, seed=0)
    gan.compile()
    generator = [w.numpy().copy() for w in gan.generator_a2b.trainable_weights]
    logs = gan.fit(
        tf.data.Dataset.from_tensors((_images(2, seed=5), _images(2, seed=6))), verbose=0
    ).history
    term = logs["identity_loss"][0]
    # 5 × two batch means of squared distances of unit vectors: in (0, 5 × 2 × 4].
    assert np.isfinite(term) and 0 < term <= 40
    assert any(not np.array_equal(w.numpy(), b)
               for w, b in zip(gan.generator_a2b.trainable_weights, generator))
    plain = CycleGAN(**TINY)
    plain(_images(2))  # builds the pools, as the first step did
    assert facenet.weights == [] and len(gan.weights) == len(plain.weights)


def test_embedder_is_not_saved_and_must_be_set_again(tmp_path):
    embedder = _embedder()
    gan = CycleGAN(**TINY, identity_embedder=embedder, identity_weight=0.5)
    plain = CycleGAN(**TINY)
    images = _images(2)
    gan(images), plain(images)
    assert len(gan.weights) == len(plain.weights)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    reloaded = keras.saving.load_model(path)
    assert reloaded.identity_weight == 0.5
    with pytest.raises(ValueError, match="identity embedder"):
        reloaded.generator_loss(images, images)
    reloaded.set_identity_embedder(embedder)
    _, logged, _ = reloaded.generator_loss(images, images)
    assert float(logged["identity_loss"]) > 0


def test_argument_errors():
    with pytest.raises(ValueError, match="cycle_weight"):
        CycleGAN(**TINY, cycle_weight=-1.0)
    with pytest.raises(ValueError, match="identity_embedder"):
        CycleGAN(**TINY, identity_embedder="facenet")
    with pytest.raises(ValueError, match="pool_size"):
        CycleGAN(**TINY, pool_size=-1)
    with pytest.raises(ValueError, match="images_a, images_b"):
        CycleGAN(**TINY).generator_step(_images())


# --- ImagePool ----------------------------------------------------------------------------------
def _labelled(n, start=0):
    """Images whose every pixel holds their label, so that a returned image names itself."""
    labels = np.arange(start, start + n, dtype="float32")
    return np.broadcast_to(labels[:, None, None, None], (n, 2, 2, 1)).copy()


def _labels(images):
    return np.asarray(images)[:, 0, 0, 0].astype(int).tolist()


def test_pool_stores_the_first_images_and_returns_them_unchanged():
    pool = ImagePool(pool_size=50)
    draws = np.full((30, 2), 0.99, "float32")  # would swap, were the pool full
    first = pool.query(tf.constant(_labelled(30)), draws)
    second = pool.query(tf.constant(_labelled(30, start=30)), draws)
    assert _labels(first) == list(range(30))
    # 20 more fill the pool and come back as is ...
    assert _labels(second)[:20] == list(range(30, 50))
    # ... and the next 10 swap (draws > 0.5): each returns an older image, maybe of its batch.
    assert all(label < own for label, own in zip(_labels(second)[20:], range(50, 60)))
    assert int(pool.count.numpy()) == 50


def test_pool_swaps_half_of_the_images_once_full():
    pool = ImagePool(pool_size=50)
    pool.query(tf.constant(_labelled(50)), np.zeros((50, 2), "float32"))
    draws = np.random.default_rng(0).uniform(size=(2000, 2)).astype("float32")
    returned = []
    for start in range(0, 2000, 10):
        batch = _labelled(10, start=1000 + start)
        returned += _labels(pool.query(tf.constant(batch), draws[start : start + 10]))
    swapped = np.mean(np.array(returned) != np.arange(1000, 3000))
    assert 0.45 < swapped < 0.55
    stored = set(_labels(pool.images.numpy()))
    assert len(stored) == 50 and stored != set(range(50))


def test_pool_is_deterministic_given_the_draws_and_follows_the_reference_loop():
    rng = np.random.default_rng(3)
    stored = _labelled(4, start=100)
    images = _labelled(6)
    draws = rng.uniform(size=(6, 2)).astype("float32")
    draws[2:, 1] = 0.3  # four images in a row pick slot 1: swaps chain within the batch
    draws[2:, 0] = [0.9, 0.2, 0.7, 0.8]
    returned, new_stored, count = pool_update(tf.constant(stored), tf.constant(2),
                                              tf.constant(images), tf.constant(draws), 4)
    # The reference, image by image.
    ref_pool, ref_count, ref_returned = _labels(stored), 2, []
    for i, label in enumerate(_labels(images)):
        if ref_count < 4:
            ref_pool[ref_count] = label
            ref_count += 1
            ref_returned.append(label)
        elif draws[i, 0] > 0.5:
            slot = int(draws[i, 1] * 4)
            ref_returned.append(ref_pool[slot])
            ref_pool[slot] = label
        else:
            ref_returned.append(label)
    assert _labels(returned) == ref_returned == [0, 1, 101, 3, 2, 4]
    assert _labels(new_stored) == ref_pool and int(count) == 4
    again = pool_update(tf.constant(stored), tf.constant(2), tf.constant(images),
                        tf.constant(draws), 4)
    np.testing.assert_array_equal(again[0].numpy(), returned.numpy())


def test_pool_of_size_zero_passes_images_through():
    pool = ImagePool(pool_size=0)
    images = tf.constant(_labelled(3))
    assert _labels(pool.query(images, np.ones((3, 2), "float32"))) == [0, 1, 2]
    assert not pool.weights


def test_pool_draws_come_from_the_model_seed():
    def pooled(seed):
        gan = CycleGAN(**TINY, pool_size=2, seed=seed)
        gan.pool_b.query(tf.constant(_images(2)), gan.uniform(2, (2,)))
        out = gan.pool_b.query(tf.constant(_images(8, seed=9)), gan.uniform(8, (2,)))
        return out.numpy()

    np.testing.assert_array_equal(pooled(4), pooled(4))
    assert not np.array_equal(pooled(4), pooled(5))


@pytest.mark.slow
@pytest.mark.background_run("cyclegan")
def test_mirrored_strategy_trains_like_one_device(background_run):
    """3 steps on MirroredStrategy over 2 CPUs match 3 on one device, the image pools
    included (strategy_equivalence.py, run in the background by tests/background.py)."""
    assert background_run["pool_count"] == 6  # the pools filled, then swapped across replicas
    assert background_run["max_abs_diff"] <= 1e-5


def test_fit_traces_the_train_step_once(trained):
    """The pools are built from the data before the first step, so the step is traced once
    (the module's model: 2 steps of one `fit`, pools of 3 filled by the first batch of 4)."""
    gan, _, traces = trained
    assert traces == 1 and gan.pool_a.built


def test_diff_augment_trains_both_players_and_is_saved():
    gan = CycleGAN(**TINY, pool_size=2, augment="color, translation,cutout", seed=3)
    gan.compile(jit_compile=False)
    logs = check_train_step(gan, (_images(seed=1), _images(seed=2)))
    assert all(np.isfinite(value) for value in logs.values())
    assert gan.get_config()["augment"] == "color,translation,cutout"
    # The discriminators see augmented images: the same real batch scores differently.
    images = _images(seed=4)
    np.testing.assert_raises(AssertionError, np.testing.assert_allclose,
                             gan.augmented(images), images)
    plain = CycleGAN(**TINY)
    np.testing.assert_array_equal(plain.augmented(images), images)
    with pytest.raises(ValueError, match="policy"):
        CycleGAN(**TINY, augment="zoom")


def test_validation_losses_move_no_network_or_pool(trained, check_validation):
    gan, _, _ = trained
    history = check_validation(gan, (_images(seed=5), _images(seed=6)),
                               (_images(seed=7), _images(seed=8)))
    assert "val_identity_loss" not in history  # the term is off: not logged


def test_blur_upsampling_is_in_both_generators_and_saved():
    plain = CycleGAN(**TINY, seed=0)
    gan = CycleGAN(**TINY, upsampling="blur", seed=0)
    for generator in gan.generators:
        assert [layer.name for layer in generator.layers if "blur" in layer.name] == [
            "up0_blur", "up1_blur"]
    assert plain.get_config()["upsampling"] == "transpose"
    # No extra weights: a "transpose" model's networks load into it as they are.
    for name in ("generator_a2b", "generator_b2a"):
        getattr(gan, name).set_weights(getattr(plain, name).get_weights())
    reloaded = check_model_save(gan, _images(2))
    assert reloaded.get_config()["upsampling"] == "blur"
    np.testing.assert_array_equal(reloaded.translate(_images(2)), gan.translate(_images(2)))


def test_face_discriminators_judge_the_face_box_and_train():
    box = (0.25, 0.25, 0.75, 0.75)
    gan = CycleGAN(**TINY, pool_size=2, face_box=box, face_weight=2.0, seed=4)
    assert [net.name for net in gan.discriminators] == [
        "discriminator_a", "discriminator_b", "discriminator_face_a", "discriminator_face_b"]
    images = _images(2, size=64, seed=5)
    np.testing.assert_array_equal(gan.face_crop(images), images[:, 16:48, 16:48])
    dynamic = tf.function(gan.face_crop, input_signature=[
        tf.TensorSpec((None, None, None, 3), tf.float32)])
    np.testing.assert_array_equal(dynamic(images), images[:, 16:48, 16:48])
    with pytest.raises(ValueError, match="24"):
        gan.face_crop(_images(1, size=32))
    # The term's expected value: face_weight x the least-squares generator loss of each
    # face discriminator on the face box of the fakes (no augmentation here).
    real_a, real_b = _images(2, size=64, seed=6), _images(2, size=64, seed=7)
    _, logged, (fake_a, fake_b) = gan.generator_loss(real_a, real_b)
    expected = 2.0 * sum(
        float(np.mean((net(gan.face_crop(fake), training=True).numpy() - 1.0) ** 2))
        for net, fake in ((gan.discriminator_face_b, fake_b), (gan.discriminator_face_a, fake_a)))
    assert float(logged["face_adversarial_loss"]) == pytest.approx(expected, rel=1e-5)
    # Both players' weights move, the face discriminators' too; the term is logged.
    gan.compile(jit_compile=False)
    networks = gan.generators + gan.discriminators
    before = [[w.numpy().copy() for w in net.trainable_weights] for net in networks]
    logs = check_train_step(gan, (_images(size=64, seed=8), _images(size=64, seed=9)))
    assert np.isfinite(logs["face_adversarial_loss"]) and logs["face_adversarial_loss"] > 0
    for net, weights in zip(networks, before):
        assert any(not np.array_equal(w.numpy(), b)
                   for w, b in zip(net.trainable_weights, weights)), f"{net.name} did not change"
    reloaded = check_model_save(gan, _images(2, size=64))
    assert reloaded.get_config()["face_box"] == list(box)
    assert reloaded.discriminator_face_b is not None
    assert CycleGAN(**TINY).discriminator_face_a is None
    with pytest.raises(ValueError, match="face_box"):
        CycleGAN(**TINY, face_box=(0.5, 0.2, 0.4, 0.8))
    with pytest.raises(ValueError, match="face_weight"):
        CycleGAN(**TINY, face_box=box, face_weight=-1.0)
