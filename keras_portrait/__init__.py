"""keras_portrait: a Keras 3 / TensorFlow model zoo of portrait GANs."""

import os

# TensorFlow logs CPU-feature and absl lines while it is imported: quiet by default.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow 2.21 turns its oneDNN kernels on by itself on some AVX-512 CPUs; on an AMD EPYC
# (Zen 4) their convolution weight gradient corrupts the heap and aborts training (a small
# classifier's first `fit`: "corrupted size vs. prev_size" in MklConvCustomBackpropFilterOp).
# Off unless asked for (TF_ENABLE_ONEDNN_OPTS=1); it only takes effect when keras_portrait is
# imported before TensorFlow.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from keras_portrait.version import __version__  # noqa: E402

from keras_portrait import data
from keras_portrait import export
from keras_portrait import face
from keras_portrait import labels
from keras_portrait import layers
from keras_portrait import losses
from keras_portrait import metrics
from keras_portrait import presets
from keras_portrait.export import LiteRTRunner
from keras_portrait.export import export_generator
from keras_portrait.grids import image_grid
from keras_portrait.grids import save_image
from keras_portrait.grids import to_uint8
from keras_portrait.models import CycleGAN
from keras_portrait.models import DCGAN
from keras_portrait.models import GauGAN
from keras_portrait.models import ImageClassifier
from keras_portrait.models import LinearDecay
from keras_portrait.models import RotationGAN
from keras_portrait.models import StarGAN
from keras_portrait.models import WGANGP
from keras_portrait.models import BaseGAN
from keras_portrait.models.callbacks import NonFiniteLossError
from keras_portrait.models.rotation import rotate
from keras_portrait.models.rotation import rotation_row
from keras_portrait.models.rotation import rotation_pairs
from keras_portrait.models.rotation import synth_rotation_pairs
from keras_portrait.models.cycle_gan import evaluate_translation
from keras_portrait.models.gaugan import evaluate_synthesis
from keras_portrait.models.stargan import evaluate_expressions
from keras_portrait.models.rotation import evaluate_rotation
from keras_portrait.models.rotation import evaluate_rotation_pairs
from keras_portrait.models.callbacks import SampleGrid
from keras_portrait.models.classifier import fit_classifier
from keras_portrait.models.classifier import train_expression_classifier
from keras_portrait.models.training import train
