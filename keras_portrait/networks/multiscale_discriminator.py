"""pix2pixHD's multi-scale PatchGAN conditioned on a mask: GauGAN's and the rotation GAN's
discriminator."""

import keras

from keras_portrait.layers import InstanceNormalization
from keras_portrait.networks._common import check_positive_int
from keras_portrait.networks._common import spectral_conv


def multiscale_discriminator(
    num_classes=7, filters=64, num_layers=4, num_scales=2, name="discriminator"
):
    """`[image, mask one-hot]` → features and patch logits of `num_scales` PatchGANs.

    Each scale sees the image and the mask concatenated, the second one both average-pooled
    (3×3, stride 2). A scale is pix2pixHD's PatchGAN: 4×4 convolutions with zero padding 2,
    the first stride 2 without normalization, then `num_layers - 1` with spectral and
    instance normalization (stride 2, the last stride 1), filters doubling up to 512, LeakyReLU
    0.2, and a 1-channel 4×4 convolution. The outputs are flat, scale after scale:
    `num_layers` intermediate feature maps (for the feature-matching loss) then the logits, so
    `num_scales * (num_layers + 1)` tensors. Fully convolutional: the image input is
    `(None, None, 3)`.

    Args:
        num_classes: int. Classes of the one-hot mask. Defaults to `7`.
        filters: int. Filters of the first convolution (`ndf`). Defaults to `64`.
        num_layers: int. Convolutions before the logits (`n_layers_D`). Defaults to `4`.
        num_scales: int. Discriminators (`num_D`). Defaults to `2`.
        name: str. Name of the model.

    Reference:
        Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with
        Conditional GANs", CVPR 2018; Park et al., "Semantic Image Synthesis with
        Spatially-Adaptive Normalization", CVPR 2019.
    """
    check_positive_int("num_classes", num_classes)
    check_positive_int("filters", filters)
    check_positive_int("num_layers", num_layers, minimum=2)
    check_positive_int("num_scales", num_scales)
    image = keras.Input((None, None, 3), name="image")
    mask = keras.Input((None, None, num_classes), name="mask")
    x = keras.layers.Concatenate(name="image_and_mask")([image, mask])
    outputs = []
    for scale in range(num_scales):
        if scale:
            x = keras.layers.AveragePooling2D(3, strides=2, padding="same",
                                              name=f"scale{scale}_pool")(x)
        outputs.extend(_patch_gan(x, filters, num_layers, f"scale{scale}"))
    return keras.Model([image, mask], outputs, name=name)


def _patch_gan(x, filters, num_layers, prefix):
    features = []
    width = filters
    for i in range(num_layers):
        if i:
            width = min(width * 2, 512)
        stride = 1 if i == num_layers - 1 else 2
        x = keras.layers.ZeroPadding2D(2, name=f"{prefix}_layer{i}_pad")(x)
        if i == 0:
            x = keras.layers.Conv2D(width, 4, strides=stride, name=f"{prefix}_layer{i}_conv")(x)
        else:
            x = spectral_conv(width, 4, strides=stride, padding="valid", use_bias=False,
                               name=f"{prefix}_layer{i}_conv")(x)
            x = InstanceNormalization(name=f"{prefix}_layer{i}_norm")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"{prefix}_layer{i}_lrelu")(x)
        features.append(x)
    x = keras.layers.ZeroPadding2D(2, name=f"{prefix}_logits_pad")(x)
    x = keras.layers.Conv2D(1, 4, name=f"{prefix}_logits_conv")(x)
    features.append(keras.layers.Activation("linear", dtype="float32", name=f"{prefix}_logits")(x))
    return features
