import math

import keras
import numpy as np
import pytest

from keras_portrait import losses

LN2, LN3 = math.log(2.0), math.log(3.0)


def _value(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_class_cross_entropy_by_hand():
    # Example 0: logits [0, 0, 0], class 1 -> -log(1/3) = ln 3.
    # Example 1: logits [ln 3, 0, 0] (softmax [3/5, 1/5, 1/5]), class 0 -> ln(5/3).
    logits = np.array([[0.0, 0.0, 0.0], [LN3, 0.0, 0.0]], "float32")
    ids = np.array([1, 0], "int32")
    per_example = _value(losses.class_cross_entropy(logits, ids, reduction="none"))
    np.testing.assert_allclose(per_example, [LN3, math.log(5 / 3)], rtol=1e-6)
    np.testing.assert_allclose(
        _value(losses.class_cross_entropy(logits, ids)), (LN3 + math.log(5 / 3)) / 2, rtol=1e-6
    )


def test_class_cross_entropy_is_stable_for_large_logits():
    logits = np.array([[1000.0, 0.0]], "float32")
    np.testing.assert_allclose(_value(losses.class_cross_entropy(logits, [1])), 1000.0, rtol=1e-6)


def test_attribute_cross_entropy_by_hand():
    # Example 0: logits [0, 0], targets [1, 0] -> ln 2 + ln 2 = 2 ln 2 (summed over attributes).
    # Example 1: logits [ln 3, -ln 3], targets [1, 1] -> -log(3/4) - log(1/4) = ln(16/3).
    logits = np.array([[0.0, 0.0], [LN3, -LN3]], "float32")
    targets = np.array([[1.0, 0.0], [1.0, 1.0]], "float32")
    per_example = _value(losses.attribute_cross_entropy(logits, targets, reduction="none"))
    np.testing.assert_allclose(per_example, [2 * LN2, math.log(16 / 3)], rtol=1e-6)
    np.testing.assert_allclose(
        _value(losses.attribute_cross_entropy(logits, targets)),
        (2 * LN2 + math.log(16 / 3)) / 2, rtol=1e-6,
    )


def test_attribute_cross_entropy_is_stable_for_large_logits():
    logits = np.array([[-1000.0, 1000.0]], "float32")
    value = _value(losses.attribute_cross_entropy(logits, [[1.0, 0.0]]))
    np.testing.assert_allclose(value, 2000.0, rtol=1e-6)


def test_unknown_reduction_raises():
    with pytest.raises(ValueError, match="reduction"):
        losses.class_cross_entropy(np.zeros((1, 2), "float32"), [0], reduction="sum")
