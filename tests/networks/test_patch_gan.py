import numpy as np
import pytest
from harness import check_model_save

from keras_portrait.networks.patch_gan import patch_gan_discriminator


def _trainable(network):
    return sum(int(np.prod(w.shape)) for w in network.trainable_weights)


def test_reference_config_matches_the_reference_parameter_count():
    # The reference NLayerDiscriminator (ndf=64, n_layers=3, InstanceNorm2d without affine,
    # so conv biases on): 4×4 convs 3→64, 64→128, 128→256, 256→512, 512→1, each with bias.
    discriminator = patch_gan_discriminator()
    expected = sum(16 * c_in * c_out + c_out for c_in, c_out in
                   ((3, 64), (64, 128), (128, 256), (256, 512), (512, 1)))
    assert _trainable(discriminator) == expected == 2_764_737
    # 256 → 128 → 64 → 32 (stride 2, padding 1) → 31 → 30 (stride 1, padding 1).
    assert discriminator.compute_output_shape((1, 256, 256, 3)) == (1, 30, 30, 1)


def test_first_layer_has_no_normalization():
    discriminator = patch_gan_discriminator(filters=8)
    names = [layer.name for layer in discriminator.layers]
    assert "layer0_norm" not in names
    assert {"layer1_norm", "layer2_norm", "layer3_norm"} <= set(names)


def test_tiny_discriminator_is_fully_convolutional():
    discriminator = patch_gan_discriminator(filters=8)
    assert discriminator.input_shape == (None, None, None, 3)
    rng = np.random.default_rng(0)
    # 32 → 16 → 8 → 4 → 3 → 2 ; 64 → 32 → 16 → 8 → 7 → 6.
    for size, patches in ((32, 2), (64, 6)):
        images = rng.uniform(-1, 1, (2, size, size, 3)).astype("float32")
        assert discriminator(images).shape == (2, patches, patches, 1)
    check_model_save(discriminator, images)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"filters": 0}, "filters"), ({"num_layers": 0}, "num_layers"), ({"norm": "x"}, "norm")],
)
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        patch_gan_discriminator(**kwargs)
