import math
import os

import cv2
import numpy as np
import pytest
import tensorflow as tf
from skimage.metrics import peak_signal_noise_ratio
from skimage.metrics import structural_similarity

from keras_portrait import metrics

FACES = "/work/shared/data/faces"
# Measured: at most ~5e-16 apart from scikit-image (summation order only).
SKIMAGE_ATOL = 1e-10


def _skimage_ssim(a, b, data_range):
    # float64 copies (here and for PSNR): scikit-image computes float32 inputs in float32, we
    # always use float64. Float [-1, 1] images are shifted to [0, 2], as `metrics.ssim` does.
    offset = 0.0 if a.dtype == np.uint8 else 1.0
    return [
        structural_similarity(
            x.astype(np.float64) + offset,
            y.astype(np.float64) + offset,
            data_range=data_range,
            channel_axis=-1,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
        )
        for x, y in zip(a, b)
    ]


def _skimage_psnr(a, b, data_range):
    return [
        peak_signal_noise_ratio(x.astype(np.float64), y.astype(np.float64), data_range=data_range)
        for x, y in zip(a, b)
    ]


def _random_pair():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (3, 24, 37, 3), dtype=np.uint8)
    b = np.clip(a + rng.normal(0, 25, a.shape), 0, 255).astype(np.uint8)
    return a, b


def _smooth_pair():
    # Grayscale sinusoids in [-1, 1]; the second is rescaled, shifted and slightly rotated.
    y, x = np.mgrid[0:40, 0:32].astype(np.float64)
    a = np.stack([np.sin(x / 5.0) * np.cos(y / 7.0), np.cos((x + 2 * y) / 9.0)])[..., None]
    b = np.stack([0.8 * np.sin(x / 5.0 + 0.3) * np.cos(y / 7.0) + 0.1, np.cos((x + y) / 9.0)])
    return a.astype(np.float32), b[..., None].astype(np.float32)


def _face_pair():
    if not os.path.isdir(FACES):
        pytest.skip(f"{FACES} is absent")
    names = sorted(name for name in os.listdir(FACES) if name.endswith(".jpg"))[:2]
    faces = [cv2.imread(os.path.join(FACES, name))[..., ::-1] for name in names]
    a = np.stack([cv2.resize(face, (48, 48), interpolation=cv2.INTER_AREA) for face in faces])
    noise = np.random.default_rng(1).normal(0, 8, a.shape)
    b = np.clip(np.stack([cv2.GaussianBlur(face, (5, 5), 1.0) for face in a]) + noise, 0, 255)
    return a, b.astype(np.uint8)


@pytest.mark.parametrize("pair", [_random_pair, _smooth_pair, _face_pair])
def test_ssim_and_psnr_match_skimage(pair):
    a, b = pair()
    data_range = 255 if a.dtype == np.uint8 else 2.0
    ssim = metrics.ssim(a, b)
    assert ssim.shape == (len(a),) and ssim.dtype == np.float64
    np.testing.assert_allclose(ssim, _skimage_ssim(a, b, data_range), rtol=0, atol=SKIMAGE_ATOL)
    np.testing.assert_allclose(metrics.psnr(a, b), _skimage_psnr(a, b, data_range), rtol=1e-12)


def test_ssim_matches_skimage_with_an_explicit_range():
    a, b = _random_pair()
    np.testing.assert_allclose(
        metrics.ssim(a, b, data_range=100), _skimage_ssim(a, b, 100), rtol=0, atol=SKIMAGE_ATOL
    )


def test_ssim_of_float_images_equals_ssim_of_their_uint8_version():
    # Scaling intensities from 0 and the range together leaves SSIM unchanged: [0, 2] vs [0, 255].
    a, b = _random_pair()
    np.testing.assert_allclose(
        metrics.ssim(a / 127.5 - 1.0, b / 127.5 - 1.0), metrics.ssim(a, b), rtol=0, atol=1e-12
    )


def test_ssim_of_constant_images():
    # No variance: SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1), C1 = (0.01 L)^2.
    # uint8, L = 255: C1 = 6.5025; 100 vs 110 -> 22006.5025 / 22106.5025; 50 vs 50 -> 1.
    a = np.stack([np.full((16, 16, 3), 100), np.full((16, 16, 3), 50)]).astype(np.uint8)
    b = np.stack([np.full((16, 16, 3), 110), np.full((16, 16, 3), 50)]).astype(np.uint8)
    np.testing.assert_allclose(metrics.ssim(a, b), [22006.5025 / 22106.5025, 1.0], rtol=1e-9)
    # float, L = 2: C1 = 0.0004; 0 vs 0.5, shifted to 1 vs 1.5 -> 3.0004 / 3.2504.
    a, b = np.zeros((1, 12, 12, 1), np.float32), np.full((1, 12, 12, 1), 0.5, np.float32)
    np.testing.assert_allclose(metrics.ssim(a, b), [3.0004 / 3.2504], rtol=1e-9)


def test_ssim_of_identical_images_is_one():
    a, _ = _random_pair()
    np.testing.assert_allclose(metrics.ssim(a, a), np.ones(len(a)), rtol=1e-12)


def test_psnr_of_a_constant_offset():
    # uint8, L = 255: offset 10 -> MSE 100 -> 10 log10(255^2 / 100) = 20 log10(25.5);
    # offset 1 -> MSE 1 -> 20 log10(255).
    a = np.full((2, 4, 5, 3), 100, np.uint8)
    b = np.stack([a[0] + 10, a[1] - 1])
    np.testing.assert_allclose(
        metrics.psnr(a, b), [20 * math.log10(25.5), 20 * math.log10(255)], rtol=1e-12
    )
    # float, L = 2: offset 0.1 -> MSE 0.01 -> 10 log10(4 / 0.01) = 10 log10(400); L = 1 -> 20.
    a, b = np.zeros((1, 4, 4, 3), np.float32), np.full((1, 4, 4, 3), 0.1)
    np.testing.assert_allclose(metrics.psnr(a, b), [10 * math.log10(400)], rtol=1e-6)
    np.testing.assert_allclose(metrics.psnr(a, b, data_range=1.0), [20.0], rtol=1e-6)


def test_psnr_mse_is_over_all_pixels_and_channels():
    # Half the values differ by 2: MSE = 4 / 2 = 2.
    a = np.zeros((1, 2, 2, 2), np.uint8)
    b = a.copy()
    b[0, 0] = 2
    np.testing.assert_allclose(metrics.psnr(a, b), [10 * math.log10(255**2 / 2)], rtol=1e-12)


def test_psnr_of_identical_images_is_inf():
    a, _ = _random_pair()
    assert np.all(np.isinf(metrics.psnr(a, a)))


def test_one_image_gives_a_scalar_and_tensors_are_accepted():
    a, b = _random_pair()
    for metric in (metrics.ssim, metrics.psnr):
        batch = metric(a, b)
        single = metric(a[1], b[1])
        assert np.shape(single) == () and isinstance(single, np.float64)
        np.testing.assert_allclose(single, batch[1], rtol=1e-12)
        np.testing.assert_allclose(metric(tf.constant(a), tf.constant(b)), batch, rtol=1e-12)


def test_empty_batch_gives_no_values():
    a = np.zeros((0, 16, 16, 3), np.uint8)
    assert metrics.ssim(a, a).shape == (0,) and metrics.psnr(a, a).shape == (0,)


@pytest.mark.parametrize("metric", [metrics.ssim, metrics.psnr])
@pytest.mark.parametrize(
    "a, b, data_range, match",
    [
        (np.zeros((1, 16, 16, 3), np.uint8), np.zeros((1, 16, 17, 3), np.uint8), None, "shape"),
        (np.zeros((16, 16), np.uint8), np.zeros((16, 16), np.uint8), None, "one .H, W, C."),
        (np.zeros((1, 16, 16, 3), np.uint8), np.zeros((1, 16, 16, 3)), None, "both be uint8"),
        (np.zeros((1, 16, 16, 3), np.int32), np.zeros((1, 16, 16, 3), np.int32), 255, "dtypes"),
        (np.zeros((1, 16, 16, 3)), np.zeros((1, 16, 16, 3)), 0.0, "data_range"),
    ],
)
def test_rejects_bad_inputs(metric, a, b, data_range, match):
    with pytest.raises(ValueError, match=match):
        metric(a, b, data_range=data_range)


def test_ssim_rejects_images_smaller_than_its_window():
    a = np.zeros((1, 10, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="at least 11x11"):
        metrics.ssim(a, a)
    assert metrics.psnr(a, a).shape == (1,)


def test_summary():
    # mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
    assert metrics.summary([1.0, 2.0, 3.0, 4.0]) == {
        "mean": 2.5,
        "std": math.sqrt(1.25),
        "min": 1.0,
        "max": 4.0,
        "n": 4,
    }
    # An inf PSNR (identical images) and a NaN are counted, not averaged.
    assert metrics.summary(np.array([np.inf, 30.0, np.nan, 20.0])) == {
        "n": 4, "mean": 25.0, "std": 5.0, "min": 20.0, "max": 30.0, "non_finite": 2,
    }
    assert metrics.summary([np.inf]) == {"n": 1, "non_finite": 1}


@pytest.mark.parametrize("values", [[], [[1.0, 2.0]]])
def test_summary_rejects_empty_or_nested_values(values):
    with pytest.raises(ValueError, match="values"):
        metrics.summary(values)
