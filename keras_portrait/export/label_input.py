"""The label input of a conditional generator (StarGAN): its length, its vectors, its card entry.

A generator `G([images, label])` exports with the label as a second input of the file, named
"label", float32 `(1, L)`: a one-hot vector over the domains for class models, a multi-hot
vector of attributes for attribute models.
"""

import numpy as np

# Names of the inputs of an exported file (its signature's argument names).
IMAGE_INPUT = "images"
LABEL_INPUT = "label"
LABEL_TYPES = ("class", "attributes")
ENCODINGS = {
    "class": "one-hot: 1 at the target domain's index, 0 elsewhere",
    "attributes": "multi-hot: 1 for each attribute the output should have, 0 for the others "
                  "(start from the input image's own attributes and change some)",
}


def label_length(model):
    """Length `L` of the label input of `model`, or None for an image-only generator.

    A functional generator declares a label by a second input `(batch, L)`; a GAN without
    functional inputs (a StarGAN) by its `generator` network's.
    """
    network = model
    if _inputs(model) is None and _inputs(getattr(model, "generator", None)) is not None:
        network = model.generator
    inputs = _inputs(network)
    if inputs is None or len(inputs) == 1:
        return None
    if len(inputs) != 2:
        raise ValueError(
            "An exported generator takes images, or [images, label] (a GauGAN's [mask, code, "
            f"metadata]: `export_mask_generator`). Received a model with {len(inputs)} inputs."
        )
    shape = tuple(inputs[1].shape)
    if len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            f"The label input of a generator must have shape (batch, L). Received: {shape}"
        )
    return int(shape[-1])


def _inputs(model):
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    return list(inputs) if inputs else None


def label_vectors(labels, length, count):
    """float32 `(count, length)` label vectors of class ids or label vectors.

    Args:
        labels: integer class ids `(count,)` (one-hot encoded here), or float vectors
            `(count, length)`; for `count == 1` also one unbatched id or vector.
        length: int. The label length `L`.
        count: int. How many images the labels go with.
    """
    labels = np.asarray(labels.numpy() if hasattr(labels, "numpy") else labels)
    if np.issubdtype(labels.dtype, np.integer) and labels.shape in ((count,), (count, 1), ()):
        ids = labels.reshape(-1)
        if len(ids) != count or ids.min() < 0 or ids.max() >= length:
            raise ValueError(
                f"Class ids must be in [0, {length - 1}], one per image ({count}). "
                f"Received: {ids.tolist()[:16]}"
            )
        return np.eye(length, dtype=np.float32)[ids]
    if labels.shape == (length,) and count == 1:
        labels = labels[None]
    if labels.shape != (count, length):
        raise ValueError(
            f"Labels must be {count} integer class ids or {count} vectors of length {length}. "
            f"Received: {labels.dtype} array of shape {labels.shape}"
        )
    return labels.astype(np.float32)


def domains_in_turn(count, length):
    """One-hot vectors `(count, length)` cycling through the domains: 0, 1, …, L-1, 0, …"""
    return np.eye(length, dtype=np.float32)[np.arange(count) % length]


def label_card(model, length, batch_size=1, domain_names=None, label_type=None):
    """The card's `label_input`: name, shape, dtype, domains, label type and encoding.

    `domain_names` and `label_type` default to the model's own (a StarGAN's), else to
    `domain0, domain1, …` and "class".
    """
    names = domain_names if domain_names is not None else getattr(model, "domain_names", None)
    names = [str(n) for n in names] if names is not None else [f"domain{i}" for i in range(length)]
    if len(names) != length:
        raise ValueError(
            f"`domain_names` must name the {length} entries of the label. Received: {names}"
        )
    label_type = label_type or getattr(model, "label_type", None) or "class"
    if label_type not in LABEL_TYPES:
        raise ValueError(
            f"`label_type` must be one of {LABEL_TYPES}. Received: label_type={label_type!r}"
        )
    return {"name": LABEL_INPUT, "shape": [int(batch_size), int(length)], "dtype": "float32",
            "length": int(length), "label_type": label_type, "domains": names,
            "encoding": ENCODINGS[label_type]}
