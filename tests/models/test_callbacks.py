import os

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from sheets import check_labelled

from keras_portrait.models import DCGAN
from keras_portrait.models.callbacks import NonFiniteLossError
from keras_portrait.models.callbacks import NonFiniteLossGuard
from keras_portrait.models.callbacks import SampleGrid
from keras_portrait.models.callbacks import non_finite
from keras_portrait.models.dcgan.dcgan_networks import dcgan_generator

SIZE = 16


def _gan(learning_rate):
    # No batch norm in the generator: with a zero learning rate its outputs cannot move at all.
    gan = DCGAN(
        image_size=SIZE, latent_dim=8, filters=4, seed=1,
        generator=dcgan_generator(SIZE, 8, 4, norm="none"),
    )
    gan.compile(
        g_optimizer=keras.optimizers.Adam(learning_rate),
        d_optimizer=keras.optimizers.Adam(learning_rate),
    )
    return gan


def _images(n=8):
    images = np.random.default_rng(0).uniform(-1, 1, (n, SIZE, SIZE, 3)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(images).batch(4)


def _read(path):
    return cv2.imread(path)[..., ::-1]


def test_sample_grid_uses_the_same_inputs_every_epoch(tmp_path):
    frozen = SampleGrid(str(tmp_path / "frozen"), num_samples=16)
    _gan(0.0).fit(_images(), epochs=2, callbacks=[frozen], verbose=0)
    first, second = _read(frozen.path(1)), _read(frozen.path(2))
    # 16 images of 16×16 in a 4×4 grid with 2 px padding (4·16 + 5·2 = 74), under a title.
    title = check_labelled(first, rows=4, columns=4, tile=SIZE, labelled=())
    np.testing.assert_array_equal(first[title:], second[title:])
    assert not np.array_equal(first[:title], second[:title])  # "epoch 1", "epoch 2"

    trained = SampleGrid(str(tmp_path / "trained"), num_samples=16)
    _gan(1e-2).fit(_images(), epochs=2, callbacks=[trained], verbose=0)
    grids = [_read(trained.path(1))[title:], _read(trained.path(2))[title:]]
    assert not np.array_equal(grids[0], grids[1])
    assert not np.array_equal(first[title:], grids[0])


def test_sample_grid_every_n_epochs_and_at_train_end(tmp_path):
    log_dir = tmp_path / "tb"
    grid = SampleGrid(str(tmp_path), num_samples=4, every_n_epochs=2, log_dir=str(log_dir))
    _gan(1e-3).fit(_images(), epochs=3, callbacks=[grid], verbose=0)
    written = sorted(name for name in os.listdir(tmp_path) if name.endswith(".png"))
    assert written == ["samples_epoch_0002.png", "samples_epoch_0003.png"]
    images = [
        (event.step, value)
        for name in os.listdir(log_dir)
        for event in tf.compat.v1.train.summary_iterator(str(log_dir / name))
        for value in event.summary.value
        if value.tag == "samples"
    ]
    assert [step for step, _ in images] == [2, 3]
    width, height, png = tf.make_ndarray(images[0][1].tensor)
    written = tf.io.decode_png(png).numpy()
    title = check_labelled(written, rows=2, columns=2, tile=SIZE, labelled=())  # 2×2 of 16 px
    assert (int(width), int(height)) == (38, 38 + title) and written.shape == (38 + title, 38, 3)
    np.testing.assert_array_equal(written, _read(str(tmp_path / "samples_epoch_0002.png")))


def test_sample_grid_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="every_n_epochs"):
        SampleGrid(str(tmp_path), every_n_epochs=0)
    with pytest.raises(ValueError, match="num_samples"):
        SampleGrid(str(tmp_path), num_samples=0)
    with pytest.raises(ValueError, match="seed"):
        SampleGrid(str(tmp_path), seed=None)


def test_non_finite_names_the_bad_values():
    assert non_finite({"d_loss": 1.0, "g_loss": np.float32("nan"), "gp": np.inf}) == [
        "g_loss", "gp",
    ]
    assert non_finite({"d_loss": np.array([0.5])}) == []


def test_guard_raises_at_the_first_bad_step_counting_from_the_initial_step():
    guard = NonFiniteLossGuard(initial_step=10)
    guard.set_params({"epochs": 5})
    guard.on_epoch_begin(2)
    guard.on_train_batch_end(0, {"d_loss": 1.0})
    with pytest.raises(NonFiniteLossError, match=r"step 12 \(epoch 3 of 5\): g_loss=nan"):
        guard.on_train_batch_end(1, {"d_loss": 1.0, "g_loss": float("nan")})
