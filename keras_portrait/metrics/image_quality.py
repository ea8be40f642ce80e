"""Full-reference image quality: SSIM and PSNR per image pair, and a summary of per-image values.

Both metrics take two equally shaped batches, NHWC, and return one float64 value per pair, shape
`(N,)` (a single HWC image gives a float64 scalar). Inputs are numpy arrays or tensors, either
`uint8` [0, 255] (`data_range` 255) or float in the package's [-1, 1] convention (`data_range`
2.0; other float ranges must be converted first, e.g. `2 * x - 1` for [0, 1]); `data_range` is
inferred from the dtype when not given. Values are computed in float64.

The SSIM filtering loop is compiled with numba (as in `imaging/raster.py`): TensorFlow's float64
depthwise convolution was ~5x slower on CPU, and float32 loses the cancellation in
`E[x^2] - E[x]^2` (errors ~1e-4 in SSIM). 256 pairs of 256x256 RGB images take ~3-4 s on one core.
"""

import numba
import numpy as np

# Wang et al. 2004, as in `skimage.metrics.structural_similarity(..., gaussian_weights=True,
# sigma=1.5, use_sample_covariance=False)`: scipy truncates the Gaussian at 3.5 sigma, so the
# window has radius int(3.5 * 1.5 + 0.5) = 5, i.e. 11 x 11.
SSIM_SIGMA = 1.5
SSIM_RADIUS = 5
SSIM_K1 = 0.01
SSIM_K2 = 0.03
# Values (n * H * W * C) converted to float64 at a time: ~64 MB per copy, whatever the batch.
_CHUNK_VALUES = 2**23


def ssim(images_a, images_b, data_range=None):
    """Structural similarity per image pair, mean over pixels and channels.

    `SSIM = (2 mu_a mu_b + C1)(2 cov_ab + C2) / ((mu_a^2 + mu_b^2 + C1)(var_a + var_b + C2))`
    with local statistics under an 11 x 11 Gaussian window (sigma 1.5, population covariance),
    `C1 = (0.01 L)^2`, `C2 = (0.03 L)^2`, `L = data_range`. Each channel is compared on its own
    and the channels are averaged. Only windows that lie inside the image are averaged, exactly
    like scikit-image (which crops 5 pixels at each border), so values match
    `skimage.metrics.structural_similarity(a, b, data_range=L, channel_axis=-1,
    gaussian_weights=True, sigma=1.5, use_sample_covariance=False)` to ~1e-15 (only the order of
    summation differs). Height and width must be at least 11.

    The luminance term is not invariant to an intensity offset, so float [-1, 1] images are
    shifted to [0, 2] first: a float image and its uint8 version then have the same SSIM (up to
    quantization), as in papers that report SSIM on [0, 255] or [0, 1]. scikit-image on the raw
    [-1, 1] values gives a different number (about 0.01 lower on faces); ours equals
    scikit-image's on `a + 1` with `data_range=2`.

    Args:
        images_a: uint8 or float array (N, H, W, C), or one (H, W, C) image.
        images_b: array of the same shape and dtype kind as `images_a`.
        data_range: float or None. Max minus min of the pixel range; None infers it from the
            dtype: 255 for uint8, 2.0 for float ([-1, 1]). Defaults to `None`.

    Returns:
        float64 array (N,) in [-1, 1], 1 for identical images; a float64 scalar for one image.

    Reference:
        Wang et al., "Image Quality Assessment: From Error Visibility to Structural Similarity",
        IEEE Transactions on Image Processing, 2004.
    """
    a, b, data_range, single = _checked_pair(images_a, images_b, data_range)
    offset = 0.0 if a.dtype == np.uint8 else 1.0
    height, width, channels = a.shape[1:]
    size = 2 * SSIM_RADIUS + 1
    if height < size or width < size:
        raise ValueError(
            f"`ssim` needs images of at least {size}x{size} pixels (its Gaussian window). "
            f"Received height, width: {height}, {width}"
        )
    window = _gaussian_window()
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2

    def chunk_ssim(a, b):
        # Rows of (W * C) values: the vertical pass treats every value alike, the horizontal
        # one steps by C, so each channel is filtered on its own without a transpose.
        rows_a = a.reshape(len(a), height, -1) + offset
        rows_b = b.reshape(len(b), height, -1) + offset
        return _ssim_of_rows(rows_a, rows_b, channels, window, c1, c2)

    values = _per_image(chunk_ssim, a, b)
    return values[0] if single else values


def psnr(images_a, images_b, data_range=None):
    """Peak signal-to-noise ratio per image pair, in dB: `10 log10(data_range^2 / MSE)`.

    The MSE is the mean over all pixels and channels of one pair. Identical images (MSE 0) give
    `inf`. Matches `skimage.metrics.peak_signal_noise_ratio(a, b, data_range=L)` per image.

    Args:
        images_a: uint8 or float array (N, H, W, C), or one (H, W, C) image.
        images_b: array of the same shape and dtype kind as `images_a`.
        data_range: float or None. Max minus min of the pixel range; None infers it from the
            dtype: 255 for uint8, 2.0 for float ([-1, 1]). Defaults to `None`.

    Returns:
        float64 array (N,); a float64 scalar for one image.
    """
    a, b, data_range, single = _checked_pair(images_a, images_b, data_range)
    mse = _per_image(lambda a, b: np.mean(np.square(a - b), axis=(1, 2, 3)), a, b)
    with np.errstate(divide="ignore"):
        values = 10.0 * np.log10(data_range**2 / mse)
    return values[0] if single else values


def summary(values):
    """Mean, population std, min and max of the finite per-image values, for JSON reports.

    Non-finite values (an `inf` PSNR of identical images, a NaN) are left out of the statistics
    and counted in `non_finite`, so the report stays valid JSON and the mean stays meaningful.

    Args:
        values: 1-D sequence or array of numbers (e.g. the output of `ssim`), not empty.

    Returns:
        dict: "n" (all values), "mean", "std", "min", "max" (floats, absent when no value is
        finite) and "non_finite" (only when some are).
    """
    values = np.asarray(values, np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"`values` must be a non-empty 1-D sequence. Received shape: {values.shape}"
        )
    finite = values[np.isfinite(values)]
    result = {"n": int(values.size)}
    if finite.size:
        result.update(
            mean=float(finite.mean()), std=float(finite.std()),
            min=float(finite.min()), max=float(finite.max()),
        )
    if finite.size < values.size:
        result["non_finite"] = int(values.size - finite.size)
    return result


def image_pair(images_a, images_b):
    """Checks two image batches: same shape, NHWC (or one HWC image), both uint8 or both float.

    Returns:
        `(a, b, single)`: numpy arrays (N, H, W, C) in their own dtype; `single` is True when one
        HWC image was given (returned as a batch of one).
    """
    a, b = _to_numpy(images_a), _to_numpy(images_b)
    if a.shape != b.shape:
        raise ValueError(
            "`images_a` and `images_b` must have the same shape. "
            f"Received: {a.shape} and {b.shape}"
        )
    if a.ndim not in (3, 4):
        raise ValueError(
            f"Images must be (N, H, W, C) batches or one (H, W, C) image. Received shape: {a.shape}"
        )
    kinds = {_dtype_kind(a.dtype), _dtype_kind(b.dtype)}
    if None in kinds or len(kinds) != 1:
        raise ValueError(
            "`images_a` and `images_b` must both be uint8 ([0, 255]) or both float ([-1, 1]). "
            f"Received dtypes: {a.dtype} and {b.dtype}"
        )
    single = a.ndim == 3
    return (a[None], b[None], True) if single else (a, b, False)


def _checked_pair(images_a, images_b, data_range):
    a, b, single = image_pair(images_a, images_b)
    if data_range is None:
        data_range = 255.0 if a.dtype == np.uint8 else 2.0
    elif not data_range > 0:
        raise ValueError(f"`data_range` must be > 0. Received: data_range={data_range}")
    return a, b, float(data_range), single


def _to_numpy(images):
    return np.asarray(images.numpy() if hasattr(images, "numpy") else images)


def _dtype_kind(dtype):
    if dtype == np.uint8:
        return "uint8"
    if np.issubdtype(dtype, np.floating):
        return "float"
    return None


def _per_image(function, a, b):
    """`function` of float64 copies of successive chunks of images, concatenated: (N,) values."""
    step = max(1, _CHUNK_VALUES // max(1, int(np.prod(a.shape[1:]))))
    values = [
        function(
            np.ascontiguousarray(a[i : i + step], np.float64),
            np.ascontiguousarray(b[i : i + step], np.float64),
        )
        for i in range(0, len(a), step)
    ]
    return np.concatenate(values) if values else np.zeros((0,), np.float64)


def _gaussian_window():
    # The float64 weights of scipy.ndimage.gaussian_filter, which scikit-image uses.
    offsets = np.arange(-SSIM_RADIUS, SSIM_RADIUS + 1, dtype=np.float64)
    weights = np.exp(-0.5 / SSIM_SIGMA**2 * offsets**2)
    return weights / weights.sum()


@numba.njit(cache=True)
def _ssim_of_rows(a, b, channels, window, c1, c2):
    """Mean SSIM map of each image, for float64 images given as rows: (n, H, W * C) -> (n,).

    scikit-image filters with reflect padding and then drops the (size - 1) // 2 border pixels,
    the only ones whose windows reach the padding: filtering without padding ("valid") gives
    exactly the values it keeps. The filter is separable: a vertical pass over `size` rows, then
    a horizontal one, for the four local moments x, y, x^2 + y^2 and x y.
    """
    count, height, row_length = a.shape
    size = window.shape[0]
    out_height = height - size + 1
    out_length = row_length - (size - 1) * channels
    values = np.empty(count)
    vertical = np.empty((4, row_length))
    moments = np.empty((4, out_length))
    for n in range(count):
        total = 0.0
        for i in range(out_height):
            vertical[:] = 0.0
            for k in range(size):
                weight = window[k]
                for j in range(row_length):
                    x = a[n, i + k, j]
                    y = b[n, i + k, j]
                    vertical[0, j] += weight * x
                    vertical[1, j] += weight * y
                    vertical[2, j] += weight * (x * x + y * y)
                    vertical[3, j] += weight * (x * y)
            moments[:] = 0.0
            for m in range(4):
                for k in range(size):
                    weight = window[k]
                    shift = k * channels
                    for j in range(out_length):
                        moments[m, j] += weight * vertical[m, j + shift]
            row_total = 0.0
            for j in range(out_length):
                mu_x = moments[0, j]
                mu_y = moments[1, j]
                variance_sum = moments[2, j] - mu_x * mu_x - mu_y * mu_y
                covariance = moments[3, j] - mu_x * mu_y
                row_total += ((2.0 * mu_x * mu_y + c1) * (2.0 * covariance + c2)) / (
                    (mu_x * mu_x + mu_y * mu_y + c1) * (variance_sum + c2)
                )
            total += row_total
        values[n] = total / (out_height * out_length)
    return values
