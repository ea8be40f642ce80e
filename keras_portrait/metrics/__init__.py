"""Evaluation metrics as functions of image batches, one float64 value per image (pair).

Inputs are uint8 [0, 255] or float [-1, 1] NHWC arrays or tensors; outputs are numpy arrays of
shape `(N,)`, which `summary` turns into the numbers of a report.
"""

from keras_portrait.metrics.identity_similarity import identity_similarity
from keras_portrait.metrics.image_quality import psnr
from keras_portrait.metrics.image_quality import ssim
from keras_portrait.metrics.image_quality import summary

__all__ = [
    "identity_similarity",
    "psnr",
    "ssim",
    "summary",
]
