import keras
import numpy as np
import pytest
from harness import check_model_save

from keras_portrait.layers.spade import SPADE, SPADEResBlock


def _inputs(channels=16, size=8, mask_size=32, classes=7, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, size, size, channels)).astype("float32")
    mask = np.eye(classes, dtype="float32")[rng.integers(0, classes, (2, mask_size, mask_size))]
    return x, mask


def test_spade_with_zero_modulation_is_instance_norm():
    x, mask = _inputs()
    layer = SPADE(hidden=8)
    layer([x, mask])
    for conv in (layer.gamma, layer.beta):
        conv.kernel.assign(np.zeros(conv.kernel.shape, "float32"))
        conv.bias.assign(np.zeros(conv.bias.shape, "float32"))
    out = np.asarray(layer([x, mask]))
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), atol=1e-5)


def test_spade_follows_the_mask_pixel_by_pixel():
    # gamma = 0 and beta = the shared features' first channel: with a mask that is one class on
    # the left half and another on the right, the output differs between the halves only
    # through the mask (x is constant per channel, so its normalized value is 0).
    x = np.ones((1, 8, 8, 4), "float32")
    mask = np.zeros((1, 8, 8, 2), "float32")
    mask[:, :, :4, 0] = 1.0
    mask[:, :, 4:, 1] = 1.0
    layer = SPADE(hidden=4, kernel_size=1)
    out = np.asarray(layer([x, mask]))
    assert np.allclose(out[:, :, :4], out[:, :1, :1])  # constant over the left half
    assert not np.allclose(out[:, :, :4].mean(), out[:, :, 4:].mean())


def test_spade_parameter_count_and_save():
    x, mask = _inputs()
    layer = SPADE(hidden=32)
    layer([x, mask])
    # shared 7·32·9 + 32, gamma and beta 32·16·9 + 16 each.
    assert layer.count_params() == (7 * 32 * 9 + 32) + 2 * (32 * 16 * 9 + 16)
    config = layer.get_config()
    assert SPADE.from_config(config).get_config() == config
    image, label = keras.Input((8, 8, 16)), keras.Input((32, 32, 7))
    check_model_save(keras.Model([image, label], SPADE(hidden=8)([image, label])), [x, mask])


@pytest.mark.parametrize("filters, learned", [(16, False), (8, True)])
def test_res_block_shortcut_and_save(filters, learned):
    x, mask = _inputs()
    block = SPADEResBlock(filters, hidden=8)
    out = np.asarray(block([x, mask], training=True))
    assert out.shape == (2, 8, 8, filters) and np.all(np.isfinite(out))
    assert block.learned_shortcut is learned
    assert hasattr(block, "conv_s") is learned
    assert isinstance(block.conv_0, keras.layers.SpectralNormalization)
    image, label = keras.Input((8, 8, 16)), keras.Input((32, 32, 7))
    model = keras.Model([image, label], SPADEResBlock(filters, hidden=8)([image, label]))
    check_model_save(model, [x, mask])


def test_res_block_without_spectral_norm_counts():
    x, mask = _inputs(channels=4, classes=3)
    block = SPADEResBlock(2, hidden=5, spectral_norm=False)
    block([x, mask])
    spade = lambda c: (3 * 5 * 9 + 5) + 2 * (5 * c * 9 + c)  # noqa: E731
    expected = spade(4) + (4 * 2 * 9 + 2) + spade(2) + (2 * 2 * 9 + 2) + spade(4) + 4 * 2
    assert block.count_params() == expected


def test_errors():
    with pytest.raises(ValueError, match="hidden"):
        SPADE(hidden=0)
    with pytest.raises(ValueError, match="filters"):
        SPADEResBlock(0)
