"""What an export of one model writes, read from its family's spec (`registry.of_model`).

`signature(model)` resolves the spec for the model: the generator's inputs (lengths and names
made concrete), the network its files run, the parts exported beside it, the files' size and
the family's hook on the calibration and parity examples. A model without a registered family
(a functional generator) exports as an image-to-image generator, with a label input when it
takes `[images, label]`.
"""

import dataclasses
from typing import Any, Callable, Mapping, Optional, Tuple

from keras_portrait.export.label_input import IMAGE_INPUT
from keras_portrait.export.label_input import LABEL_INPUT
from keras_portrait.export.label_input import check_label_type
from keras_portrait.export.label_input import domain_names
from keras_portrait.export.label_input import label_length
from keras_portrait.registry import ExportInput
from keras_portrait.registry import of_model

GENERATOR = "generator"
DEFAULT_SIZE = 256


@dataclasses.dataclass(frozen=True)
class Part:
    """One exported network, resolved for a model: the generator, or one of its family's
    `ExportPart`s (see there)."""

    name: str
    network: Callable
    inputs: Tuple[ExportInput, ...]
    output: Optional[ExportInput] = None
    formats: Optional[Tuple[str, ...]] = None
    card: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    parity_units: Optional[str] = None
    inputs_by_name: bool = False

    def allows(self, fmt):
        return self.formats is None or fmt in self.formats

    @property
    def image_to_image(self):
        """Whether it takes one image (and labels): its cards have `input` and `label_input`."""
        kinds = [item.kind for item in self.inputs]
        return kinds.count("image") == 1 and set(kinds) <= {"image", "label"}


@dataclasses.dataclass(frozen=True)
class Signature:
    """An export of one model: its family's name for the cards, the side of its files, its
    parts (the generator first) and `samples(model, examples, seed) -> (examples, sources)`."""

    family: str
    described: bool  # whether a registered family describes the model
    image_size: int
    parts: Tuple[Part, ...]
    samples: Callable

    @property
    def generator(self):
        return self.parts[0]

    def part_inputs(self):
        """Every input of every part, once each, the generator's first."""
        inputs = {}
        for part in self.parts:
            for item in part.inputs:
                inputs.setdefault(item.name, item)
        return tuple(inputs.values())


def signature(model, image_size=None, domain_names=None, label_type=None):
    """The `Signature` of `model`'s export at `image_size` (None: the family's default).

    `domain_names` and `label_type` override the family's for its label input.
    """
    spec = of_model(model)
    if spec is None:
        return _functional(model, image_size, domain_names, label_type)
    if not spec.export_inputs:
        raise ValueError(f"A {type(model).__name__} is not exported: its family {spec.name!r} "
                         "declares no export inputs.")
    size = spec.export_size(model, image_size) if spec.export_size else _size(image_size)
    network = spec.export_network(model) if spec.export_network else model
    overrides = {"names": domain_names, "label_type": label_type}
    parts = [Part(GENERATOR, network, _resolved(spec.export_inputs, model, overrides),
                  inputs_by_name=spec.export_inputs_by_name)]
    for part in spec.export_parts:
        if part.name == GENERATOR:
            raise ValueError(f"Export part name {GENERATOR!r} is the generator's.")
        output = None if part.output is None else _resolved([part.output], model)[0]
        parts.append(Part(part.name, part.network(model), _resolved(part.inputs, model),
                          output, None if part.formats is None else tuple(part.formats),
                          dict(part.card), part.parity_units))
    return Signature(type(model).__name__, True, size, tuple(parts),
                     spec.export_samples or _no_samples)


def _functional(model, image_size, names, label_type):
    inputs = [ExportInput(IMAGE_INPUT, "image")]
    length = label_length(model)
    if length is not None:
        inputs.append(ExportInput(LABEL_INPUT, "label", length=length))
    overrides = {"names": names, "label_type": label_type}
    parts = (Part(GENERATOR, model, _resolved(inputs, model, overrides)),)
    return Signature(model.name, False, _size(image_size), parts, _no_samples)


def _size(image_size):
    return DEFAULT_SIZE if image_size is None else image_size


def _no_samples(model, examples, seed):
    return examples, {}


def _resolved(inputs, model, overrides=None):
    """`inputs` with concrete lengths, names and label types; vectors of length 0 left out."""
    resolved = []
    for item in inputs:
        length = _value(item.length, model)
        length = None if length is None else int(length)
        if item.kind == "vector" and not length:
            continue
        names = _value(item.names, model)
        label_type = _value(item.label_type, model)
        if item.kind == "label":
            names = domain_names((overrides or {}).get("names") or names, length)
            label_type = check_label_type((overrides or {}).get("label_type") or label_type)
        elif names is not None or item.kind == "mask":
            prefix = "class" if item.kind == "mask" else item.name
            names = (list(names) if names is not None and len(names) == length
                     else [f"{prefix}{i}" for i in range(length)])
        resolved.append(dataclasses.replace(item, length=length, names=names,
                                            label_type=label_type))
    return tuple(resolved)


def _value(value, model):
    return value(model) if callable(value) else value

