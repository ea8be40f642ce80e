"""SPADE: normalization modulated by a semantic mask, and the residual block built on it."""

import keras
import tensorflow as tf
from keras import ops

from keras_portrait.layers.normalization import InstanceNormalization


def _conv(filters, kernel_size, spectral, use_bias=True, name=None):
    conv = keras.layers.Conv2D(filters, kernel_size, padding="same", use_bias=use_bias, name=name)
    if spectral:
        return keras.layers.SpectralNormalization(conv, name=f"{name}_sn" if name else None)
    return conv


def _resize_mask(mask, like):
    """`mask` resized (nearest) to the spatial size of `like`; a no-op when equal."""
    height, width = like.shape[1], like.shape[2]
    if height is not None and width is not None and tuple(mask.shape[1:3]) == (height, width):
        return mask
    if height is not None and width is not None:
        return ops.image.resize(mask, (height, width), interpolation="nearest")
    # Sizes known only at run time (fully convolutional use): Keras' resize wants Python ints.
    return tf.image.resize(mask, tf.shape(like)[1:3], method="nearest")


@keras.saving.register_keras_serializable(package="keras_portrait")
class SPADE(keras.layers.Layer):
    """`[x, mask]` → `instance_norm(x) · (1 + γ(mask)) + β(mask)`.

    The parameter-free instance normalization of `x` is modulated per pixel by a scale γ and
    a shift β predicted from the semantic mask (one-hot classes, or any per-pixel condition)
    resized to `x`'s size with nearest-neighbour interpolation: a shared 3×3 convolution with
    ReLU, then one 3×3 convolution each for γ and β. The layout the mask describes therefore
    survives normalization, which plain normalization would wash out.

    Args:
        hidden: int. Channels of the shared convolution. Defaults to `128`.
        kernel_size: int. Size of the three convolutions. Defaults to `3`.
        epsilon: float. Epsilon of the instance normalization. Defaults to `1e-5`.

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019 (section 3).
    """

    def __init__(self, hidden=128, kernel_size=3, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(hidden, int) or hidden < 1:
            raise ValueError(f"`hidden` must be an int >= 1. Received: hidden={hidden!r}")
        self.hidden = hidden
        self.kernel_size = kernel_size
        self.epsilon = epsilon
        self.norm = InstanceNormalization(epsilon=epsilon, name="norm")
        self.shared = keras.layers.Conv2D(hidden, kernel_size, padding="same",
                                          activation="relu", name="shared")

    def build(self, input_shape):
        x_shape, mask_shape = input_shape
        channels = x_shape[-1]
        if channels is None:
            raise ValueError(f"SPADE needs a known channel count. Received: {x_shape}")
        self.gamma = keras.layers.Conv2D(channels, self.kernel_size, padding="same", name="gamma")
        self.beta = keras.layers.Conv2D(channels, self.kernel_size, padding="same", name="beta")
        self.norm.build(x_shape)
        hidden_shape = (*mask_shape[:-1], self.hidden)
        self.shared.build(mask_shape)
        self.gamma.build(hidden_shape)
        self.beta.build(hidden_shape)

    def call(self, inputs):
        x, mask = inputs
        hidden = self.shared(_resize_mask(ops.cast(mask, x.dtype), x))
        return self.norm(x) * (1.0 + self.gamma(hidden)) + self.beta(hidden)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "hidden": self.hidden,
            "kernel_size": self.kernel_size,
            "epsilon": self.epsilon,
        }


@keras.saving.register_keras_serializable(package="keras_portrait")
class SPADEResBlock(keras.layers.Layer):
    """`[x, mask]` → `shortcut(x) + conv(act(SPADE(conv(act(SPADE(x, mask))), mask)))`.

    Two SPADE → LeakyReLU(0.2) → 3×3 convolution steps, the middle width `min(in, filters)`.
    When the channel count changes, the shortcut is learned: SPADE then a 1×1 convolution
    without bias; otherwise it is the identity. Convolutions are spectrally normalized by
    default (`keras.layers.SpectralNormalization`), as in the reference generator.

    Args:
        filters: int. Output channels.
        hidden: int. Channels of each SPADE's shared convolution. Defaults to `128`.
        spectral_norm: bool. Spectral normalization on the convolutions. Defaults to `True`.

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019 (figure 4).
    """

    def __init__(self, filters, hidden=128, spectral_norm=True, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(filters, int) or filters < 1:
            raise ValueError(f"`filters` must be an int >= 1. Received: filters={filters!r}")
        self.filters = filters
        self.hidden = hidden
        self.spectral_norm = spectral_norm

    def build(self, input_shape):
        x_shape, mask_shape = input_shape
        channels = x_shape[-1]
        middle = min(channels, self.filters)
        self.learned_shortcut = channels != self.filters
        self.norm_0 = SPADE(self.hidden, name="spade_0")
        self.conv_0 = _conv(middle, 3, self.spectral_norm, name="conv_0")
        self.norm_1 = SPADE(self.hidden, name="spade_1")
        self.conv_1 = _conv(self.filters, 3, self.spectral_norm, name="conv_1")
        self.norm_0.build((x_shape, mask_shape))
        self.conv_0.build(x_shape)
        middle_shape = (*x_shape[:-1], middle)
        self.norm_1.build((middle_shape, mask_shape))
        self.conv_1.build(middle_shape)
        if self.learned_shortcut:
            self.norm_s = SPADE(self.hidden, name="spade_s")
            self.conv_s = _conv(self.filters, 1, self.spectral_norm, use_bias=False,
                                name="conv_s")
            self.norm_s.build((x_shape, mask_shape))
            self.conv_s.build(x_shape)

    def call(self, inputs, training=False):
        x, mask = inputs
        shortcut = x
        if self.learned_shortcut:
            shortcut = self._conv(self.conv_s, self.norm_s([x, mask]), training)
        dx = self._conv(self.conv_0, ops.leaky_relu(self.norm_0([x, mask]), 0.2), training)
        dx = self._conv(self.conv_1, ops.leaky_relu(self.norm_1([dx, mask]), 0.2), training)
        return shortcut + dx

    @staticmethod
    def _conv(conv, x, training):
        if isinstance(conv, keras.layers.SpectralNormalization):
            return conv(x, training=training)
        return conv(x)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "hidden": self.hidden,
            "spectral_norm": self.spectral_norm,
        }
