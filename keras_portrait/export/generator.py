"""`export_generator`: a trained generator → SavedModel and builtins-only .tflite files + cards.

One flow for every family: the signature (inputs, network, parts, size) comes from the model's
family spec (`signature`), the boundary of each input from its kind (`boundary`), the
calibration and parity examples from the data or drawn per kind (`samples`).
"""

import dataclasses
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from keras_portrait.export import card as cards
from keras_portrait.export.boundary import check_input_type
from keras_portrait.export.boundary import to_file
from keras_portrait.export.label_input import domains_in_turn
from keras_portrait.export.label_input import label_vectors
from keras_portrait.export.parity import compare
from keras_portrait.export.parity import compare_values
from keras_portrait.export.parity import keras_outputs
from keras_portrait.export.runner import LiteRTRunner
from keras_portrait.export.runner import operator_names
from keras_portrait.export.samples import DATA_KINDS
from keras_portrait.export.samples import MAX_CALIBRATION
from keras_portrait.export.samples import PARITY_EXAMPLES
from keras_portrait.export.samples import count_of
from keras_portrait.export.samples import data_examples
from keras_portrait.export.samples import random_examples
from keras_portrait.export.samples import random_source
from keras_portrait.export.savedmodel import part_graph
from keras_portrait.export.savedmodel import write_saved_model
from keras_portrait.export.signature import GENERATOR
from keras_portrait.export.signature import signature
from keras_portrait.export.tflite import FORMATS
from keras_portrait.export.tflite import QUANTIZATION
from keras_portrait.export.tflite import check_formats
from keras_portrait.export.tflite import convert
from keras_portrait.export.tflite import latency_entry

LABEL_ARGUMENTS = "`parity_labels`, `domain_names` and `label_type`"
DOMAINS_IN_TURN = "one-hot, the domains in turn (image i → domain i mod L)"
CALIBRATION_LABELS = "the data's labels where it has them, else one-hots of the domains in turn"
MASK_QUANTIZATION = ("uint8 class ids; ONE_HOT runs in float (its int8 kernel gave wrong "
                     "values), then QUANTIZE")


@dataclasses.dataclass(frozen=True)
class _Target:
    """Where and how one export writes its files."""

    out_dir: str
    stem: str
    input_type: str
    num_threads: int
    extra: dict
    image_size: int
    per_channel: bool = True
    range_percentile: float = None


def export_generator(model, out_dir, image_size=None, formats=FORMATS, input_type="uint8",
                     representative_data=None, parity_data=None, card=None, name="generator",
                     num_threads=2, parity_labels=None, domain_names=None, label_type=None,
                     parts=None, per_channel=True, range_percentile=None):
    """Exports a trained generator for mobile: SavedModel and .tflite files, each with a card.

    The inputs come from the model's family spec (`keras_portrait.registry`), built at the
    boundary by their kinds (`inference_graph`); a model of no registered family is an
    image-to-image generator (with a "label" input when it takes `[images, label]`). The
    .tflite files use TFLite builtin ops only. Each file's `<file>.json` card records its
    inputs and output, versions, parity against the Keras graph and LiteRT latency
    (figures: export/README.md).

    Args:
        model: keras.Model. A GAN of a registered family (its `call()` is its generator's
            inference path), or a generator of [-1, 1] images (or `[images, labels]`).
        out_dir: str. Folder of the outputs (created when missing).
        image_size: int or None. Side of the files' images. Defaults to the family's (256).
        formats: sequence of str from `FORMATS` ("int8": full integer, calibrated on
            `representative_data`). Defaults to all.
        input_type: str. "uint8" ([0, 255]) or "float" ([0, 1]): the images in and out.
        representative_data: iterable or `tf.data.Dataset` of training data: images,
            `(images, labels)` pairs or dicts of the inputs (`{"image", "mask", ...}`),
            batched or not; up to 128 examples calibrate "int8", which needs it.
        parity_data: images (N, H, W, 3), or data like `representative_data` (8 examples)
            for the cards' parity. Defaults to 8 examples of `representative_data`, else 8
            drawn from seed 0 (`samples.random_examples`).
        card: dict or None. Fields copied into every card. `family` defaults to the model's
            class name (a functional generator's name).
        name: str. Stem of the generator's files (`<name>_<format>.tflite`).
        num_threads: int. LiteRT threads for parity and latency. Defaults to `2`.
        parity_labels: for a label input, class ids (N,) or vectors (N, L) paired with the
            parity images. Defaults to one-hots of the domains in turn (image i → i mod L).
        domain_names: sequence of str or None. The label's entries. Defaults to the family's.
        label_type: str or None. "class" or "attributes". Defaults to the family's, "class".
        parts: sequence of str or None. The networks to export: "generator" and the family's
            `export_parts` (e.g. "style_encoder"). Defaults to all.
        per_channel: bool. "int8" weights with a scale per output channel; `False`: one per
            weight tensor (a smaller file where the network has many narrow layers).
            Defaults to `True`.
        range_percentile: float or None. "int8" activation ranges: None, min and max over
            the calibration images; e.g. 99.95, each large tensor's range without its rarest
            values (`quantization.measured_ranges`). Defaults to `None`.

    Returns:
        dict format → its card (with `path`); another part's as `<part>_<format>`.
    """
    formats = check_formats(formats)
    check_input_type(input_type)
    export = signature(model, image_size, domain_names, label_type)
    _check_label_arguments(export, (parity_labels, domain_names, label_type))
    selected = _selected_parts(export, parts)
    calibration = _calibration(model, export, formats, representative_data)
    os.makedirs(out_dir, exist_ok=True)
    examples, sources = _parity_examples(model, export, parity_data, representative_data,
                                         calibration, parity_labels)
    target = _Target(out_dir, name, input_type, num_threads,
                     {"family": export.family, **(card or {})}, export.image_size, per_channel,
                     range_percentile)
    results = {}
    for part in selected:
        results.update(_export_part(part, target, formats, examples, sources,
                                    calibration and calibration[0]))
    return results


def _check_label_arguments(export, arguments):
    if all(argument is None for argument in arguments):
        return
    if any(item.kind == "label" for item in export.generator.inputs):
        return
    if export.described:
        raise ValueError(f"{LABEL_ARGUMENTS} apply to a generator with a label input, not to "
                         f"a {export.family}.")
    raise ValueError(f"{LABEL_ARGUMENTS} apply to a generator with a label input; this one "
                     "takes images only.")


def _selected_parts(export, parts):
    names = [part.name for part in export.parts]
    if parts is None:
        return export.parts
    parts = (parts,) if isinstance(parts, str) else tuple(parts)
    unknown = [name for name in parts if name not in names]
    if unknown or not parts:
        raise ValueError(f"`parts` must name some of {names}. Received: parts={parts!r}")
    return tuple(part for part in export.parts if part.name in parts)


def _calibration(model, export, formats, representative_data):
    """(examples, sources) that calibrate "int8", or None without it."""
    if "int8" not in formats:
        return None
    if representative_data is None:
        raise ValueError('`formats` includes "int8", which needs `representative_data`: '
                         "examples of the training data to calibrate the activations. "
                         "Received: representative_data=None")
    return _examples(model, export, representative_data, MAX_CALIBRATION, seed=0)


def _examples(model, export, data, max_examples, seed):
    """(examples, sources) of every part's inputs from `data`, completed by the family."""
    required = [item for item in export.generator.inputs if item.kind in DATA_KINDS]
    if not required:
        raise ValueError("The generator has no image, mask or holes input to read from data.")
    examples = data_examples(export.part_inputs(), required, data, export.image_size,
                             max_examples, seed)
    return export.samples(model, examples, seed)


def _parity_examples(model, export, parity_data, representative_data, calibration,
                     parity_labels):
    """(examples, sources) on which the cards measure parity."""
    kind = "images" if export.generator.image_to_image else "examples"
    if parity_data is not None:
        whole = isinstance(parity_data, np.ndarray) or tf.is_tensor(parity_data)
        examples, sources = _examples(model, export, [parity_data] if whole else parity_data,
                                      None if whole else PARITY_EXAMPLES, seed=1)
        source = "parity_data"
    elif calibration is not None:
        examples = {key: value[:PARITY_EXAMPLES] for key, value in calibration[0].items()}
        sources, source = calibration[1], f"calibration {kind} (in-sample)"
    elif representative_data is not None:
        examples, sources = _examples(model, export, representative_data, PARITY_EXAMPLES,
                                      seed=0)
        source = f"calibration {kind} (in-sample)"
    else:
        inputs = export.generator.inputs
        examples, sources = export.samples(model, random_examples(inputs, export.image_size),
                                           0)
        source = random_source(inputs)
    sources = {"source": source, **sources}
    count = count_of(examples)
    for item in export.generator.inputs:  # labels: the caller's, else the domains in turn
        if item.kind == "label" and parity_labels is None:
            examples[item.name] = domains_in_turn(count, item.length)
            sources["labels"] = DOMAINS_IN_TURN
        elif item.kind == "label":
            examples[item.name] = label_vectors(parity_labels, item.length, count)
            sources["labels"] = "parity_labels"
    return examples, sources


def _export_part(part, target, formats, examples, sources, calibration):
    """The files of one part in each of `formats` it allows, with their cards."""
    formats = [fmt for fmt in formats if part.allows(fmt)]
    if not formats:
        return {}
    size, input_type = target.image_size, target.input_type
    if not all(item.name in examples for item in part.inputs):  # e.g. data without images
        examples = random_examples(part.inputs, size)
        sources = {"source": random_source(part.inputs)}
    elif part.name != GENERATOR:
        sources = {"source": sources["source"]}
    files = {item.name: to_file(item, examples[item.name], input_type) for item in part.inputs}
    reference = keras_outputs(part_graph(part, size, input_type, batch_size=None),
                              list(files.values()), image_out=part.output is None)
    prefix = "" if part.name == GENERATOR else f"{part.name}_"
    keep = "saved_model" in formats
    stem = target.stem if part.name == GENERATOR else part.name
    saved_model_dir = (os.path.join(target.out_dir, f"{stem}_saved_model") if keep
                       else tempfile.mkdtemp(prefix="keras_portrait_export_"))
    results = {}
    try:
        write_saved_model(part_graph(part, size, input_type), saved_model_dir)
        if keep:
            outputs = _run_saved_model(saved_model_dir, list(files.values()))
            results[prefix + "saved_model"] = _finish("saved_model", saved_model_dir, part, target,
                                                      _parity(part, reference, outputs,
                                                              sources))
        for fmt in formats:
            if fmt != "saved_model":
                results[prefix + fmt] = _write_tflite(fmt, part, target, saved_model_dir,
                                                      files, (reference, sources), calibration)
    finally:
        if not keep:
            shutil.rmtree(saved_model_dir, ignore_errors=True)
    return results


def _write_tflite(fmt, part, target, saved_model_dir, files, measured, calibration):
    """Converts, writes and measures one .tflite file; returns its card."""
    quantization = dict(QUANTIZATION[fmt])
    inputs = None
    if fmt == "int8":
        inputs = {item.name: to_file(item, calibration[item.name], target.input_type)
                  for item in part.inputs}
        quantization.update(_calibration_entries(part, count_of(inputs)))
        if not target.per_channel:
            quantization["weights"] = "int8 per-tensor"
        quantization["activation_ranges"] = (
            "min-max" if target.range_percentile is None
            else f"percentile {target.range_percentile:g}")
    content = convert(saved_model_dir, fmt, inputs, per_channel=target.per_channel,
                      range_percentile=target.range_percentile)
    stem = target.stem if part.name == GENERATOR else part.name
    path = os.path.join(target.out_dir, f"{stem}_{fmt}.tflite")
    with open(path, "wb") as f:
        f.write(content)
    runner = LiteRTRunner(path, num_threads=target.num_threads)
    latency = latency_entry(runner)
    others = dict(files)
    outputs = runner(others.pop(runner.input_names[0]), **others)
    reference, sources = measured
    return _finish(fmt, path, part, target, _parity(part, reference, outputs, sources),
                   latency=latency, operators=operator_names(content), quantization=quantization)


def _calibration_entries(part, count):
    """The card's `quantization` entries on what an int8 file was calibrated with."""
    entries = {"calibration_images" if part.image_to_image else "calibration_examples": count}
    for item in part.inputs:
        if item.kind == "label":
            entries["calibration_labels"] = CALIBRATION_LABELS
        elif item.kind == "mask":
            entries[f"{item.name}_input"] = MASK_QUANTIZATION
    return entries


def _parity(part, reference, outputs, sources):
    if part.output is None:
        return {**compare(reference, outputs), **sources}
    return {**compare_values(reference, outputs, part.parity_units or "output units"),
            **sources}


def _run_saved_model(path, arrays):
    loaded = tf.saved_model.load(path)  # keep the object alive: `serve` holds weak refs
    return np.concatenate([
        loaded.serve(arrays[0][i : i + 1] if len(arrays) == 1
                     else [array[i : i + 1] for array in arrays]).numpy()
        for i in range(len(arrays[0]))
    ])


def _finish(fmt, path, part, target, parity, **measured):
    size, input_type = target.image_size, target.input_type
    card = cards.make_card(
        fmt, path, cards.input_fields(part, size, input_type),
        cards.output_entry(part.output, size, input_type), parity,
        extra={**target.extra, **part.card}, **measured,
    )
    card["path"] = os.path.abspath(path)
    cards.write_card(path, card)
    return card
