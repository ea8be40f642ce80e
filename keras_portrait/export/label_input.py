"""The "label" input kind: a class id or an attribute vector, a float32 `(1, L)` input of the file.

A one-hot vector over the domains for class labels, a multi-hot vector of attributes for
attribute labels. The data may give class ids; they are one-hot encoded here.
"""

import numpy as np

# Names of the inputs of an image-to-image file (its signature's argument names).
IMAGE_INPUT = "images"
LABEL_INPUT = "label"
LABEL_TYPES = ("class", "attributes")
ENCODINGS = {
    "class": "one-hot: 1 at the target domain's index, 0 elsewhere",
    "attributes": "multi-hot: 1 for each attribute the output should have, 0 for the others "
                  "(start from the input image's own attributes and change some)",
}


def label_length(model):
    """Length `L` of the label input of a generator `G([images, label])`, or None when it takes
    images only.

    A functional generator declares a label by a second input `(batch, L)`; a GAN without
    functional inputs by its `generator` network's.
    """
    network = model
    if _inputs(model) is None and _inputs(getattr(model, "generator", None)) is not None:
        network = model.generator
    inputs = _inputs(network)
    if inputs is None or len(inputs) == 1:
        return None
    if len(inputs) != 2:
        raise ValueError(
            "A generator without a registered family exports when it takes images, or [images, "
            f"label]. Received a model with {len(inputs)} inputs; register its family "
            "(keras_portrait.registry) to describe them."
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


def domain_names(names, length):
    """The label's entry names: `names` (checked against `length`), else `domain0, …`."""
    names = [str(n) for n in names] if names is not None else [f"domain{i}" for i in range(length)]
    if len(names) != length:
        raise ValueError(
            f"`domain_names` must name the {length} entries of the label. Received: {names}"
        )
    return names


def check_label_type(label_type):
    """`label_type`, "class" when None; a ValueError for anything else than `LABEL_TYPES`."""
    label_type = label_type or "class"
    if label_type not in LABEL_TYPES:
        raise ValueError(
            f"`label_type` must be one of {LABEL_TYPES}. Received: label_type={label_type!r}"
        )
    return label_type


def label_card(name, length, names, label_type, batch_size=1):
    """The card's entry of a label input: name, shape, dtype, domains, label type, encoding."""
    return {"name": name, "shape": [int(batch_size), int(length)], "dtype": "float32",
            "length": int(length), "label_type": label_type, "domains": list(names),
            "encoding": ENCODINGS[label_type]}
