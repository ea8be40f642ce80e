"""The 70×70 PatchGAN discriminator of pix2pix and CycleGAN."""

import keras

from keras_portrait.networks._common import check_norm
from keras_portrait.networks._common import check_positive_int
from keras_portrait.networks._common import norm_then
from keras_portrait.networks._common import normal_init


def patch_gan_discriminator(
    filters=64,
    num_layers=3,
    norm="instance",
    affine=False,
    use_bias=True,
    name="discriminator",
):
    """PatchGAN: image → a map of logits, one per overlapping patch (70×70 with the defaults).

    C64-C128-C256-C512 then a 1-channel convolution (64 = `filters`): 4×4 convolutions with zero
    padding 1, LeakyReLU(0.2), normalization on all but the first; stride 2 for the first
    `num_layers`, stride 1 for the last two. Filters double per layer up to 8 × `filters`. At
    256² the output is 30×30×1; with the reference settings (64 filters, 3 layers, instance norm
    without affine, conv biases) it has 2,764,737 trainable parameters. Fully convolutional:
    the input is `(None, None, 3)`. Outputs are raw logits (least-squares or hinge losses).

    Args:
        filters: int. Filters of the first convolution (`ndf`). Defaults to `64`.
        num_layers: int. Stride-2 convolutions (`n_layers_D`); more layers see larger
            patches. Defaults to `3`.
        norm: str. "instance", "batch" or "none". Defaults to `"instance"`.
        affine: bool. Whether the normalization learns a scale and an offset. Defaults to
            `False`.
        use_bias: bool. Whether the normalized convolutions add a bias (the first and the last
            always do, as in the reference). Defaults to `True`.
        name: str. Name of the model.

    Reference:
        Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks", CVPR
        2017; Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent
        Adversarial Networks", ICCV 2017.
    """
    check_positive_int("filters", filters)
    check_positive_int("num_layers", num_layers)
    check_norm(norm, affine)

    def conv(x, channels, stride, bias, layer_name):
        x = keras.layers.ZeroPadding2D(1, name=f"{layer_name}_pad")(x)
        return keras.layers.Conv2D(
            channels, 4, strides=stride, use_bias=bias, kernel_initializer=normal_init(),
            name=f"{layer_name}_conv",
        )(x)

    def leaky(layer_name):
        return keras.layers.LeakyReLU(0.2, name=f"{layer_name}_lrelu")

    image = keras.Input((None, None, 3), name="image")
    x = leaky("layer0")(conv(image, filters, 2, True, "layer0"))
    for i in range(1, num_layers + 1):
        channels = filters * min(2**i, 8)
        stride = 2 if i < num_layers else 1
        x = conv(x, channels, stride, use_bias, f"layer{i}")
        x = norm_then(x, leaky(f"layer{i}"), norm, affine, f"layer{i}")
    x = conv(x, 1, 1, True, "logits")
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(image, logits, name=name)
