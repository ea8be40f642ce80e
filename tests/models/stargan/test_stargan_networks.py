import numpy as np
import pytest
from harness import check_model_save

from keras_portrait.models.stargan.stargan_networks import stargan_discriminator
from keras_portrait.models.stargan.stargan_networks import stargan_generator


def test_reference_parameter_counts_and_shapes():
    # The reference configuration (image 128, conv dims 64, 6 blocks / 6 layers, c_dim 5):
    # the counts of the official implementation's printed networks.
    generator = stargan_generator(5)
    discriminator = stargan_discriminator(5)
    assert generator.count_params() == 8_430_528
    assert discriminator.count_params() == 44_762_048
    image = np.zeros((1, 128, 128, 3), "float32")
    assert tuple(generator([image, np.zeros((1, 5), "float32")]).shape) == (1, 128, 128, 3)
    patch, labels = discriminator(image)
    assert tuple(patch.shape) == (1, 2, 2, 1) and tuple(labels.shape) == (1, 5)


def test_generator_follows_the_label_and_saves():
    generator = stargan_generator(3, filters=8, num_blocks=1)
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    one_hot = np.eye(3, dtype="float32")
    first = np.asarray(generator([image, one_hot[[0, 0]]]))
    second = np.asarray(generator([image, one_hot[[1, 1]]]))
    assert first.shape == (2, 32, 32, 3) and np.abs(first).max() <= 1.0
    assert np.abs(first - second).max() > 1e-4, "the label does not change the output"
    check_model_save(generator, [image, one_hot[[0, 2]]])


def test_residual_generator_starts_as_the_identity():
    paper = stargan_generator(3, filters=8, num_blocks=1)
    residual = stargan_generator(3, filters=8, num_blocks=1, residual=True)
    assert residual.count_params() == paper.count_params()
    image = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    labels = np.eye(3, dtype="float32")[[0, 2]]
    np.testing.assert_array_equal(np.asarray(residual([image, labels])), image)
    # Once the last layer moves, the label changes the output and the sum stays in [-1, 1].
    last = residual.get_layer("to_rgb_conv")
    last.kernel.assign(np.full(last.kernel.shape, 0.05, "float32"))
    first = np.asarray(residual([image, labels]))
    second = np.asarray(residual([image, labels[::-1]]))
    assert np.abs(first).max() <= 1.0 and np.abs(first - image).max() > 1e-3
    assert np.abs(first - second).max() > 1e-4
    check_model_save(residual, [image, labels])


def test_generator_is_fully_convolutional():
    generator = stargan_generator(2, filters=4, num_blocks=1)
    out = generator([np.zeros((1, 24, 40, 3), "float32"), np.zeros((1, 2), "float32")])
    assert tuple(out.shape) == (1, 24, 40, 3)


def test_discriminator_size_checks():
    with pytest.raises(ValueError, match="multiple"):
        stargan_discriminator(5, image_size=48, num_layers=5)
    patch, labels = stargan_discriminator(4, image_size=32, filters=8, num_layers=3)(
        np.zeros((2, 32, 32, 3), "float32")
    )
    assert tuple(patch.shape) == (2, 4, 4, 1) and tuple(labels.shape) == (2, 4)
