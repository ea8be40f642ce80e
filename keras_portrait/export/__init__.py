"""Export: SavedModel, builtins-only TFLite files (fp32, fp16, int8), cards, LiteRT runner.

One flow for every family (`export_generator`): the signature comes from the model's family
spec (`keras_portrait.registry`), the boundary of each input from its kind.
"""

from keras_portrait.export.card import read_card
from keras_portrait.export.generator import export_generator
from keras_portrait.export.parity import parity
from keras_portrait.export.quantization import quantize_int8
from keras_portrait.export.runner import LiteRTCleaner
from keras_portrait.export.runner import LiteRTRunner
from keras_portrait.export.runner import custom_operators
from keras_portrait.export.runner import operator_names
from keras_portrait.export.savedmodel import export_saved_model
from keras_portrait.export.savedmodel import inference_graph
from keras_portrait.export.tflite import FORMATS
from keras_portrait.export.tflite import convert

__all__ = [
    "FORMATS",
    "LiteRTCleaner",
    "LiteRTRunner",
    "convert",
    "custom_operators",
    "export_generator",
    "export_saved_model",
    "inference_graph",
    "operator_names",
    "parity",
    "quantize_int8",
    "read_card",
]
