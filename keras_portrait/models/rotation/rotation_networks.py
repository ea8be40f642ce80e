"""The rotation GAN's generator: a turned-and-rendered portrait with holes → a clean portrait."""

import keras

from keras_portrait.layers import InstanceNormalization
from keras_portrait.layers import PushPullFill
from keras_portrait.layers import ReflectionPadding2D
from keras_portrait.layers.spade import SPADEResBlock
from keras_portrait.networks._common import check_positive_int


def render_generator(
    filters=64,
    num_downsamplings=2,
    num_blocks=6,
    hidden=128,
    spectral_norm=True,
    residual=True,
    fill_holes=False,
    keep_known=False,
    name="generator",
):
    """`[render, holes]` → the clean portrait in [-1, 1].

    The render (RGB in [-1, 1]) and its hole mask (1 = no texture) are concatenated into a
    4-channel condition. An encoder (reflection-padded 7×7 convolution, then
    `num_downsamplings` stride-2 3×3 convolutions doubling the width, instance norm and ReLU)
    carries the render's texture down; `num_blocks` SPADE residual blocks at the lowest
    resolution, then one per ×2 nearest upsampling on the way back, are each modulated by the
    condition resized to their scale; LeakyReLU 0.2, a 3×3 convolution to RGB and tanh.
    With `residual=True` the tanh is a correction added to the render (times 2, so a black
    hole can become white), clipped to [-1, 1]: the network starts from the render and spends
    its capacity on the holes and the smears, not on copying the pixels that are right.
    With `fill_holes=True` the holes are first filled in the graph from the known pixels
    around them (`kp.layers.PushPullFill`, a classical smooth fill); the filled render is the
    condition and, with `residual`, the image the correction is added to — the untrained
    generator returns the filled render, so training starts from classical inpainting.
    With `keep_known=True` the output is the render wherever it has texture and the network's
    image only in the holes (a fixed blend by the mask): the pixels the turn rendered right
    stay exactly as rendered, and every loss on the output acts on the holes alone, as in
    inpainting. Worth it because training pairs and use differ there: a pair's input was
    resampled twice (turned away and back) and the network learns to sharpen that, while a
    single turn is resampled once, so its sharpening of known pixels only adds error.

    Why SPADE on the render: the holes and the artifacts sit at different places in every
    render, and a plain encoder-decoder's normalizations average them with the good pixels.
    Modulating every block by the render and its mask tells each layer, per pixel, what is
    known and what must be invented, and puts the render's own colours back at full
    resolution — which is what keeps a painting's brushwork instead of a photo's skin. This is
    the render-to-image generator of Rotate-and-Render (a pix2pixHD encoder with SPADE
    residual blocks conditioned on the render). Fully convolutional: any size divisible by
    `2**num_downsamplings`.

    Args:
        filters: int. Width of the first convolution; the bottleneck has
            `filters * 2**num_downsamplings`. Defaults to `64`.
        num_downsamplings: int. Stride-2 convolutions of the encoder. Defaults to `2`.
        num_blocks: int. SPADE residual blocks at the bottleneck. Defaults to `6`.
        hidden: int. Channels of the SPADE layers' shared convolution. Defaults to `128`.
        spectral_norm: bool. Spectral normalization in the residual blocks. Defaults to
            `True`.
        residual: bool. Predict a correction of the render instead of the image. Defaults to
            `True`.
        fill_holes: bool. Fill the holes by pull-push before everything else. Defaults to
            `False`.
        keep_known: bool. Return the render's own pixels outside the holes. Defaults to
            `False`.
        name: str. Name of the model.

    Reference:
        Zhou et al., "Rotate-and-Render: Unsupervised Photorealistic Face Rotation from
        Single-View Images", CVPR 2020; Park et al., "Semantic Image Synthesis with
        Spatially-Adaptive Normalization", CVPR 2019.
    """
    check_positive_int("filters", filters)
    check_positive_int("num_downsamplings", num_downsamplings, minimum=0)
    check_positive_int("num_blocks", num_blocks, minimum=0)
    check_positive_int("hidden", hidden)
    render = keras.Input((None, None, 3), name="render")
    holes = keras.Input((None, None, 1), name="holes")
    base = PushPullFill(name="fill")([render, holes]) if fill_holes else render
    condition = keras.layers.Concatenate(name="condition")([base, holes])

    x = _encoder(condition, filters, num_downsamplings)
    width = filters * 2**num_downsamplings
    for i in range(num_blocks):
        x = SPADEResBlock(width, hidden=hidden, spectral_norm=spectral_norm,
                          name=f"middle{i}")([x, condition])
    for i in reversed(range(num_downsamplings)):
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{i}_resize")(x)
        x = SPADEResBlock(filters * 2**i, hidden=hidden, spectral_norm=spectral_norm,
                          name=f"up{i}")([x, condition])
    x = keras.layers.LeakyReLU(0.2, name="to_rgb_lrelu")(x)
    # Residual: a zero last layer makes the untrained generator return the render itself.
    x = keras.layers.Conv2D(3, 3, padding="same", name="to_rgb_conv",
                            kernel_initializer="zeros" if residual else "glorot_uniform")(x)
    image = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    if residual:
        image = keras.ops.clip(base + 2.0 * image, -1.0, 1.0)
    if keep_known:
        # A blend, not a select: the mask is 0/1 and this stays two builtin TFLite ops.
        image = holes * image + (1.0 - holes) * render
    return keras.Model([render, holes], image, name=name)


def _encoder(x, filters, num_downsamplings):
    """The pix2pixHD encoder: a reflection-padded 7×7 stem, then stride-2 3×3 convolutions."""
    x = ReflectionPadding2D(3, name="stem_pad")(x)
    x = keras.layers.Conv2D(filters, 7, name="stem_conv")(x)
    x = InstanceNormalization(name="stem_norm")(x)
    x = keras.layers.ReLU(name="stem_relu")(x)
    for i in range(num_downsamplings):
        x = keras.layers.Conv2D(filters * 2 ** (i + 1), 3, strides=2, padding="same",
                                name=f"down{i}_conv")(x)
        x = InstanceNormalization(name=f"down{i}_norm")(x)
        x = keras.layers.ReLU(name=f"down{i}_relu")(x)
    return x
