"""The ResNet generator of CycleGAN (Johnson et al.'s style-transfer network)."""

import keras

from keras_portrait.layers import Blur2D
from keras_portrait.layers import ReflectionPadding2D
from keras_portrait.layers import ResidualBlock
from keras_portrait.networks._common import check_norm
from keras_portrait.networks._common import check_positive_int
from keras_portrait.networks._common import norm_then
from keras_portrait.networks._common import normal_init

UPSAMPLINGS = ("transpose", "blur")


def resnet_generator(
    filters=64,
    num_blocks=9,
    norm="instance",
    affine=False,
    use_bias=True,
    dropout=0.0,
    upsampling="transpose",
    name="generator",
):
    """CycleGAN's ResNet generator: image in [-1, 1] → image in [-1, 1], any size divisible by 4.

    c7s1-64, d128, d256, `num_blocks` × R256, u128, u64, c7s1-3, tanh (the paper's notation,
    with 64 = `filters`): a 7×7 convolution on a reflection-padded input, two stride-2 3×3
    convolutions (zero padding 1), residual blocks at a quarter of the resolution (reflection
    padding), two stride-2 3×3 transposed convolutions, and a 7×7 convolution to RGB. Every
    convolution but the last is followed by the normalization and a ReLU. The transposed
    convolutions keep the reference's pixel alignment (PyTorch `padding=1, output_padding=1`:
    the full 2H+1 output cropped by one row and column at the top-left), so reference weights
    map one to one. With the reference settings (64 filters, 9 blocks, instance norm without
    affine, conv biases) the network has 11,378,179 trainable parameters.

    The input is `(None, None, 3)`: the same model translates any size whose sides are
    multiples of 4 (smaller sides fail in the reflection padding of the blocks).

    Args:
        filters: int. Filters of the first and last hidden convolutions (`ngf`); the
            bottleneck has 4×. Defaults to `64`.
        num_blocks: int. Residual blocks (9 for 256² images, 6 for 128² in the paper).
            Defaults to `9`.
        norm: str. "instance", "batch" or "none". Defaults to `"instance"`.
        affine: bool. Whether the normalization learns a scale and an offset. Defaults to
            `False` (the reference's `InstanceNorm2d(affine=False)`).
        use_bias: bool. Whether the convolutions add a bias. Defaults to `True` (the reference
            turns it off with batch norm only).
        dropout: float. Dropout in the residual blocks, in [0, 1). Defaults to `0.0` (the
            reference's `--no_dropout`).
        upsampling: str. "transpose": the paper's transposed convolutions; "blur": each
            followed by a fixed binomial blur (`kp.layers.Blur2D`), which removes their
            checkerboard and adds no weights (a "transpose" checkpoint loads into it).
            Defaults to `"transpose"`.
        name: str. Name of the model.

    Reference:
        Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
        Networks", ICCV 2017; Johnson et al., "Perceptual Losses for Real-Time Style Transfer
        and Super-Resolution", ECCV 2016.
    """
    check_positive_int("filters", filters)
    check_positive_int("num_blocks", num_blocks, minimum=0)
    check_norm(norm, affine)
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"`upsampling` must be one of {UPSAMPLINGS}. Received: "
                         f"upsampling={upsampling!r}")

    def conv(channels, kernel, stride, layer_name):
        return keras.layers.Conv2D(
            channels, kernel, strides=stride, use_bias=use_bias,
            kernel_initializer=normal_init(), name=layer_name,
        )

    def norm_relu(x, layer_name):
        return norm_then(x, keras.layers.ReLU(name=f"{layer_name}_relu"), norm, affine, layer_name)

    image = keras.Input((None, None, 3), name="image")
    x = ReflectionPadding2D(3, name="stem_pad")(image)
    x = norm_relu(conv(filters, 7, 1, "stem_conv")(x), "stem")
    for i, channels in enumerate((filters * 2, filters * 4)):
        x = keras.layers.ZeroPadding2D(1, name=f"down{i}_pad")(x)
        x = norm_relu(conv(channels, 3, 2, f"down{i}_conv")(x), f"down{i}")
    for i in range(num_blocks):
        x = ResidualBlock(
            filters * 4, norm=norm, affine=affine, use_bias=use_bias, dropout=dropout,
            kernel_initializer=normal_init(), name=f"block{i}",
        )(x)
    for i, channels in enumerate((filters * 2, filters)):
        x = keras.layers.Conv2DTranspose(
            channels, 3, strides=2, padding="valid", use_bias=use_bias,
            kernel_initializer=normal_init(), name=f"up{i}_conv",
        )(x)
        x = keras.layers.Cropping2D(((1, 0), (1, 0)), name=f"up{i}_crop")(x)
        if upsampling == "blur":
            x = Blur2D(name=f"up{i}_blur")(x)
        x = norm_relu(x, f"up{i}")
    x = ReflectionPadding2D(3, name="to_rgb_pad")(x)
    # The last convolution keeps its bias whatever `use_bias` says, as in the reference.
    x = keras.layers.Conv2D(3, 7, kernel_initializer=normal_init(), name="to_rgb_conv")(x)
    output = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(image, output, name=name)
