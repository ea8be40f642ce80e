"""A fixed low-pass filter: what removes the checkerboard of stride-2 transposed convolutions."""

import keras
import numpy as np
from keras import ops

# [1, 2, 1] ⊗ [1, 2, 1] / 16: the smallest binomial filter; it sums to 1 and is 0 at Nyquist.
BINOMIAL_3X3 = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16.0


@keras.saving.register_keras_serializable(package="keras_portrait")
class Blur2D(keras.layers.Layer):
    """Each channel of NHWC images filtered by the fixed 3×3 binomial kernel
    `[1, 2, 1] ⊗ [1, 2, 1] / 16` on a reflection-padded border: same size out, no weights.

    A stride-2 transposed convolution with a 3×3 kernel covers every other output row and
    column with a different number of kernel taps, which leaves a checkerboard at the highest
    frequency (Odena et al.); this filter passes a constant unchanged and removes that
    frequency exactly (an alternating ±1 pattern becomes 0), so placed after each such
    upsampling the generator cannot draw the pattern at all. Having no weights, it can be
    added to a trained generator whose checkpoint then loads as before. In TFLite it is a
    `MIRROR_PAD` and a `DEPTHWISE_CONV_2D`.

    Reference:
        Odena et al., "Deconvolution and Checkerboard Artifacts", Distill 2016; Zhang,
        "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"Blur2D needs a known channel count. Received input shape "
                             f"{tuple(input_shape)}")
        self.kernel = np.tile(BINOMIAL_3X3[:, :, None, None], (1, 1, channels, 1)).astype(
            np.float32)

    def call(self, x):
        kernel = ops.cast(self.kernel, x.dtype)
        padded = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="reflect")
        return ops.depthwise_conv(padded, kernel, strides=1, padding="valid")

    def compute_output_shape(self, input_shape):
        return input_shape
