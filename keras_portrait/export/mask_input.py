"""The inputs of a mask-driven generator (GauGAN): a class-id mask, a style code, metadata.

A GauGAN's generator `G([one-hot mask, code, metadata])` exports with three inputs, named as
the file's signature names them:

- "mask": uint8 `(1, S, S)` class ids (`keras_portrait.labels.MASK_CLASSES`); the one-hot
  encoding happens inside the graph (TFLite ONE_HOT); an id ≥ the class count encodes as all
  zeros.
- "code": float32 `(1, code_dim)`, the style code: draw it N(0, 1) per entry for a random
  style, or take the style encoder's mean `mu` of a style image (`style_encoder_graph`).
- "metadata": float32 `(1, M)` (`keras_portrait.data.METADATA_NAMES`: age, gender, glasses,
  each in [0, 1]); absent when the model has no metadata (M = 0).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_portrait.export.label_input import IMAGE_INPUT
from keras_portrait.export.savedmodel import INPUT_TYPES
from keras_portrait.export.savedmodel import check_input_type

MASK_INPUT = "mask"
CODE_INPUT = "code"
METADATA_INPUT = "metadata"
CODE_SOURCE = ("draw each entry N(0, 1) for a random style, or use the style encoder's mean "
               "mu of a style image (style_encoder_<format>.tflite)")


def is_mask_generator(model):
    """True for a GAN whose generator takes `[one-hot mask, code, metadata]` (a GauGAN)."""
    return all(hasattr(model, name) for name in ("num_classes", "code_dim", "metadata_dim",
                                                 "generator", "encoder"))


def _output(y, output_type):
    """[-1, 1] images → uint8 [0, 255] (rounded) or float [0, 1] (clipped)."""
    high = INPUT_TYPES[output_type][1][1]
    # Scale before clipping, as `inference_graph` (the int8 quantizer shares the clip's scale).
    y = ops.clip(y * (high / 2.0) + high / 2.0, 0.0, high)
    return ops.cast(ops.round(y), "uint8") if output_type == "uint8" else y


def synthesis_graph(gan, output_type="uint8", batch_size=1):
    """A functional model: uint8 class-id mask, code (and metadata) → boundary image.

    Args:
        gan: a GauGAN (or any model with `num_classes`, `code_dim`, `metadata_dim`,
            `image_size` and a `generator` taking `[one-hot mask, code, metadata]`).
        output_type: str. "uint8" ([0, 255], rounded) or "float" ([0, 1]). Defaults to
            `"uint8"`.
        batch_size: int or None. Fixed batch of the graph. Defaults to `1`.
    """
    check_input_type(output_type)
    size = gan.image_size
    mask = keras.Input((size, size), batch_size=batch_size, dtype="uint8", name=MASK_INPUT)
    code = keras.Input((gan.code_dim,), batch_size=batch_size, dtype="float32",
                       name=CODE_INPUT)
    inputs = [mask, code]
    one_hot = ops.one_hot(ops.cast(mask, "int32"), gan.num_classes)
    generator_inputs = [one_hot, code]
    if gan.metadata_dim:
        metadata = keras.Input((gan.metadata_dim,), batch_size=batch_size, dtype="float32",
                               name=METADATA_INPUT)
        inputs.append(metadata)
        generator_inputs.append(metadata)
    y = gan.generator(generator_inputs, training=False)
    return keras.Model(inputs, _output(y, output_type), name="synthesis_graph")


def style_encoder_graph(gan, input_type="uint8", batch_size=1):
    """A functional model: a boundary image "images" → the style code's mean `mu`."""
    check_input_type(input_type)
    dtype, (_, high) = INPUT_TYPES[input_type]
    size = gan.image_size
    images = keras.Input((size, size, 3), batch_size=batch_size, dtype=dtype, name=IMAGE_INPUT)
    mu, _ = gan.encoder(ops.cast(images, "float32") * (2.0 / high) - 1.0, training=False)
    return keras.Model(images, mu, name="style_encoder_graph")


def synthesis_samples(gan, data, max_examples=128, seed=0):
    """Named file inputs `{"mask", "code", "metadata"}` and their images from GauGAN batches.

    Codes alternate between the two ways an app gets one: the style encoder's mean `mu` of
    the example's image (even examples) and an N(0, 1) draw from `seed` (odd examples, and
    every example without an image).

    Args:
        gan: the GauGAN.
        data: iterable or `tf.data.Dataset` of `{"image", "mask", "metadata"}` batches (or
            single examples), as `synth_portraits("gaugan")` gives them; "image" optional.
        max_examples: int. How many examples to take at most. Defaults to `128`.
        seed: int. Seed of the drawn codes. Defaults to `0`.

    Returns:
        `(inputs, images)`: dict name → array with one row per example, and uint8 images
        `(N, S, S, 3)` or None when the data has none.
    """
    masks, metadata, images, count = [], [], [], 0
    for element in data:
        if not isinstance(element, dict) or "mask" not in element:
            raise ValueError(
                'GauGAN export data must yield {"image", "mask", "metadata"} dicts '
                "(keras_portrait.data.synth_portraits('gaugan')). Received: "
                f"{type(element).__name__}"
            )
        mask = _numpy(element["mask"])
        if mask.ndim == 2:
            element = {k: _numpy(v)[None] for k, v in element.items()}
            mask = element["mask"]
        take = max_examples - count
        masks.append(_resize_mask(mask[:take], gan.image_size))
        if gan.metadata_dim:
            metadata.append(_numpy(element["metadata"])[:take].astype(np.float32))
        if "image" in element:
            images.append(_image_uint8(_numpy(element["image"])[:take], gan.image_size))
        count += len(masks[-1])
        if count >= max_examples:
            break
    if count == 0:
        raise ValueError("The GauGAN export data yielded no examples.")
    masks = np.concatenate(masks)
    images = np.concatenate(images) if images else None
    if images is not None and len(images) != count:  # some examples had no image
        images = None
    codes = np.random.default_rng(seed).standard_normal((count, gan.code_dim))
    codes = codes.astype(np.float32)
    if images is not None:
        mu, _ = gan.encoder(images[::2].astype(np.float32) / 127.5 - 1.0, training=False)
        codes[::2] = np.asarray(mu)
    inputs = {MASK_INPUT: masks, CODE_INPUT: codes}
    if gan.metadata_dim:
        inputs[METADATA_INPUT] = np.concatenate(metadata)
    return inputs, images


def random_samples(gan, count=8, seed=0):
    """Uniform random class ids, uniform [0, 1] metadata and N(0, 1) codes (no data at hand)."""
    rng = np.random.default_rng(seed)
    size = gan.image_size
    inputs = {
        MASK_INPUT: rng.integers(0, gan.num_classes, (count, size, size)).astype(np.uint8),
        CODE_INPUT: rng.standard_normal((count, gan.code_dim)).astype(np.float32),
    }
    if gan.metadata_dim:
        inputs[METADATA_INPUT] = rng.uniform(0, 1, (count, gan.metadata_dim)).astype(np.float32)
    return inputs


def mask_input_cards(gan):
    """The card's `inputs`: name, shape, dtype and meaning of each input of the file."""
    from keras_portrait.data import METADATA_NAMES  # noqa: PLC0415
    from keras_portrait.labels import MASK_CLASSES  # noqa: PLC0415

    size = gan.image_size
    classes = (list(MASK_CLASSES) if gan.num_classes == len(MASK_CLASSES)
               else [f"class{i}" for i in range(gan.num_classes)])
    cards = [
        {"name": MASK_INPUT, "shape": [1, size, size], "dtype": "uint8", "classes": classes,
         "encoding": "one class id per pixel, one-hot inside the graph (ids >= "
                     f"{gan.num_classes} encode as no class)"},
        {"name": CODE_INPUT, "shape": [1, gan.code_dim], "dtype": "float32",
         "size": int(gan.code_dim), "source": CODE_SOURCE},
    ]
    if gan.metadata_dim:
        names = (list(METADATA_NAMES) if gan.metadata_dim == len(METADATA_NAMES)
                 else [f"metadata{i}" for i in range(gan.metadata_dim)])
        cards.append({"name": METADATA_INPUT, "shape": [1, gan.metadata_dim],
                      "dtype": "float32", "names": names, "range": [0.0, 1.0]})
    return cards


def _numpy(value):
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _resize_mask(masks, size):
    if masks.shape[1:3] != (size, size):
        masks = tf.image.resize(masks[..., None], (size, size), method="nearest")[..., 0]
        masks = masks.numpy()
    return np.asarray(masks).astype(np.uint8)


def _image_uint8(images, size):
    if images.dtype != np.uint8:
        images = np.clip(np.round((images.astype(np.float32) + 1.0) * 127.5), 0, 255)
        images = images.astype(np.uint8)
    if images.shape[1:3] != (size, size):
        resized = tf.image.resize(images.astype(np.float32), (size, size), antialias=True)
        images = np.clip(np.round(resized.numpy()), 0, 255).astype(np.uint8)
    return images
