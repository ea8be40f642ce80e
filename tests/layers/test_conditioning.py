import numpy as np
from harness import check_model_save

import keras
from keras_portrait.layers import TileLabels


def test_labels_become_constant_channels():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 4, 5, 3)).astype("float32")
    labels = np.array([[1.0, 0.0], [0.25, 1.0]], "float32")
    out = np.asarray(TileLabels()([images, labels]))
    assert out.shape == (2, 4, 5, 5)
    np.testing.assert_array_equal(out[..., :3], images)
    for example in range(2):
        for channel in range(2):
            assert np.all(out[example, :, :, 3 + channel] == labels[example, channel])


def test_symbolic_shape_and_save():
    image = keras.Input((None, None, 3))
    label = keras.Input((4,))
    out = TileLabels()([image, label])
    assert tuple(out.shape) == (None, None, None, 7)
    model = keras.Model([image, label], keras.layers.Conv2D(2, 1)(out))
    check_model_save(model, [np.ones((1, 8, 8, 3), "float32"), np.eye(4, dtype="float32")[:1]])
    layer = TileLabels(name="tile")
    assert TileLabels.from_config(layer.get_config()).get_config() == layer.get_config()
