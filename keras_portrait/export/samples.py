"""Calibration and parity examples of an export, read from the data or drawn, per input kind.

Examples are a dict input name → array with one row per example, in the form the inputs have
before the file's boundary: uint8 images, masks and holes, float32 labels and vectors
(`boundary.to_file` converts them). The data yields what the training pipelines give:
image batches, `(images, labels)` pairs, or dicts keyed by the inputs' names (`{"image",
"mask", ...}`), batched or single examples, images uint8 [0, 255] or float [-1, 1].
"""

import numpy as np

from keras_portrait.export.boundary import as_uint8_images
from keras_portrait.export.boundary import resize_nearest
from keras_portrait.export.boundary import resize_uint8
from keras_portrait.export.label_input import domains_in_turn
from keras_portrait.export.label_input import label_vectors

PARITY_EXAMPLES = 8
MAX_CALIBRATION = 128
HOLE_FRACTION = 0.2
# The kinds only the data can give: a generator's inputs of these kinds must be in it.
DATA_KINDS = ("image", "mask", "holes")
PAIRS_HINT = (
    "`representative_data` must yield images or batches of images, not {type}s; map a paired "
    "dataset to the generator's source domain first, e.g. `dataset.map(lambda a, b: a)`. (A "
    "generator with a label input also takes `(images, labels)` pairs.)"
)


def data_examples(inputs, required, data, image_size, max_examples=None, seed=0):
    """Examples of `inputs` from `data`, up to `max_examples` (None: all).

    `required` (the generator's inputs of `DATA_KINDS`) must be in every element. A label
    missing from an element takes one-hots of the domains in turn; a vector missing from the
    data is drawn from `seed` (N(0, 1), or uniform in its `value_range`); any other input
    missing from an element is left out of the examples.
    """
    columns = {item.name: [] for item in inputs}
    absent, count = set(), 0
    for element in data:
        values = _element_values(element, inputs, required)
        rows = len(values[required[0].name])
        take = rows if max_examples is None else min(rows, max_examples - count)
        for item in inputs:
            if item.name in values:
                columns[item.name].append(_from_data(item, values[item.name][:take], image_size))
            elif item.kind == "label":
                columns[item.name].append(domains_in_turn(count + take, item.length)[count:])
            else:
                absent.add(item.name)
        count += take
        if max_examples is not None and count >= max_examples:
            break
    if count == 0:
        raise ValueError("The export data yielded no examples.")
    examples = {name: np.concatenate(parts) for name, parts in columns.items()
                if name not in absent}
    rng = np.random.default_rng(seed)
    for item in inputs:
        if item.kind == "vector" and item.name not in examples:
            examples[item.name] = _draw_vector(rng, item, count)
    return examples


def random_examples(inputs, image_size, count=PARITY_EXAMPLES, seed=0):
    """Examples drawn from `seed` in the order of `inputs`: uniform noise images, uniform class
    ids, holes on `HOLE_FRACTION` of the pixels (the images 0 there), vectors N(0, 1) or
    uniform in their range, labels one-hot over the domains in turn."""
    rng = np.random.default_rng(seed)
    size = image_size
    examples = {}
    for item in inputs:
        if item.kind == "image":
            values = rng.integers(0, 256, (count, size, size, 3), dtype=np.uint8)
        elif item.kind == "mask":
            values = rng.integers(0, item.length, (count, size, size)).astype(np.uint8)
        elif item.kind == "holes":
            values = (rng.uniform(size=(count, size, size)) < HOLE_FRACTION).astype(np.uint8)
        elif item.kind == "vector":
            values = _draw_vector(rng, item, count)
        else:
            values = domains_in_turn(count, item.length)
        examples[item.name] = values
    for holes in (examples[i.name] for i in inputs if i.kind == "holes"):
        for item in inputs:
            if item.kind == "image":
                examples[item.name][holes > 0] = 0
    return examples


def random_source(inputs):
    """How a card names the examples of `random_examples`."""
    kinds = [item.kind for item in inputs]
    if kinds[0] == "mask":
        return "uniform random masks, seed 0"
    if "holes" in kinds:
        return "uniform random renders with 20 % holes, seed 0"
    return "uniform noise, seed 0"


def count_of(examples):
    return len(next(iter(examples.values())))


def _element_values(element, inputs, required):
    """dict input name → batched numpy array of the inputs an element holds."""
    one_image = len(required) == 1 and required[0].kind == "image"
    if isinstance(element, dict):
        keys = [item.key or item.name for item in required]
        missing = [key for key in keys if key not in element]
        if missing:
            raise ValueError(f"The export data must yield dicts with the keys {keys}. "
                             f"Missing: {missing}")
        values = {item.name: _numpy(element[item.key or item.name]) for item in inputs
                  if (item.key or item.name) in element}
    elif isinstance(element, (tuple, list)):
        labels = [item for item in inputs if item.kind == "label"]
        if not (one_image and labels and len(element) == 2):
            raise ValueError(PAIRS_HINT.format(type=type(element).__name__) if one_image else
                             "The export data must yield dicts with the keys "
                             f"{[item.key or item.name for item in required]}.")
        values = {required[0].name: _numpy(element[0]), labels[0].name: _numpy(element[1])}
    elif one_image:
        values = {required[0].name: _numpy(element)}
    else:
        raise ValueError("The export data must yield dicts with the keys "
                         f"{[item.key or item.name for item in required]}. "
                         f"Received: {type(element).__name__}")
    return _batched(values, required)


def _batched(values, required):
    """`values` with a batch axis when the element is a single example."""
    first = next((item for item in required if item.kind in ("image", "mask")), required[0])
    single_rank = 3 if first.kind == "image" else 2
    if values[first.name].ndim != single_rank:
        return values
    return {name: value[None] for name, value in values.items()}


def _from_data(item, values, image_size):
    if item.kind == "image":
        return resize_uint8(as_uint8_images(values), image_size)
    if item.kind == "mask":
        return resize_nearest(values, image_size)
    if item.kind == "holes":
        holes = values.astype(np.float32)
        if holes.ndim == 4:
            holes = holes[..., 0]
        return resize_nearest((holes > 0.5).astype(np.uint8), image_size)
    if item.kind == "label":
        return label_vectors(values, item.length, len(values))
    return values.astype(np.float32)


def _draw_vector(rng, item, count):
    if item.value_range is None:
        values = rng.standard_normal((count, item.length))
    else:
        values = rng.uniform(*item.value_range, (count, item.length))
    return values.astype(np.float32)


def _numpy(value):
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)
