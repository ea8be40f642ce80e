"""The JSON card written beside every exported file: what it takes, gives, and how good it is."""

import json
import os

import tensorflow as tf

from keras_portrait.export.boundary import INPUT_TYPES
from keras_portrait.export.label_input import label_card
from keras_portrait.version import __version__

CARD_SUFFIX = ".json"


def _versions():
    import ai_edge_litert  # noqa: PLC0415
    from importlib import metadata  # noqa: PLC0415

    try:
        litert = metadata.version("ai-edge-litert")
    except metadata.PackageNotFoundError:  # pragma: no cover
        litert = getattr(ai_edge_litert, "__version__", "unknown")
    return {"keras_portrait": __version__, "tensorflow": tf.__version__, "ai_edge_litert": litert}


def image_spec(shape, input_type):
    dtype, value_range = INPUT_TYPES[input_type]
    return {"shape": [int(d) for d in shape], "dtype": dtype, "range": list(value_range),
            "layout": "NHWC", "channels": "RGB"}


def input_fields(part, image_size, input_type):
    """The card's description of a file's inputs.

    A file of one image (and a label) has `input` (the image) and `label_input`; any other has
    `inputs`, a list of one entry per input (name, shape, dtype and what the kind adds), or a
    dict name → entry when the part says so (`inputs_by_name`).
    """
    inputs = part.inputs
    if part.image_to_image:
        fields = {"input": image_spec((1, image_size, image_size, 3), input_type)}
        for item in inputs:
            if item.kind == "label":
                fields["label_input"] = input_entry(item, image_size, input_type)
        return fields
    entries = [input_entry(item, image_size, input_type) for item in inputs]
    if part.inputs_by_name:
        return {"inputs": {entry["name"]: entry for entry in entries}}
    return {"inputs": entries}


def input_entry(item, image_size, input_type):
    """The card's entry of one input (an `ExportInput` with concrete length and names)."""
    size, length = image_size, item.length
    if item.kind == "image":
        entry = {"name": item.name, **image_spec((1, size, size, 3), input_type)}
    elif item.kind == "label":
        entry = label_card(item.name, length, item.names, item.label_type)
    elif item.kind == "mask":
        entry = {"name": item.name, "shape": [1, size, size], "dtype": "uint8",
                 "classes": list(item.names),
                 "encoding": "one class id per pixel, one-hot inside the graph (ids >= "
                             f"{length} encode as no class)"}
    elif item.kind == "holes":
        entry = {"name": item.name, "shape": [1, size, size], "dtype": "uint8"}
    else:
        entry = {"name": item.name, "shape": [1, length], "dtype": "float32", "size": length}
        if item.names is not None:
            entry["names"] = list(item.names)
        if item.value_range is not None:
            entry["range"] = [float(v) for v in item.value_range]
    return {**entry, **item.card}


def output_entry(output, image_size, input_type):
    """The card's `output`: an image like the image inputs, or a vector `output`."""
    if output is None:
        return image_spec((1, image_size, image_size, 3), input_type)
    return {"name": output.name, "shape": [1, output.length], "dtype": "float32",
            **output.card}


def make_card(fmt, path, inputs, output, parity, latency=None, operators=None,
              quantization=None, extra=None):
    """The card of one exported file.

    Args:
        fmt: str. The format ("saved_model", "fp32", "fp16", "int8_dynamic", "int8").
        path: str. The file (or SavedModel folder).
        inputs: dict. The inputs' fields (`input_fields`).
        output: dict. The output's entry (`output_entry`).
        parity: dict. Figures against the Keras graph.
        latency: dict or None. LiteRT timing.
        operators: list of str or None. The .tflite operator names.
        quantization: dict or None. How weights and activations are stored.
        extra: dict or None. Caller's fields (family, direction, domains, ...); they come first
            and cannot overwrite the measured fields.
    """
    card = dict(extra or {})
    card.update({
        "format": fmt,
        "file": os.path.basename(os.path.normpath(path)),
        "file_size_bytes": _size(path),
        **inputs,
        "output": output,
        "versions": _versions(),
        "parity_vs_keras": parity,
        "latency": latency,
        "operators": operators,
        "quantization": quantization,
    })
    return card


def card_path(path):
    return os.path.normpath(path) + CARD_SUFFIX


def write_card(path, card):
    """Writes `card` beside `path` (`<path>.json`) and returns the card's path."""
    target = card_path(path)
    with open(target, "w") as f:
        json.dump(card, f, indent=2, sort_keys=False)
        f.write("\n")
    return target


def read_card(path):
    """The card of an exported file (pass the file, or the card itself)."""
    target = path if path.endswith(CARD_SUFFIX) else card_path(path)
    with open(target) as f:
        return json.load(f)


def _size(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(root, name))
                   for root, _, names in os.walk(path) for name in names)
    return os.path.getsize(path)
