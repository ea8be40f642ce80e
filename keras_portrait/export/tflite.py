"""Builtins-only .tflite conversion of an export SavedModel, in every format."""

import os

import tensorflow as tf

from keras_portrait.export.quantization import quantize_int8_inputs

FORMATS = ("saved_model", "fp32", "fp16", "int8_dynamic", "int8")

# How each .tflite format stores weights and activations (the card's `quantization`).
QUANTIZATION = {
    "fp32": {"weights": "float32", "activations": "float32"},
    "fp16": {"weights": "float16 (dequantized to float32 at load)", "activations": "float32"},
    "int8_dynamic": {"weights": "int8 per-channel", "activations": "float32, int8 on the fly"},
    "int8": {"weights": "int8 per-channel", "activations": "int8 (calibrated); the "
             "instance-norm statistics in float32 between QUANTIZE/DEQUANTIZE"},
}


def check_formats(formats):
    """`formats` as a tuple without repeats; a ValueError for a format not in `FORMATS`."""
    if isinstance(formats, str):
        formats = (formats,)
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(
            f"`formats` must be a non-empty sequence of {', '.join(FORMATS)}. "
            f"Received: formats={formats!r}"
        )
    return tuple(dict.fromkeys(formats))


def convert(saved_model_dir, fmt, calibration=None):
    """The .tflite bytes of an export SavedModel in one format (builtins only).

    Args:
        saved_model_dir: str. A SavedModel of a `boundary_graph` (batch 1).
        fmt: str. "fp32", "fp16", "int8_dynamic" or "int8".
        calibration: dict input name → examples in the file's dtype and range
            (`boundary.to_file`), one row each; needed for "int8".
    """
    if fmt == "int8":
        if calibration is None:
            raise ValueError('The "int8" format needs calibration examples.')
        return quantize_int8_inputs(saved_model_dir, calibration)
    if fmt not in ("fp32", "fp16", "int8_dynamic"):
        raise ValueError(f"Unknown .tflite format {fmt!r}. Valid: fp32, fp16, int8_dynamic, int8")
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if fmt in ("fp16", "int8_dynamic"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if fmt == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def latency_entry(runner):
    """The card's `latency`: LiteRT median of one invoke, threads, runtime, CPUs."""
    return {"median_ms": 1e3 * runner.latency(), "num_threads": runner.num_threads,
            "runtime": "ai_edge_litert.interpreter.Interpreter",
            "cpus_available": len(os.sched_getaffinity(0))}
