import numpy as np
import pytest
from harness import check_model_save

from keras_portrait.networks.resnet_classifier import resnet_classifier


def test_default_parameter_count_and_output_shape():
    network = resnet_classifier(7, image_size=64)
    assert network.count_params() == 703_479
    logits = network(np.zeros((2, 64, 64, 3), "float32"))
    assert tuple(logits.shape) == (2, 7)
    assert np.asarray(logits).dtype == np.float32


def test_any_input_size_when_image_size_is_none():
    network = resnet_classifier(3, filters=8, blocks_per_stage=(1, 1), stem_pool=False)
    for size in (32, 48):
        assert tuple(network(np.zeros((1, size, size, 3), "float32")).shape) == (1, 3)


def test_saves_and_reloads():
    network = resnet_classifier(4, image_size=32, filters=8, blocks_per_stage=(1, 2))
    images = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 3)).astype("float32")
    check_model_save(network, images)


@pytest.mark.parametrize("kwargs, match", [
    ({"num_classes": 0}, "num_classes"),
    ({"num_classes": 2, "filters": 0}, "filters"),
    ({"num_classes": 2, "blocks_per_stage": ()}, "blocks_per_stage"),
    ({"num_classes": 2, "blocks_per_stage": (2, 0)}, "blocks_per_stage"),
    ({"num_classes": 2, "image_size": -1}, "image_size"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        resnet_classifier(**kwargs)
