"""Export: SavedModel, builtins-only TFLite files (fp32, fp16, int8), cards, LiteRT runner."""

from keras_portrait.export.card import read_card
from keras_portrait.export.mask_generator import export_mask_generator
from keras_portrait.export.mask_input import synthesis_graph
from keras_portrait.export.parity import parity
from keras_portrait.export.quantization import quantize_int8
from keras_portrait.export.render_input import LiteRTCleaner
from keras_portrait.export.render_input import export_render_generator
from keras_portrait.export.runner import LiteRTRunner
from keras_portrait.export.runner import custom_operators
from keras_portrait.export.runner import operator_names
from keras_portrait.export.savedmodel import export_saved_model
from keras_portrait.export.savedmodel import inference_graph
from keras_portrait.export.tflite import FORMATS
from keras_portrait.export.tflite import convert
from keras_portrait.export.tflite import export_generator

__all__ = [
    "FORMATS",
    "LiteRTCleaner",
    "LiteRTRunner",
    "convert",
    "custom_operators",
    "export_generator",
    "export_mask_generator",
    "export_render_generator",
    "export_saved_model",
    "inference_graph",
    "operator_names",
    "parity",
    "quantize_int8",
    "read_card",
    "synthesis_graph",
]
