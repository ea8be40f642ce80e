"""`export_generator`: a trained generator → SavedModel and builtins-only .tflite files + cards."""

import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from keras_portrait.export import card as cards
from keras_portrait.export.parity import compare
from keras_portrait.export.parity import reference_outputs
from keras_portrait.export.label_input import LABEL_INPUT
from keras_portrait.export.label_input import domains_in_turn
from keras_portrait.export.label_input import label_card
from keras_portrait.export.label_input import label_length
from keras_portrait.export.label_input import label_vectors
from keras_portrait.export.mask_input import is_mask_generator
from keras_portrait.export.quantization import calibration_data
from keras_portrait.export.quantization import quantize_int8
from keras_portrait.export.runner import LiteRTRunner
from keras_portrait.export.runner import operator_names
from keras_portrait.export.savedmodel import as_uint8_images
from keras_portrait.export.savedmodel import check_input_type
from keras_portrait.export.savedmodel import export_saved_model
from keras_portrait.export.savedmodel import resize_uint8
from keras_portrait.export.savedmodel import to_boundary

FORMATS = ("saved_model", "fp32", "fp16", "int8_dynamic", "int8")
PARITY_IMAGES = 8

# How each .tflite format stores weights and activations (the card's `quantization`).
QUANTIZATION = {
    "fp32": {"weights": "float32", "activations": "float32"},
    "fp16": {"weights": "float16 (dequantized to float32 at load)", "activations": "float32"},
    "int8_dynamic": {"weights": "int8 per-channel", "activations": "float32, int8 on the fly"},
    "int8": {"weights": "int8 per-channel", "activations": "int8 (calibrated); the "
             "instance-norm statistics in float32 between QUANTIZE/DEQUANTIZE"},
}


def export_generator(
    model,
    out_dir,
    image_size=None,
    formats=FORMATS,
    input_type="uint8",
    representative_data=None,
    parity_data=None,
    card=None,
    name="generator",
    num_threads=2,
    parity_labels=None,
    domain_names=None,
    label_type=None,
):
    """Exports an image-to-image generator for mobile: SavedModel and .tflite files, each + card.

    Every file holds the pre- and post-processing (`inference_graph`): it takes and gives RGB
    NHWC images of `image_size`², batch 1, as uint8 [0, 255] or float32 [0, 1]. The .tflite
    files use TFLite builtin ops only (no Flex), so they run on the plain LiteRT runtime. Beside
    each output `<path>` a `<path>.json` card records the input/output, the versions, the
    parity against the Keras generator on `parity_data` and the LiteRT latency.

    A generator with a label input (a StarGAN, or a functional model with inputs `[image,
    label]`) exports with a second input "label", float32 `(1, L)`: one-hot for class models,
    multi-hot for attribute models. Its card has a `label_input` entry (length, domain names,
    label type, encoding); parity pairs the images with `parity_labels` (default: one-hots of
    the domains in turn, image i → domain i mod L); full int8 calibrates on the images of
    `representative_data` with its labels when it yields `(images, labels)` pairs, else with
    one-hots of the domains in turn. Measured on a tiny StarGAN (8 filters, 1 block, 32², 24
    calibration SynthPortraits with their expressions, 8 held out; float I/O;
    tests/export/test_stargan_export.py), max / mean abs error in [0, 1] units: fp32 8.4e-6 /
    6.1e-7, fp16 1.7e-3 / 1.8e-4, int8_dynamic 0.058 / 0.0074, int8 0.17 / 0.021 (uint8 I/O:
    the same, fp32 one grey level at a rounding tie).

    A RotationGAN (a generator of `[render, holes]`) goes to `export_render_generator`, with
    `{"render", "holes", "target"}` batches as `representative_data` and `parity_data`.
    A GauGAN (a generator of `[mask, code, metadata]`) goes to `export_mask_generator`, with
    `input_type` as its `output_type` and GauGAN batches as `representative_data` and
    `parity_data`; the label arguments do not apply to it.

    Args:
        model: keras.Model. Maps [-1, 1] images (or `[images, labels]`) to [-1, 1] images of
            the same size: a generator, or a GAN whose `call()` is its generator's inference
            path.
        out_dir: str. Folder of the outputs (created when missing).
        image_size: int or None. Side of the square input of the files. Defaults to `None`:
            256, or a GauGAN's own size.
        formats: sequence of str, from `FORMATS`: "saved_model", "fp32", "fp16",
            "int8_dynamic" (int8 weights, float activations) and "int8" (full integer,
            calibrated on `representative_data`). Defaults to all.
        input_type: str. "uint8" ([0, 255]) or "float" ([0, 1]), for input and output alike.
            Defaults to `"uint8"`.
        representative_data: iterable or `tf.data.Dataset` of images or batches of images from
            the training data, uint8 [0, 255] or float [-1, 1] (for a label input also
            `(images, labels)` pairs: class ids or label vectors); up to 128 are used to
            calibrate "int8", which needs it. Defaults to `None`.
        parity_data: images (N, H, W, 3) on which the cards measure parity, uint8 or float
            [-1, 1]. Defaults to the first 8 calibration images if any, else 8 seeded
            uniform-noise images.
        card: dict or None. Fields copied into every card, e.g.
            `{"family": "CycleGAN", "direction": "photo→painting"}`. `family` defaults to the
            model's class name (or its name, for a functional generator).
        name: str. Stem of the file names (`<name>_<format>.tflite`). Defaults to `"generator"`.
        num_threads: int. LiteRT threads for the parity and latency figures. Defaults to `2`.
        parity_labels: for a label input, class ids (N,) or label vectors (N, L) paired with
            the parity images. Defaults to one-hots of the domains in turn.
        domain_names: sequence of str or None. The card's names of the label's entries.
            Defaults to the model's `domain_names` (a StarGAN's), else `domain0, domain1, …`.
        label_type: str or None. "class" or "attributes", for the card. Defaults to the
            model's `label_type`, else "class".

    Returns:
        dict format → its card (with `path`: the written file or folder).
    """
    if is_mask_generator(model):
        if (parity_labels, domain_names, label_type) != (None, None, None):
            raise ValueError("`parity_labels`, `domain_names` and `label_type` apply to a "
                             "generator with a label input, not to a GauGAN.")
        from keras_portrait.export.mask_generator import export_mask_generator  # noqa: PLC0415

        return export_mask_generator(
            model, out_dir, image_size=image_size, formats=formats, output_type=input_type,
            representative_data=representative_data, parity_data=parity_data, card=card,
            name=name, num_threads=num_threads,
        )
    image_size = 256 if image_size is None else image_size
    from keras_portrait.export import render_input  # noqa: PLC0415  (imports this module)

    if render_input.is_render_generator(model):
        if (parity_labels, domain_names, label_type) != (None, None, None):
            raise ValueError("`parity_labels`, `domain_names` and `label_type` apply to a "
                             "generator with a label input, not to a RotationGAN.")
        return render_input.export_render_generator(
            model, out_dir, image_size=image_size, formats=formats, input_type=input_type,
            representative_data=representative_data, parity_data=parity_data, card=card,
            name=name, num_threads=num_threads,
        )
    formats = _check_formats(formats)
    check_input_type(input_type)
    if "int8" in formats and representative_data is None:
        raise ValueError(
            '`formats` includes "int8", which needs `representative_data`: an iterable or '
            "tf.data.Dataset of images from the training data to calibrate the activations. "
            "Received: representative_data=None"
        )
    length = label_length(model)
    label = None
    if length is not None:
        label = label_card(model, length, 1, domain_names, label_type)
    elif (parity_labels, domain_names, label_type) != (None, None, None):
        raise ValueError(
            "`parity_labels`, `domain_names` and `label_type` apply to a generator with a "
            "label input; this one takes images only."
        )
    os.makedirs(out_dir, exist_ok=True)
    extra = {"family": _family(model), **(card or {})}
    calibration = calibration_labels = None
    if "int8" in formats:
        calibration, calibration_labels = calibration_data(
            representative_data, image_size, length
        )
    images, source = _parity_images(parity_data, calibration, image_size)
    inputs, sources = {}, {"source": source}
    if length is not None:
        if parity_labels is None:
            inputs[LABEL_INPUT] = domains_in_turn(len(images), length)
            sources["labels"] = "one-hot, the domains in turn (image i → domain i mod L)"
        else:
            inputs[LABEL_INPUT] = label_vectors(parity_labels, length, len(images))
            sources["labels"] = "parity_labels"
    reference = reference_outputs(model, images, input_type, inputs.get(LABEL_INPUT))

    keep_saved_model = "saved_model" in formats
    saved_model_dir = (os.path.join(out_dir, f"{name}_saved_model") if keep_saved_model
                       else tempfile.mkdtemp(prefix="keras_portrait_export_"))
    try:
        graph = export_saved_model(model, saved_model_dir, image_size, input_type)
        shape = tuple(graph.inputs[0].shape)
        results = {}
        if keep_saved_model:
            outputs = _run_saved_model(saved_model_dir, to_boundary(images, input_type),
                                       inputs.get(LABEL_INPUT))
            results["saved_model"] = _finish(
                "saved_model", saved_model_dir, shape, input_type,
                {**compare(reference, outputs), **sources}, extra=extra, label=label,
            )
        for fmt in formats:
            if fmt == "saved_model":
                continue
            content = convert(saved_model_dir, fmt, input_type, calibration, calibration_labels)
            path = os.path.join(out_dir, f"{name}_{fmt}.tflite")
            with open(path, "wb") as f:
                f.write(content)
            runner = LiteRTRunner(path, num_threads=num_threads)
            quantization = dict(QUANTIZATION[fmt])
            if fmt == "int8":
                quantization["calibration_images"] = int(len(calibration))
                if calibration_labels is not None:
                    quantization["calibration_labels"] = (
                        "the data's labels where it has them, else one-hots of the domains "
                        "in turn"
                    )
            latency = latency_entry(runner)
            results[fmt] = _finish(
                fmt, path, shape, input_type,
                {**compare(reference, runner(to_boundary(images, input_type), **inputs)),
                 **sources},
                latency=latency, operators=operator_names(content),
                quantization=quantization, extra=extra, label=label,
            )
    finally:
        if not keep_saved_model:
            shutil.rmtree(saved_model_dir, ignore_errors=True)
    return results


def convert(saved_model_dir, fmt, input_type="uint8", calibration=None,
            calibration_labels=None):
    """The .tflite bytes of a SavedModel of `inference_graph` in one format (builtins only).

    Args:
        saved_model_dir: str. A SavedModel written by `export_saved_model`.
        fmt: str. "fp32", "fp16", "int8_dynamic" or "int8".
        input_type: str. The graph's input type, "uint8" or "float".
        calibration: uint8 images (N, H, W, 3) at the graph's size; needed for "int8".
        calibration_labels: float32 label vectors (N, L) paired with `calibration`, for a graph
            with a label input.
    """
    if fmt == "int8":
        if calibration is None:
            raise ValueError('The "int8" format needs calibration images.')
        return quantize_int8(saved_model_dir, calibration, input_type,
                             labels=calibration_labels)
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


def _check_formats(formats):
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


def _family(model):
    from keras_portrait.models.base_gan import BaseGAN  # noqa: PLC0415

    return type(model).__name__ if isinstance(model, BaseGAN) else model.name


def _parity_images(parity_data, calibration, image_size):
    """The parity images (uint8) and how the card names their source."""
    if parity_data is not None:
        return resize_uint8(as_uint8_images(parity_data), image_size), "parity_data"
    if calibration is not None:
        return calibration[:PARITY_IMAGES], "calibration images (in-sample)"
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (PARITY_IMAGES, image_size, image_size, 3), dtype=np.uint8)
    return noise, "uniform noise, seed 0"


def _run_saved_model(path, images, labels=None):
    loaded = tf.saved_model.load(path)  # keep the object alive: `serve` holds weak refs
    return np.concatenate([
        loaded.serve(images[i : i + 1] if labels is None
                     else [images[i : i + 1], labels[i : i + 1]]).numpy()
        for i in range(len(images))
    ])


def _finish(fmt, path, shape, input_type, parity, **kwargs):
    card = cards.make_card(fmt, path, shape, input_type, parity, **kwargs)
    card["path"] = os.path.abspath(path)
    cards.write_card(path, card)
    return card

