import math

import keras
import numpy as np
import pytest

from keras_portrait import losses


def _value(tensor):
    return keras.ops.convert_to_numpy(tensor)


LN2, LN3 = math.log(2.0), math.log(3.0)


def test_nonsaturating_generator():
    # softplus(-0) = ln 2; softplus(-ln 3) = ln(1 + 1/3) = ln(4/3); mean = ln(8/3) / 2.
    fake = np.array([[0.0], [LN3]], "float32")
    per_example = _value(losses.nonsaturating_generator_loss(fake, reduction="none"))
    np.testing.assert_allclose(per_example, [LN2, math.log(4 / 3)], rtol=1e-6)
    np.testing.assert_allclose(
        _value(losses.nonsaturating_generator_loss(fake)), math.log(8 / 3) / 2, rtol=1e-6
    )


def test_nonsaturating_discriminator():
    # real [0, ln 3]: softplus(-0) = ln 2, softplus(-ln 3) = ln(4/3)
    # fake [0, -ln 3]: softplus(0) = ln 2, softplus(-ln 3) = ln(4/3)
    # per example [2 ln 2, 2 ln(4/3)]; mean = ln 2 + ln(4/3) = ln(8/3).
    real = np.array([0.0, LN3], "float32")
    fake = np.array([0.0, -LN3], "float32")
    per_example = _value(losses.nonsaturating_discriminator_loss(real, fake, reduction="none"))
    np.testing.assert_allclose(per_example, [2 * LN2, 2 * math.log(4 / 3)], rtol=1e-6)
    np.testing.assert_allclose(
        _value(losses.nonsaturating_discriminator_loss(real, fake)), math.log(8 / 3), rtol=1e-6
    )


def test_lsgan_generator():
    # (0.5 - 1)^2 = 0.25, (3 - 1)^2 = 4; mean 2.125.
    fake = np.array([[0.5], [3.0]], "float32")
    np.testing.assert_allclose(_value(losses.lsgan_generator_loss(fake)), 2.125, rtol=1e-6)


def test_lsgan_discriminator():
    # real [1, -1]: (1 - 1)^2 = 0, (-1 - 1)^2 = 4; fake [0.5, 3]: 0.25, 9.
    # per example [0.25, 13]; mean 6.625.
    real = np.array([[1.0], [-1.0]], "float32")
    fake = np.array([[0.5], [3.0]], "float32")
    per_example = _value(losses.lsgan_discriminator_loss(real, fake, reduction="none"))
    np.testing.assert_allclose(per_example, [0.25, 13.0], rtol=1e-6)
    mean = _value(losses.lsgan_discriminator_loss(real, fake))
    np.testing.assert_allclose(mean, 6.625, rtol=1e-6)


def test_patch_logits_are_averaged_per_example():
    # PatchGAN map 2x2: example 0 = [0, 1, 2, 3] -> (x - 1)^2 = 1, 0, 1, 4 -> mean 1.5;
    # example 1 = all ones -> 0. Batch mean 0.75.
    fake = np.stack([np.arange(4.0).reshape(2, 2, 1), np.ones((2, 2, 1))]).astype("float32")
    per_example = _value(losses.lsgan_generator_loss(fake, reduction="none"))
    assert per_example.shape == (2,)
    np.testing.assert_allclose(per_example, [1.5, 0.0], rtol=1e-6)
    np.testing.assert_allclose(_value(losses.lsgan_generator_loss(fake)), 0.75, rtol=1e-6)


REAL = np.array([2.0, 0.5], "float32")
FAKE = np.array([-3.0, 0.25], "float32")


def test_hinge_discriminator():
    # real: relu(1 - 2) = 0, relu(1 - 0.5) = 0.5; fake: relu(1 - 3) = 0, relu(1 + 0.25) = 1.25.
    # per example [0, 1.75]; mean 0.875.
    per_example = _value(losses.hinge_discriminator_loss(REAL, FAKE, reduction="none"))
    np.testing.assert_allclose(per_example, [0.0, 1.75], rtol=1e-6)
    mean = _value(losses.hinge_discriminator_loss(REAL, FAKE))
    np.testing.assert_allclose(mean, 0.875, rtol=1e-6)


def test_hinge_generator():
    # -mean(fake) = -(-3 + 0.25) / 2 = 1.375.
    np.testing.assert_allclose(_value(losses.hinge_generator_loss(FAKE)), 1.375, rtol=1e-6)


def test_wasserstein_discriminator():
    # fake - real = [-3 - 2, 0.25 - 0.5] = [-5, -0.25]; mean -2.625.
    per_example = _value(losses.wasserstein_discriminator_loss(REAL, FAKE, reduction="none"))
    np.testing.assert_allclose(per_example, [-5.0, -0.25], rtol=1e-6)
    np.testing.assert_allclose(
        _value(losses.wasserstein_discriminator_loss(REAL, FAKE)), -2.625, rtol=1e-6
    )


def test_wasserstein_generator():
    # -mean(fake) = 1.375; per example [3, -0.25].
    np.testing.assert_allclose(
        _value(losses.wasserstein_generator_loss(FAKE, reduction="none")), [3.0, -0.25], rtol=1e-6
    )
    np.testing.assert_allclose(_value(losses.wasserstein_generator_loss(FAKE)), 1.375, rtol=1e-6)


def test_float16_logits_give_a_float32_loss():
    loss = losses.nonsaturating_generator_loss(np.array([0.0, 0.0], "float16"))
    assert keras.backend.standardize_dtype(loss.dtype) == "float32"
    np.testing.assert_allclose(_value(loss), LN2, rtol=1e-6)


@pytest.mark.parametrize(
    "loss, args",
    [
        (losses.nonsaturating_generator_loss, (FAKE,)),
        (losses.lsgan_discriminator_loss, (REAL, FAKE)),
        (losses.hinge_discriminator_loss, (REAL, FAKE)),
        (losses.wasserstein_generator_loss, (FAKE,)),
    ],
)
def test_invalid_reduction(loss, args):
    with pytest.raises(ValueError, match=r"`reduction` must be one of \['mean', 'none'\]"):
        loss(*args, reduction="sum")
