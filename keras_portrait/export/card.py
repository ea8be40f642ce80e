"""The JSON card written beside every exported file: what it takes, gives, and how good it is."""

import json
import os

import tensorflow as tf

from keras_portrait.export.savedmodel import INPUT_TYPES

CARD_SUFFIX = ".json"


def _versions():
    import ai_edge_litert  # noqa: PLC0415
    from importlib import metadata  # noqa: PLC0415

    from keras_portrait import __version__  # noqa: PLC0415  (export is imported by the package)

    try:
        litert = metadata.version("ai-edge-litert")
    except metadata.PackageNotFoundError:  # pragma: no cover
        litert = getattr(ai_edge_litert, "__version__", "unknown")
    return {"keras_portrait": __version__, "tensorflow": tf.__version__, "ai_edge_litert": litert}


def image_spec(shape, input_type):
    dtype, value_range = INPUT_TYPES[input_type]
    return {"shape": [int(d) for d in shape], "dtype": dtype, "range": list(value_range),
            "layout": "NHWC", "channels": "RGB"}


def make_card(fmt, path, shape, input_type, parity, latency=None, operators=None,
              quantization=None, extra=None, label=None, inputs=None, output=None):
    """The card of one exported file.

    Args:
        fmt: str. The format ("saved_model", "fp32", "fp16", "int8_dynamic", "int8").
        path: str. The file (or SavedModel folder).
        shape: tuple. The input shape, also the output shape (the output's alone with
            `inputs`).
        input_type: str. "uint8" or "float" (of the output alone with `inputs`).
        parity: dict. `compare` figures against the Keras generator.
        latency: dict or None. LiteRT timing.
        operators: list of str or None. The .tflite operator names.
        quantization: dict or None. How weights and activations are stored.
        extra: dict or None. Caller's fields (family, direction, domains, ...); they come first
            and cannot overwrite the measured fields.
        label: dict or None. The `label_input` of a generator with a label input (see
            `label_input.label_card`): the file's second input, after "images".
        inputs: list of dict or None. The inputs of a file that takes no image (a GauGAN's
            mask, code and metadata, `mask_input.mask_input_cards`): the card's `inputs`
            instead of its `input`.
        output: dict or None. The output, when it is not an image like the input (a style
            encoder's code).
    """
    spec = image_spec(shape, input_type)
    card = dict(extra or {})
    card.update({
        "format": fmt,
        "file": os.path.basename(os.path.normpath(path)),
        "file_size_bytes": _size(path),
        **({"input": spec} if inputs is None else {"inputs": inputs}),
        **({"label_input": label} if label is not None else {}),
        "output": dict(spec) if output is None else output,
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
