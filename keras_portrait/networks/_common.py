"""What the image-to-image networks share: the reference init and the choice of normalization."""

import keras

from keras_portrait.layers.blocks import NORMS


def normal_init():
    """The reference implementations' init: N(0, 0.02) kernels (biases stay zero)."""
    return keras.initializers.RandomNormal(stddev=0.02)


def check_norm(norm, affine):
    if norm not in NORMS:
        raise ValueError(f"`norm` must be one of {sorted(NORMS)}. Received: norm={norm!r}")
    if affine and norm == "none":
        raise ValueError(
            f"`affine=True` needs a normalization. Received: affine={affine}, norm={norm!r}"
        )


def check_positive_int(name, value, minimum=1):
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")


def norm_then(x, activation, norm, affine, name):
    """`activation(norm(x))`, the normalization left out for `norm="none"`."""
    make = NORMS[norm]
    if make is not None:
        x = make(affine, name=f"{name}_norm")(x)
    return activation(x)


def spectral_conv(filters, kernel_size, strides=1, padding="same", use_bias=True, name=None):
    return keras.layers.SpectralNormalization(
        keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                            use_bias=use_bias, name=name),
        name=f"{name}_sn",
    )
