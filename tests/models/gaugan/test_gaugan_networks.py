import numpy as np
import pytest
from harness import check_model_save

from keras_portrait.models.gaugan.gaugan_networks import metadata_critic
from keras_portrait.models.gaugan.gaugan_networks import spade_generator
from keras_portrait.models.gaugan.gaugan_networks import style_encoder
from keras_portrait.networks.multiscale_discriminator import multiscale_discriminator


def test_discriminator_reference_shapes_and_count():
    # The reference multi-scale discriminator for 35 label classes + the instance edge map
    # (36 mask channels): 5.6 M parameters; at 256² its first scale ends in a 35×35 patch map.
    discriminator = multiscale_discriminator(num_classes=36)
    assert discriminator.count_params() == 5_603_202
    outputs = discriminator([np.zeros((1, 256, 256, 3), "float32"),
                             np.zeros((1, 256, 256, 36), "float32")])
    shapes = [tuple(o.shape) for o in outputs]
    assert shapes[:5] == [(1, 129, 129, 64), (1, 65, 65, 128), (1, 33, 33, 256),
                          (1, 34, 34, 512), (1, 35, 35, 1)]
    assert shapes[9] == (1, 19, 19, 1) and len(shapes) == 10


def test_generator_shapes_metadata_and_save():
    generator = spade_generator(num_classes=7, metadata_dim=3, image_size=64, code_dim=8,
                                filters=2, hidden=8)
    rng = np.random.default_rng(0)
    mask = np.eye(7, dtype="float32")[rng.integers(0, 7, (2, 64, 64))]
    code = rng.normal(size=(2, 8)).astype("float32")
    metadata = np.array([[0.2, 1.0, 0.0], [0.2, 1.0, 1.0]], "float32")
    image = np.asarray(generator([mask, code, metadata]))
    assert image.shape == (2, 64, 64, 3) and np.abs(image).max() <= 1.0
    other = np.asarray(generator([mask, code, metadata[::-1]]))
    assert np.abs(image - other).max() > 1e-3, "the metadata does not reach the image"
    check_model_save(generator, [mask, code, metadata])
    assert [i.name for i in generator.inputs] == ["mask", "code", "metadata"]
    with pytest.warns(UserWarning, match="1×1"):
        without = spade_generator(metadata_dim=0, image_size=32, code_dim=8, filters=2, hidden=8)
    assert len(without.inputs) == 2


def _condition_channels(generator):
    return {layer.name: layer.input[1].shape[-1] for layer in generator.layers
            if layer.name.startswith(("head_", "middle_", "up_")) and isinstance(layer.input, list)}


def test_metadata_in_every_spade_condition():
    # The SPADE blocks see the mask one-hot and, as constant channels, the metadata (7 + 3);
    # without `metadata_in_spade` the mask only, the metadata entering through the first map.
    kwargs = {"num_classes": 7, "metadata_dim": 3, "image_size": 64, "code_dim": 8,
              "filters": 2, "hidden": 8}
    conditioned = _condition_channels(spade_generator(**kwargs))
    assert len(conditioned) == 7 and set(conditioned.values()) == {10}
    plain = _condition_channels(spade_generator(**kwargs, metadata_in_spade=False))
    assert set(plain.values()) == {7}
    assert spade_generator(**kwargs).count_params() > spade_generator(
        **kwargs, metadata_in_spade=False).count_params()


def test_metadata_critic_depth_and_logits():
    critic = metadata_critic(image_size=32, metadata_dim=3, filters=4)
    assert sum(layer.name.endswith("_conv") for layer in critic.layers) == 3  # 32 → 4
    logits = critic(np.zeros((2, 32, 32, 3), "float32"))
    assert tuple(logits.shape) == (2, 3)
    check_model_save(critic, np.zeros((1, 32, 32, 3), "float32"))
    with pytest.raises(ValueError, match="power of two"):
        metadata_critic(image_size=96)
    with pytest.raises(ValueError, match="metadata_dim"):
        metadata_critic(metadata_dim=0)


def test_encoder_depth_and_outputs():
    encoder = style_encoder(image_size=32, code_dim=16, filters=4)
    assert sum("conv" in layer.name for layer in encoder.layers) == 3  # 32 → 4: 3 stride-2 convs
    mu, logvar = encoder(np.zeros((2, 32, 32, 3), "float32"))
    assert tuple(mu.shape) == tuple(logvar.shape) == (2, 16)
    assert sum("conv" in layer.name for layer in style_encoder(256).layers) == 6  # the reference
    with pytest.raises(ValueError, match="power of two"):
        style_encoder(image_size=96)


def test_size_errors():
    with pytest.raises(ValueError, match="multiple of 32"):
        spade_generator(image_size=48)
