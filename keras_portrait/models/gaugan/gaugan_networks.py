"""GauGAN's networks: the style encoder, the SPADE generator and the metadata critic (its
discriminator is `networks.multiscale_discriminator`)."""

import math
import warnings

import keras

from keras_portrait.layers import InstanceNormalization
from keras_portrait.layers.conditioning import TileLabels
from keras_portrait.layers.spade import SPADEResBlock
from keras_portrait.networks._common import check_positive_int
from keras_portrait.networks._common import spectral_conv

# Upsamplings of the generator ("normal" in the reference): its first map is image_size / 32.
GENERATOR_UPSAMPLINGS = 5


def _check_size(image_size, factor, what):
    check_positive_int("image_size", image_size)
    if image_size % factor:
        raise ValueError(
            f"`image_size` must be a multiple of {factor} for the {what}. "
            f"Received: image_size={image_size}"
        )


def _default_depth(image_size, num_layers, what):
    """`num_layers`, or the stride-2 layers from `image_size` down to 4 when None."""
    if num_layers is None:
        _check_size(image_size, 8, what)
        num_layers = int(round(math.log2(image_size / 4)))
        if 4 * 2**num_layers != image_size:
            raise ValueError(
                f"`image_size` must be a power of two for the default {what} depth; pass "
                f"`num_layers`. Received: image_size={image_size}"
            )
    check_positive_int("num_layers", num_layers)
    return num_layers


def style_encoder(image_size=128, code_dim=256, filters=64, num_layers=None, name="style_encoder"):
    """Image in [-1, 1] → `[mu, logvar]` of a Gaussian style code, each `(batch, code_dim)`.

    Stride-2 3×3 convolutions (spectral norm, instance norm, LeakyReLU 0.2 between them) from
    `filters` doubling to 8 × `filters`, down to a 4×4 map, then two dense layers for the
    code's mean and log-variance. The reference has 6 convolutions at 256² (5 at 128²).

    Args:
        image_size: int. Side of the square input, a multiple of 4 (a power of two ≥ 8 for
            the default depth). Defaults to `128`.
        code_dim: int. Size of the style code (256 in the reference, 128 in the portrait
            seed). Defaults to `256`.
        filters: int. Filters of the first convolution (`ngf`). Defaults to `64`.
        num_layers: int or None. Stride-2 convolutions; None gives `log2(image_size / 4)`.
        name: str. Name of the model.

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019 (appendix: the image encoder).
    """
    check_positive_int("code_dim", code_dim)
    check_positive_int("filters", filters)
    num_layers = _default_depth(image_size, num_layers, "style encoder")
    image = keras.Input((image_size, image_size, 3), name="image")
    x = image
    for i in range(num_layers):
        if i:
            x = keras.layers.LeakyReLU(0.2, name=f"layer{i}_lrelu")(x)
        x = spectral_conv(filters * min(2**i, 8), 3, strides=2, name=f"layer{i}_conv")(x)
        x = InstanceNormalization(name=f"layer{i}_norm")(x)
    x = keras.layers.LeakyReLU(0.2, name="features_lrelu")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    mu = keras.layers.Dense(code_dim, dtype="float32", name="mu")(x)
    logvar = keras.layers.Dense(code_dim, dtype="float32", name="logvar")(x)
    return keras.Model(image, [mu, logvar], name=name)


def spade_generator(
    num_classes=7,
    metadata_dim=3,
    image_size=128,
    code_dim=256,
    filters=64,
    hidden=128,
    spectral_norm=True,
    metadata_in_spade=True,
    name="generator",
):
    """`[mask one-hot, style code, metadata]` → image in [-1, 1].

    The code and the metadata vector (age, gender, glasses, … — the portrait seed's global
    controls) are concatenated and mapped by a dense layer to a `(image_size / 32)²` map of
    16 × `filters` channels; then SPADE residual blocks, each modulated by the mask, with
    nearest-neighbour ×2 upsampling between them: 16f, ↑, 16f, 16f, ↑, 8f, ↑, 4f, ↑, 2f, ↑,
    1f; then LeakyReLU 0.2, a 3×3 convolution to RGB and tanh. With `metadata_dim=0` it is the
    reference generator.

    With `metadata_in_spade` the metadata values are also constant channels of the SPADE
    condition (the mask one-hot plus `metadata_dim` channels), so every block's γ and β see
    them next to the layout: glasses can be drawn where the eyes are. Entering only through
    the first map, which is tiny (2×2 at 64²) and renormalized by every instance norm, the
    metadata was measured to have no visible effect (docs/gaugan.md).

    Args:
        num_classes: int. Classes of the one-hot mask. Defaults to `7`
            (`keras_portrait.labels.MASK_CLASSES`).
        metadata_dim: int. Length of the metadata vector (0: none). Defaults to `3`.
        image_size: int. Side of the output, a multiple of 32. Defaults to `128`.
        code_dim: int. Size of the style code. Defaults to `256`.
        filters: int. `ngf`: the last block's width; the first ones have 16×. Defaults to `64`.
        hidden: int. Channels of the SPADE layers' shared convolution. Defaults to `128`.
        spectral_norm: bool. Spectral normalization in the residual blocks. Defaults to
            `True`.
        metadata_in_spade: bool. Metadata also in every SPADE condition (ignored without
            metadata). Defaults to `True`.
        name: str. Name of the model.

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019 (appendix, figure 12 and table 6).
    """
    check_positive_int("num_classes", num_classes)
    check_positive_int("metadata_dim", metadata_dim, minimum=0)
    check_positive_int("code_dim", code_dim)
    check_positive_int("filters", filters)
    _check_size(image_size, 2**GENERATOR_UPSAMPLINGS, "generator (5 upsamplings)")
    side = image_size // 2**GENERATOR_UPSAMPLINGS
    if side == 1:
        warnings.warn(
            f"spade_generator(image_size={image_size}): the first map is 1×1, and the instance "
            "norms of the SPADE blocks erase a spatially constant map, so the style code and "
            "the metadata barely reach the image. Use image_size >= 64.",
            stacklevel=2,
        )
    mask = keras.Input((image_size, image_size, num_classes), name="mask")
    code = keras.Input((code_dim,), name="code")
    inputs = [mask, code]
    vector = code
    condition = mask
    if metadata_dim:
        metadata = keras.Input((metadata_dim,), name="metadata")
        inputs.append(metadata)
        vector = keras.layers.Concatenate(name="code_and_metadata")([code, metadata])
        if metadata_in_spade:
            condition = TileLabels(name="mask_and_metadata")([mask, metadata])
    x = keras.layers.Dense(16 * filters * side * side, name="fc")(vector)
    x = keras.layers.Reshape((side, side, 16 * filters), name="fc_map")(x)

    def block(x, width, block_name):
        return SPADEResBlock(width, hidden=hidden, spectral_norm=spectral_norm,
                             name=block_name)([x, condition])

    def up(x, up_name):
        return keras.layers.UpSampling2D(2, interpolation="nearest", name=up_name)(x)

    x = up(block(x, 16 * filters, "head_0"), "up_head")
    x = block(x, 16 * filters, "middle_0")
    x = up(block(x, 16 * filters, "middle_1"), "up_middle")
    for i, width in enumerate((8 * filters, 4 * filters, 2 * filters)):
        x = up(block(x, width, f"up_{i}"), f"up_{i}_resize")
    x = block(x, filters, "up_3")
    x = keras.layers.LeakyReLU(0.2, name="to_rgb_lrelu")(x)
    x = keras.layers.Conv2D(3, 3, padding="same", name="to_rgb_conv")(x)
    image = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(inputs, image, name=name)


def metadata_critic(image_size=128, metadata_dim=3, filters=64, num_layers=None,
                    name="metadata_critic"):
    """Image in [-1, 1] → one logit per metadata value `(batch, metadata_dim)`.

    The judge that makes GauGAN's metadata controls work: trained on real images to read
    their metadata (sigmoid cross-entropy against values in [0, 1]), it then asks the
    generator's images to show the metadata they were made with. Stride-2 4×4 convolutions
    with LeakyReLU 0.2 (no normalization: the colour of hair or skin is a cue of age) from
    `filters` doubling to 8 × `filters` down to a 4×4 map, then a dense layer.

    Args:
        image_size: int. Side of the square input, a power of two ≥ 8 for the default depth.
            Defaults to `128`.
        metadata_dim: int. Values to read. Defaults to `3`.
        filters: int. Filters of the first convolution. Defaults to `64`.
        num_layers: int or None. Stride-2 convolutions; None gives `log2(image_size / 4)`.
        name: str. Name of the model.

    Reference:
        Odena et al., "Conditional Image Synthesis with Auxiliary Classifier GANs", ICML 2017;
        Choi et al., "StarGAN", CVPR 2018 (a classifier trained on real images only).
    """
    check_positive_int("metadata_dim", metadata_dim)
    check_positive_int("filters", filters)
    num_layers = _default_depth(image_size, num_layers, "metadata critic")
    image = keras.Input((image_size, image_size, 3), name="image")
    x = image
    for i in range(num_layers):
        x = keras.layers.Conv2D(filters * min(2**i, 8), 4, strides=2, padding="same",
                                name=f"layer{i}_conv")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"layer{i}_lrelu")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    logits = keras.layers.Dense(metadata_dim, dtype="float32", name="logits")(x)
    return keras.Model(image, logits, name=name)
