"""`export_mask_generator`: a GauGAN → SavedModel and builtins-only .tflite files + cards."""

import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from keras_portrait.export import card as cards
from keras_portrait.export.mask_input import MASK_INPUT
from keras_portrait.export.mask_input import mask_input_cards
from keras_portrait.export.mask_input import random_samples
from keras_portrait.export.mask_input import style_encoder_graph
from keras_portrait.export.mask_input import synthesis_graph
from keras_portrait.export.mask_input import synthesis_samples
from keras_portrait.export.parity import compare
from keras_portrait.export.quantization import quantize_int8_inputs
from keras_portrait.export.runner import LiteRTRunner
from keras_portrait.export.runner import operator_names
from keras_portrait.export.savedmodel import check_input_type
from keras_portrait.export.savedmodel import from_boundary
from keras_portrait.export.savedmodel import to_boundary
from keras_portrait.export.tflite import FORMATS
from keras_portrait.export.tflite import PARITY_IMAGES
from keras_portrait.export.tflite import QUANTIZATION
from keras_portrait.export.tflite import _check_formats
from keras_portrait.export.tflite import _family
from keras_portrait.export.tflite import _finish
from keras_portrait.export.tflite import convert
from keras_portrait.export.tflite import latency_entry

# Style-encoder files: the float formats only (it runs once per style image, not per frame).
ENCODER_FORMATS = ("fp32", "fp16")


def export_mask_generator(
    gan,
    out_dir,
    image_size=None,
    formats=FORMATS,
    output_type="uint8",
    representative_data=None,
    parity_data=None,
    card=None,
    name="generator",
    num_threads=2,
    style_encoder=True,
):
    """Exports a GauGAN's generator for mobile: inputs mask, code, metadata → one image.

    The files take "mask" uint8 `(1, S, S)` class ids (one-hot inside the graph, TFLite
    ONE_HOT), "code" float32 `(1, code_dim)` and, when the model has metadata, "metadata"
    float32 `(1, M)` (see `mask_input`); they give the RGB image, uint8 [0, 255] or float32
    [0, 1]. The app draws the code N(0, 1) for a random style or takes it from the style
    encoder, which `style_encoder=True` also exports (`style_encoder_fp32.tflite`, …: an image
    "images" at the same size and `output_type` → the code's mean `mu`, float32). Builtin ops
    only. Each card lists the inputs (mask classes, metadata names, code size), the parity
    against the Keras graph and the LiteRT latency.

    Parity and calibration use masks and metadata of the data with codes drawn two ways, the
    encoder's `mu` of the example's image (even examples) and N(0, 1) (odd). Measured on a tiny
    GauGAN (tests/export/test_gaugan_export.py), max / mean abs error in [0, 1] units, uint8
    output: see export/README.md.

    Args:
        gan: a GauGAN (`keras_portrait.GauGAN`).
        out_dir: str. Folder of the outputs (created when missing).
        image_size: int or None. The side of the mask and image; the generator's own size
            (its first layer is sized for it), which None takes. Defaults to `None`.
        formats: sequence of str, from `FORMATS`. Defaults to all.
        output_type: str. "uint8" ([0, 255]) or "float" ([0, 1]): the output image, and the
            style encoder's input. Defaults to `"uint8"`.
        representative_data: iterable or `tf.data.Dataset` of `{"image", "mask", "metadata"}`
            batches (`synth_portraits("gaugan")`, or the training data); up to 128 examples
            calibrate "int8", which needs it. Defaults to `None`.
        parity_data: the same kind of data, on which the cards measure parity (up to 8
            examples). Defaults to the first 8 calibration examples if any, else 8 uniform
            random masks, metadata and N(0, 1) codes (seed 0).
        card: dict or None. Fields copied into every card. `family` defaults to the class name.
        name: str. Stem of the generator's file names. Defaults to `"generator"`.
        num_threads: int. LiteRT threads for the parity and latency figures. Defaults to `2`.
        style_encoder: bool. Also export the style encoder in the float formats of `formats`
            ("fp32", "fp16"). Defaults to `True`.

    Returns:
        dict format → card (with `path`); the style encoder's as `style_encoder_<format>`.
    """
    formats = _check_formats(formats)
    check_input_type(output_type)
    if image_size is not None and image_size != gan.image_size:
        raise ValueError(
            f"A GauGAN exports at its own size, {gan.image_size}: its generator's first layer "
            f"is sized for it. Received: image_size={image_size}"
        )
    if "int8" in formats and representative_data is None:
        raise ValueError(
            '`formats` includes "int8", which needs `representative_data`: GauGAN batches '
            '{"image", "mask", "metadata"} to calibrate the activations. '
            "Received: representative_data=None"
        )
    os.makedirs(out_dir, exist_ok=True)
    extra = {"family": _family(gan), **(card or {})}
    calibration = calibration_images = None
    if "int8" in formats:
        calibration, calibration_images = synthesis_samples(gan, representative_data)
    inputs, images, source = _parity_inputs(gan, parity_data, representative_data,
                                            calibration, calibration_images)
    reference = _keras_outputs(synthesis_graph(gan, output_type, batch_size=None), inputs)
    inputs_card = mask_input_cards(gan)
    shape = (1, gan.image_size, gan.image_size, 3)
    sources = {"source": source, "codes": "even examples: the style encoder's mu of the "
               "example's image; odd: N(0, 1)" if images is not None else "N(0, 1)"}

    keep_saved_model = "saved_model" in formats
    saved_model_dir = (os.path.join(out_dir, f"{name}_saved_model") if keep_saved_model
                       else tempfile.mkdtemp(prefix="keras_portrait_export_"))
    results = {}
    try:
        graph = synthesis_graph(gan, output_type)
        graph.export(str(saved_model_dir), format="tf_saved_model", verbose=False)
        if keep_saved_model:
            outputs = _run_saved_model(saved_model_dir, [inputs[i.name] for i in graph.inputs])
            results["saved_model"] = _finish(
                "saved_model", saved_model_dir, shape, output_type,
                {**compare(reference, outputs), **sources}, extra=extra, inputs=inputs_card,
            )
        for fmt in formats:
            if fmt == "saved_model":
                continue
            if fmt == "int8":
                content = quantize_int8_inputs(saved_model_dir, calibration)
            else:
                content = convert(saved_model_dir, fmt)
            path = os.path.join(out_dir, f"{name}_{fmt}.tflite")
            with open(path, "wb") as f:
                f.write(content)
            runner = LiteRTRunner(path, num_threads=num_threads)
            quantization = dict(QUANTIZATION[fmt])
            if fmt == "int8":
                quantization["calibration_examples"] = int(len(calibration[MASK_INPUT]))
                quantization["mask_input"] = ("uint8 class ids; ONE_HOT runs in float "
                                              "(its int8 kernel gave wrong values), then "
                                              "QUANTIZE")
            outputs = runner(inputs[MASK_INPUT], **{k: v for k, v in inputs.items()
                                                    if k != MASK_INPUT})
            results[fmt] = _finish(
                fmt, path, shape, output_type, {**compare(reference, outputs), **sources},
                latency=latency_entry(runner), operators=operator_names(content),
                quantization=quantization, extra=extra, inputs=inputs_card,
            )
    finally:
        if not keep_saved_model:
            shutil.rmtree(saved_model_dir, ignore_errors=True)
    if style_encoder:
        encoder_images = images if images is not None else np.random.default_rng(0).integers(
            0, 256, (PARITY_IMAGES, *shape[1:]), dtype=np.uint8)
        encoder_formats = [f for f in formats if f in ENCODER_FORMATS]
        results.update(_export_style_encoder(gan, out_dir, encoder_formats, output_type,
                                             encoder_images, extra, num_threads))
    return results


def _export_style_encoder(gan, out_dir, formats, input_type, images, extra, num_threads):
    """The style encoder (image → mu) as .tflite files in `formats`, each with its card."""
    if not formats:
        return {}
    graph = style_encoder_graph(gan, input_type)
    boundary = to_boundary(images, input_type)
    reference = np.asarray(style_encoder_graph(gan, input_type, batch_size=None)(boundary))
    output = {"name": "mu", "shape": [1, int(gan.code_dim)], "dtype": "float32",
              "meaning": "the mean of the image's style code: the generator's code input"}
    saved_model_dir = tempfile.mkdtemp(prefix="keras_portrait_export_")
    results = {}
    try:
        graph.export(saved_model_dir, format="tf_saved_model", verbose=False)
        for fmt in formats:
            content = convert(saved_model_dir, fmt, input_type)
            path = os.path.join(out_dir, f"style_encoder_{fmt}.tflite")
            with open(path, "wb") as f:
                f.write(content)
            runner = LiteRTRunner(path, num_threads=num_threads)
            diff = np.abs(reference - runner(boundary))
            parity = {"max_abs": float(diff.max()), "mean_abs": float(diff.mean()),
                      "units": "code units (mu)", "images": int(len(images))}
            results[f"style_encoder_{fmt}"] = _finish(
                fmt, path, graph.inputs[0].shape, input_type, parity,
                latency=latency_entry(runner), operators=operator_names(content),
                quantization=dict(QUANTIZATION[fmt]),
                extra={**extra, "role": "style_encoder"}, output=output,
            )
    finally:
        shutil.rmtree(saved_model_dir, ignore_errors=True)
    return results


def _parity_inputs(gan, parity_data, representative_data, calibration, calibration_images):
    """(named inputs, their images or None, the card's source) of the parity examples."""
    if parity_data is not None:
        inputs, images = synthesis_samples(gan, parity_data, PARITY_IMAGES, seed=1)
        return inputs, images, "parity_data"
    if calibration is not None:
        inputs = {k: v[:PARITY_IMAGES] for k, v in calibration.items()}
        images = None if calibration_images is None else calibration_images[:PARITY_IMAGES]
        return inputs, images, "calibration examples (in-sample)"
    if representative_data is not None:
        inputs, images = synthesis_samples(gan, representative_data, PARITY_IMAGES)
        return inputs, images, "calibration examples (in-sample)"
    return random_samples(gan, PARITY_IMAGES), None, "uniform random masks, seed 0"


def _keras_outputs(graph, inputs):
    """The Keras graph's outputs on the named inputs, in [0, 1] units."""
    count = len(inputs[MASK_INPUT])
    outputs = []
    for i in range(0, count, 8):
        batch = [inputs[tensor.name][i : i + 8] for tensor in graph.inputs]
        outputs.append(from_boundary(graph(batch, training=False)))
    return np.concatenate(outputs)


def _run_saved_model(path, arrays):
    loaded = tf.saved_model.load(path)  # keep the object alive: `serve` holds weak refs
    return np.concatenate([
        loaded.serve([a[i : i + 1] for a in arrays]).numpy() for i in range(len(arrays[0]))
    ])

