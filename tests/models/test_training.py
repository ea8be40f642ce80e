import json
import os

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import check_model_save

from keras_portrait.models import DCGAN
from keras_portrait.models import WGANGP
from keras_portrait.models.callbacks import NonFiniteLossError
from keras_portrait.models.training import train

SIZE = 16
FAMILIES = {"dcgan": DCGAN, "wgan-gp": WGANGP}


def _gan(family="dcgan"):
    gan = FAMILIES[family](image_size=SIZE, latent_dim=8, filters=4, seed=1)
    gan.compile()
    return gan


def _batches(n=4, nan_at=None):
    """`n` batches of 2 images; the batch `nan_at` is all NaN."""
    images = np.random.default_rng(0).uniform(-1, 1, (n, 2, SIZE, SIZE, 3)).astype("float32")
    if nan_at is not None:
        images[nan_at] = np.nan
    return tf.data.Dataset.from_tensor_slices(images)


def _log(run):
    with open(os.path.join(run, "log.json")) as f:
        return json.load(f)["epochs"]


@pytest.mark.slow
def test_train_writes_grids_log_and_model_and_reruns_as_no_op(tmp_path):
    run = str(tmp_path / "run")
    history = train(_gan(), _batches(), run, epochs=2, num_samples=4, verbose=0)
    assert len(history.history["d_loss"]) == 2
    names = set(os.listdir(run))
    assert {"model.keras", "log.json", "samples_epoch_0001.png", "samples_epoch_0002.png"} <= names
    log = _log(run)
    assert [(e["epoch"], e["step"]) for e in log] == [(1, 4), (2, 8)]
    assert log[1]["g_loss"] == pytest.approx(history.history["g_loss"][1])

    # The same call again finds the run complete: no step is run, the log stays.
    again = train(_gan(), _batches(), run, epochs=2, num_samples=4, verbose=0)
    assert again.history == {}
    assert _log(run) == log
    # A larger `epochs` continues the run from where it ended.
    more = train(_gan(), _batches(), run, epochs=3, num_samples=4, verbose=0)
    assert len(more.history["d_loss"]) == 1
    assert [e["step"] for e in _log(run)] == [4, 8, 12]
    assert int(keras.saving.load_model(os.path.join(run, "model.keras")).g_optimizer.iterations) == 12


def test_non_finite_loss_stops_and_keeps_the_last_good_backup(tmp_path):
    # Steps are counted from 1: with 4 steps per epoch, the batch at index 6 of the stream is
    # step 7, the 3rd step of epoch 2; the backup (every step) must hold step 6.
    run = str(tmp_path / "run")
    with pytest.raises(NonFiniteLossError) as error:
        train(
            _gan(), _batches(12, nan_at=6), run, epochs=3, steps_per_epoch=4,
            checkpoint_every=1, num_samples=4, verbose=0,
        )
    message = str(error.value)
    assert "d_loss=nan" in message and "step 7 (epoch 2 of 3)" in message
    assert "last good state: step 6" in message
    with open(os.path.join(run, "backup", "state.json")) as f:
        state = json.load(f)
    assert state["global_step"] == 6
    restored = _gan()
    restored.load_weights(os.path.join(run, "backup", state["weights"]))
    assert all(np.all(np.isfinite(v.numpy())) for v in restored.variables)
    assert int(restored.g_optimizer.iterations) == 6
    assert [e["epoch"] for e in _log(run)] == [1]
    assert not os.path.exists(os.path.join(run, "model.keras"))


def test_train_checks_the_length_of_the_data(tmp_path):
    with pytest.raises(ValueError, match="repeats forever"):
        train(_gan(), _batches().repeat(), str(tmp_path), epochs=1)
    with pytest.raises(ValueError, match="unknown"):
        train(_gan(), _batches().filter(lambda x: True), str(tmp_path), epochs=1)


def test_resume_refuses_another_steps_per_epoch(tmp_path):
    run = str(tmp_path)
    train(_gan(), _batches(), run, epochs=1, num_samples=4, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch=4"):
        train(_gan(), _batches(), run, epochs=2, steps_per_epoch=3, verbose=0)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_keras_file_round_trips_with_optimizer_and_seed_state(family):
    gan = _gan(family)
    gan.fit(_batches(), epochs=1, verbose=0)
    reloaded = check_model_save(gan, gan.sample_inputs(4, seed=0), atol=1e-6, safe_mode=True)
    assert type(reloaded) is type(gan)
    for name in ("g_optimizer", "d_optimizer"):
        saved, loaded = getattr(gan, name), getattr(reloaded, name)
        assert int(loaded.iterations) == int(saved.iterations) > 0
        assert len(loaded.variables) == len(saved.variables)
        for a, b in zip(saved.variables, loaded.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(
        reloaded.seed_generator.state.numpy(), gan.seed_generator.state.numpy()
    )


def test_weights_without_the_seed_state_still_load(tmp_path):
    # Files written before BaseGAN saved its seed generator's state have no such entry.
    path = str(tmp_path / "old.weights.h5")
    gan = _gan()
    gan.save_weights(path)
    with h5py.File(path, "r+") as f:
        del f["vars/seed_generator_state"]
    fresh = _gan()
    fresh.seed_generator.state.assign([1, 99])
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.seed_generator.state.numpy(), [1, 99])
    for a, b in zip(gan.generator.variables, fresh.generator.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_translation_model_without_sample_inputs_grids_the_datas_first_examples(tmp_path):
    from keras_portrait.models import CycleGAN

    rng = np.random.default_rng(0)
    photos = rng.uniform(-1, 1, (6, 32, 32, 3)).astype("float32")
    paintings = rng.uniform(-1, 1, (6, 32, 32, 3)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((photos, paintings)).batch(2)
    gan = CycleGAN(filters=4, num_blocks=1, discriminator_filters=4, seed=0)
    train(gan, data, str(tmp_path), epochs=1, steps_per_epoch=1, num_samples=3, verbose=0)
    # Three examples, gathered over the first two batches: the photos' first three.
    np.testing.assert_array_equal(gan.sample_inputs(8), photos[:3])
    assert os.path.isfile(tmp_path / "samples_epoch_0001.png")
