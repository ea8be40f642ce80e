import numpy as np
import pytest
from harness import check_model_save

from keras_portrait.networks.resnet_generator import resnet_generator


def _trainable(network):
    return sum(int(np.prod(w.shape)) for w in network.trainable_weights)


def test_reference_config_matches_the_reference_parameter_count():
    # The reference ResnetGenerator (ngf=64, 9 blocks, InstanceNorm2d without affine, conv
    # biases): c7s1-64 9,472 + d128 73,856 + d256 295,168 + 9 × R256 1,180,160
    # + u128 295,040 + u64 73,792 + c7s1-3 9,411.
    generator = resnet_generator()
    expected = 9_472 + 73_856 + 295_168 + 9 * 1_180_160 + 295_040 + 73_792 + 9_411
    assert _trainable(generator) == expected == 11_378_179
    assert generator.count_params() == 11_378_179  # no non-trainable state
    assert generator.compute_output_shape((1, 256, 256, 3)) == (1, 256, 256, 3)


def test_tiny_generator_is_fully_convolutional_and_in_range():
    generator = resnet_generator(filters=8, num_blocks=2)
    assert generator.input_shape == (None, None, None, 3)
    for size in (32, 48):
        images = np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype("float32")
        out = generator(images).numpy()
        assert out.shape == (2, size, size, 3)
        assert np.all(np.abs(out) <= 1.0)
    check_model_save(generator, images)


def test_upsampling_keeps_the_reference_alignment():
    # PyTorch's ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1) drops the first
    # row and column of the full 2H+1 output: a single non-zero input pixel (i, j) with a kernel
    # whose only non-zero tap is the centre lands on output pixel (2i, 2j), not (2i+1, 2j+1).
    generator = resnet_generator(filters=1, num_blocks=0, norm="none")
    up = generator.get_layer("up0_conv")
    kernel = np.zeros(up.kernel.shape, "float32")
    kernel[1, 1] = 1.0
    up.kernel.assign(kernel)
    up.bias.assign(np.zeros(up.bias.shape, "float32"))
    crop = generator.get_layer("up0_crop")
    x = np.zeros((1, 4, 4, 4), "float32")
    x[0, 1, 2] = 1.0
    y = crop(up(x)).numpy()[0, ..., 0]
    assert y.shape == (8, 8)
    assert np.argwhere(y != 0).tolist() == [[2, 4]]


def test_blur_upsampling_adds_no_weights_and_loads_a_transpose_checkpoint():
    images = np.random.default_rng(1).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    plain = resnet_generator(filters=4, num_blocks=1)
    blurred = resnet_generator(filters=4, num_blocks=1, upsampling="blur")
    assert _trainable(blurred) == _trainable(plain)
    blurred.set_weights(plain.get_weights())
    assert np.any(blurred(images).numpy() != plain(images).numpy())
    # The generator's last hidden map has no checkerboard left from the first upsampling:
    # blurred, a map made of one alternating pattern is zero everywhere.
    up = blurred.get_layer("up0_blur")
    pattern = np.indices((8, 8)).sum(0) % 2 * 2.0 - 1.0
    assert np.abs(up(np.tile(pattern[None, :, :, None], (1, 1, 1, 8)).astype("float32"))
                  .numpy()).max() < 1e-6
    check_model_save(blurred, images)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"filters": 0}, "filters"),
        ({"num_blocks": -1}, "num_blocks"),
        ({"norm": "group"}, "norm"),
        ({"norm": "none", "affine": True}, "affine"),
        ({"upsampling": "bilinear"}, "upsampling"),
    ],
)
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        resnet_generator(**kwargs)
