"""DCGAN generator and discriminator (Radford et al.), and the portrait seed's 80×80 networks."""

import math

import keras

# The weight initialization of the DCGAN paper: N(0, 0.02).
def _init():
    return keras.initializers.RandomNormal(stddev=0.02)


_NORMS = ("batch", "layer", "none")


def _norm(kind, name):
    if kind == "batch":
        # Synchronized: under MirroredStrategy the statistics are those of the global batch, so
        # a distributed run trains like one device. Momentum and epsilon of the reference
        # implementation: Keras' default momentum 0.99 leaves the moving statistics far from the
        # batch ones for the first thousand steps, and early samples come out flat gray.
        return keras.layers.BatchNormalization(
            momentum=0.9, epsilon=1e-5, synchronized=True, name=name
        )
    if kind == "layer":
        return keras.layers.LayerNormalization(axis=(1, 2, 3), name=name)
    return None


def _check(image_size, filters, norm):
    if image_size < 8 or 2 ** int(round(math.log2(image_size))) != image_size:
        raise ValueError(f"`image_size` must be a power of two >= 8. Received: {image_size}")
    if filters < 1:
        raise ValueError(f"`filters` must be >= 1. Received: filters={filters}")
    if norm not in _NORMS:
        raise ValueError(f"`norm` must be one of {', '.join(_NORMS)}. Received: norm={norm!r}")


def dcgan_generator(image_size=64, latent_dim=100, filters=64, norm="batch", name="generator"):
    """DCGAN generator: z → 4×4×(filters·2^(n−1)) → n transposed convs (stride 2) → tanh image.

    Each upsampling halves the filters, with normalization and ReLU; the last maps to 3 channels.
    With normalization the layers have no bias, as in the reference implementation: at 64² with
    latent 100 and 64 filters the trainable parameters are 3,576,704.

    Args:
        image_size: int. Output side, a power of two >= 8. Defaults to `64`.
        latent_dim: int. Size of z. Defaults to `100`.
        filters: int. Filters of the last hidden layer (`ngf`). Defaults to `64`.
        norm: str. "batch" (the paper), "layer" or "none". Defaults to `"batch"`.

    Reference:
        Radford et al., "Unsupervised Representation Learning with Deep Convolutional
        Generative Adversarial Networks", ICLR 2016.
    """
    _check(image_size, filters, norm)
    steps = int(math.log2(image_size)) - 2
    channels = filters * 2 ** (steps - 1)
    z = keras.Input((latent_dim,), name="latent")
    x = keras.layers.Dense(4 * 4 * channels, use_bias=norm == "none", kernel_initializer=_init())(z)
    x = keras.layers.Reshape((4, 4, channels))(x)
    layer = _norm(norm, "project_norm")
    x = keras.layers.ReLU()(layer(x) if layer else x)
    for i in range(steps - 1):
        channels //= 2
        x = keras.layers.Conv2DTranspose(
            channels, 4, strides=2, padding="same", use_bias=norm == "none",
            kernel_initializer=_init(), name=f"up{i}",
        )(x)
        layer = _norm(norm, f"up{i}_norm")
        x = keras.layers.ReLU()(layer(x) if layer else x)
    image = keras.layers.Conv2DTranspose(
        3, 4, strides=2, padding="same", activation="tanh", use_bias=norm == "none",
        kernel_initializer=_init(), name="to_rgb",
    )(x)
    return keras.Model(z, image, name=name)


def dcgan_discriminator(image_size=64, filters=64, norm="batch", name="discriminator"):
    """DCGAN discriminator: strided 4×4 convs with LeakyReLU(0.2) down to 4×4, then one logit.

    No normalization on the first layer (the paper). WGAN-GP's critic takes `norm="none"` or
    `"layer"`, since batch statistics would break the per-example gradient penalty. With
    normalization the layers have no bias, as in the reference implementation: at 64² with 64
    filters the trainable parameters are 2,765,568.

    Args:
        image_size: int. Input side, a power of two >= 8. Defaults to `64`.
        filters: int. Filters of the first conv (`ndf`), doubled at each step. Defaults to `64`.
        norm: str. "batch" (the paper), "layer" or "none". Defaults to `"batch"`.

    Reference:
        Radford et al., ICLR 2016.
    """
    _check(image_size, filters, norm)
    steps = int(math.log2(image_size)) - 2
    image = keras.Input((image_size, image_size, 3), name="image")
    x = image
    channels = filters
    for i in range(steps):
        x = keras.layers.Conv2D(
            channels, 4, strides=2, padding="same", use_bias=norm == "none",
            kernel_initializer=_init(), name=f"down{i}",
        )(x)
        layer = _norm(norm, f"down{i}_norm") if i > 0 else None
        x = keras.layers.LeakyReLU(0.2)(layer(x) if layer else x)
        channels *= 2
    x = keras.layers.Flatten()(x)
    logit = keras.layers.Dense(
        1, use_bias=norm == "none", kernel_initializer=_init(), name="logit"
    )(x)
    return keras.Model(image, logit, name=name)


def portrait80_generator(latent_dim=100, name="generator"):
    """The face-rotation seed's portrait generator, layer for layer.

    latent → Dense(10·10·256, no bias) → BN → LeakyReLU → 10×10×256 → ConvT(128, 5, stride 2)
    → BN → LeakyReLU → ConvT(64, 5, stride 2) → BN → LeakyReLU → ConvT(3, 5, stride 2, tanh):
    an 80×80 RGB image.
    """
    z = keras.Input((latent_dim,), name="latent")
    x = keras.layers.Dense(10 * 10 * 256, use_bias=False)(z)
    x = keras.layers.LeakyReLU(0.2)(keras.layers.BatchNormalization(synchronized=True)(x))
    x = keras.layers.Reshape((10, 10, 256))(x)
    for channels in (128, 64):
        x = keras.layers.Conv2DTranspose(channels, 5, strides=2, padding="same", use_bias=False)(x)
        x = keras.layers.LeakyReLU(0.2)(keras.layers.BatchNormalization(synchronized=True)(x))
    image = keras.layers.Conv2DTranspose(
        3, 5, strides=2, padding="same", use_bias=False, activation="tanh"
    )(x)
    return keras.Model(z, image, name=name)


def portrait80_discriminator(name="discriminator"):
    """The face-rotation seed's portrait discriminator, layer for layer.

    80×80×3 → Conv(64, 5, stride 2, 'same') → LeakyReLU → Conv(128, 5, stride 2, 'same') →
    LeakyReLU → Flatten → Dense(1).
    """
    image = keras.Input((80, 80, 3), name="image")
    x = keras.layers.LeakyReLU(0.2)(keras.layers.Conv2D(64, 5, strides=2, padding="same")(image))
    x = keras.layers.LeakyReLU(0.2)(keras.layers.Conv2D(128, 5, strides=2, padding="same")(x))
    logit = keras.layers.Dense(1)(keras.layers.Flatten()(x))
    return keras.Model(image, logit, name=name)
