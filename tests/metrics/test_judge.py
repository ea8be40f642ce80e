import numpy as np
import pytest

from keras_portrait.metrics.judge import judge_probabilities, painting_rate


class BrightnessJudge:
    """Stand-in judge: P(painting) = (mean pixel + 1) / 2, from images in [-1, 1]."""

    class_names = ("photo", "painting")

    def __init__(self):
        self.batches = []

    def __call__(self, images):
        self.batches.append(len(images))
        assert images.dtype == np.float32 and images.min() >= -1 and images.max() <= 1
        painting = (images.mean(axis=(1, 2, 3)) + 1) / 2
        return np.stack([1 - painting, painting], axis=1)


def _flat(levels):
    """2×2 RGB images, each of one level in [-1, 1]."""
    return np.stack([np.full((2, 2, 3), v, np.float32) for v in levels])


def test_painting_rate_counts_the_images_judged_painting():
    judge = BrightnessJudge()
    # P(painting) = 0, 0.25, 0.5 (a tie: photo, the first class), 0.75, 1.
    images = _flat([-1.0, -0.5, 0.0, 0.5, 1.0])
    assert painting_rate(judge, images, batch_size=2) == pytest.approx(2 / 5)
    assert judge.batches == [2, 2, 1]
    assert painting_rate(judge, images, painting_class=1) == pytest.approx(2 / 5)
    assert painting_rate(judge, images, painting_class=0) == pytest.approx(3 / 5)  # 0, 0.25, tie
    assert painting_rate(judge, images, painting_class="photo") == pytest.approx(3 / 5)


def test_uint8_images_are_read_in_the_judge_range():
    uint8 = np.stack([np.full((2, 2, 3), v, np.uint8) for v in (0, 51, 204, 255)])
    probabilities = judge_probabilities(BrightnessJudge(), uint8)
    np.testing.assert_allclose(probabilities[:, 1], [0.0, 0.2, 0.8, 1.0], atol=1e-6)
    assert probabilities.dtype == np.float64
    assert painting_rate(BrightnessJudge(), uint8) == 0.5


def test_bad_arguments_are_refused():
    judge = BrightnessJudge()
    with pytest.raises(ValueError, match="class_names"):
        painting_rate(judge, _flat([0.5]), painting_class="drawing")
    with pytest.raises(ValueError, match="painting_class"):
        painting_rate(judge, _flat([0.5]), painting_class=2)
    with pytest.raises(ValueError, match="class_names"):
        painting_rate(lambda x: judge(x), _flat([0.5]))  # no names: give the index
    assert painting_rate(lambda x: judge(x), _flat([0.5]), painting_class=1) == 1.0
    with pytest.raises(ValueError, match="non-empty"):
        painting_rate(judge, np.zeros((0, 2, 2, 3), np.float32))
    with pytest.raises(ValueError, match="probabilities"):
        painting_rate(lambda x: np.ones(len(x)), _flat([0.5]), painting_class=0)
    with pytest.raises(ValueError, match="batch_size"):
        painting_rate(judge, _flat([0.5]), batch_size=0)
