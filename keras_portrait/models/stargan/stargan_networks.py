"""StarGAN's networks: a label-conditioned ResNet generator and a PatchGAN with a class head."""

import keras

from keras_portrait.layers import InstanceNormalization
from keras_portrait.layers import ResidualBlock
from keras_portrait.layers import TileLabels
from keras_portrait.networks._common import check_positive_int


def stargan_generator(num_labels, filters=64, num_blocks=6, residual=False, name="generator"):
    """StarGAN's generator: `[image in [-1, 1], target label (L,)]` → image in [-1, 1].

    The label is tiled over the image as `L` extra input channels (`TileLabels`), then: a 7×7
    convolution, two stride-2 4×4 down convolutions, `num_blocks` residual blocks at a quarter
    of the resolution, two stride-2 4×4 transposed convolutions and a 7×7 convolution to RGB with
    tanh. Zero padding, no convolution biases, affine instance normalization and ReLU after
    every convolution but the last. With the reference configuration (64 filters, 6 blocks,
    5 labels) the network has 8,430,528 trainable parameters.

    With `residual=True` (not in the paper) the tanh is a correction added to the input image
    (times 2, so any colour can be reached; the sum clipped to [-1, 1]) and the last
    convolution starts at zero: the untrained generator returns its input, and training only
    has to learn what the target label changes. Same parameters as the paper's network.

    The image input is `(None, None, 3)`: any size whose sides are multiples of 4.

    Args:
        num_labels: int. Length of the label vector (`c_dim`): the number of classes for
            one-hot class labels, of attributes for multi-hot ones.
        filters: int. Filters of the first convolution (`g_conv_dim`); the bottleneck has 4×.
            Defaults to `64`.
        num_blocks: int. Residual blocks (`g_repeat_num`). Defaults to `6`.
        residual: bool. Predict a correction of the input instead of the image. Defaults to
            `False` (the paper).
        name: str. Name of the model.

    Reference:
        Choi et al., "StarGAN: Unified Generative Adversarial Networks for Multi-Domain
        Image-to-Image Translation", CVPR 2018 (appendix, table 4).
    """
    check_positive_int("num_labels", num_labels)
    check_positive_int("filters", filters)
    check_positive_int("num_blocks", num_blocks, minimum=0)

    def norm_relu(x, layer_name):
        x = InstanceNormalization(center=True, scale=True, name=f"{layer_name}_norm")(x)
        return keras.layers.ReLU(name=f"{layer_name}_relu")(x)

    def conv(channels, kernel, stride, layer_name, transpose=False, initializer="glorot_uniform"):
        layer = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
        # "same" padding with these kernels and strides is the reference's zero padding
        # (3 for 7×7; 1 for the stride-2 4×4 convolutions and their transposes).
        return layer(channels, kernel, strides=stride, padding="same", use_bias=False,
                     kernel_initializer=initializer, name=f"{layer_name}_conv")

    image = keras.Input((None, None, 3), name="image")
    label = keras.Input((num_labels,), name="label")
    x = TileLabels(name="tile_labels")([image, label])
    x = norm_relu(conv(filters, 7, 1, "stem")(x), "stem")
    for i, channels in enumerate((filters * 2, filters * 4)):
        x = norm_relu(conv(channels, 4, 2, f"down{i}")(x), f"down{i}")
    for i in range(num_blocks):
        x = ResidualBlock(filters * 4, padding="zero", norm="instance", affine=True,
                          use_bias=False, name=f"block{i}")(x)
    for i, channels in enumerate((filters * 2, filters)):
        x = norm_relu(conv(channels, 4, 2, f"up{i}", transpose=True)(x), f"up{i}")
    # Residual: a zero last layer makes the untrained generator return its input.
    x = conv(3, 7, 1, "to_rgb", initializer="zeros" if residual else "glorot_uniform")(x)
    output = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    if residual:
        output = keras.ops.clip(image + 2.0 * output, -1.0, 1.0)
    return keras.Model([image, label], output, name=name)


def stargan_discriminator(
    num_labels, image_size=128, filters=64, num_layers=6, name="discriminator"
):
    """StarGAN's discriminator: image → `(patch logits, label logits)`.

    `num_layers` stride-2 4×4 convolutions with LeakyReLU(0.01) and no normalization (the
    critic of a gradient penalty must treat examples independently), filters doubling from
    `filters`; then two heads on the `image_size / 2**num_layers` feature map: a 3×3
    convolution to one real/fake logit per patch (`(batch, s, s, 1)`), and a convolution as
    large as the map to `num_labels` class logits (`(batch, num_labels)`). With the reference
    configuration (image 128, 64 filters, 6 layers, 5 labels) it has 44,762,048 trainable
    parameters and a 2×2 patch map.

    Args:
        num_labels: int. Length of the label vector (`c_dim`).
        image_size: int. Side of the square input; a multiple of `2**num_layers`.
            Defaults to `128`.
        filters: int. Filters of the first convolution (`d_conv_dim`). Defaults to `64`.
        num_layers: int. Stride-2 convolutions (`d_repeat_num`). Defaults to `6`.
        name: str. Name of the model.

    Reference:
        Choi et al., "StarGAN: Unified Generative Adversarial Networks for Multi-Domain
        Image-to-Image Translation", CVPR 2018 (appendix, table 5).
    """
    check_positive_int("num_labels", num_labels)
    check_positive_int("image_size", image_size)
    check_positive_int("filters", filters)
    check_positive_int("num_layers", num_layers)
    if image_size % 2**num_layers:
        raise ValueError(
            f"`image_size` must be a multiple of 2**num_layers = {2**num_layers}. "
            f"Received: image_size={image_size}, num_layers={num_layers}"
        )
    image = keras.Input((image_size, image_size, 3), name="image")
    x = image
    for i in range(num_layers):
        x = keras.layers.Conv2D(filters * 2**i, 4, strides=2, padding="same",
                                name=f"layer{i}_conv")(x)
        x = keras.layers.LeakyReLU(0.01, name=f"layer{i}_lrelu")(x)
    patch = keras.layers.Conv2D(1, 3, padding="same", use_bias=False, name="patch_conv")(x)
    patch = keras.layers.Activation("linear", dtype="float32", name="patch_logits")(patch)
    side = image_size // 2**num_layers
    labels = keras.layers.Conv2D(num_labels, side, use_bias=False, name="label_conv")(x)
    labels = keras.layers.Reshape((num_labels,), name="label_flatten")(labels)
    labels = keras.layers.Activation("linear", dtype="float32", name="label_logits")(labels)
    return keras.Model(image, [patch, labels], name=name)
