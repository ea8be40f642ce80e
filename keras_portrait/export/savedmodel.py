"""The export graph of an image-to-image generator and its SavedModel (DESIGN.md §6)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_portrait.export.label_input import IMAGE_INPUT
from keras_portrait.export.label_input import LABEL_INPUT
from keras_portrait.export.label_input import label_length
from keras_portrait.grids import to_uint8

# What the exported file takes and gives, per `input_type`: dtype and value range.
INPUT_TYPES = {"uint8": ("uint8", (0, 255)), "float": ("float32", (0.0, 1.0))}


def check_input_type(input_type):
    if input_type not in INPUT_TYPES:
        raise ValueError(
            f"`input_type` must be one of {sorted(INPUT_TYPES)}. Received: input_type={input_type!r}"
        )


def inference_graph(model, image_size=256, input_type="uint8", batch_size=1):
    """A functional model: boundary images (and label) → [-1, 1] → `model` → boundary images.

    The pre- and post-processing live inside the graph, so the exported file takes and gives
    images as an app holds them: uint8 [0, 255] (`input_type="uint8"`) or float32 [0, 1]
    (`"float"`), RGB, NHWC, at a fixed size. The output is rounded to the nearest grey level for
    uint8 and clipped to [0, 1] for float. The image input is named "images". A generator with
    a label input (`label_input.label_length`: a StarGAN, or a functional model with inputs
    `[image, label]`) gets a second input "label", float32 `(batch_size, L)`, passed unchanged.

    Args:
        model: keras.Model. Maps float [-1, 1] NHWC images (or `[images, labels]`) to [-1, 1]
            images of the same size (a generator, or a GAN whose `call()` is its generator).
        image_size: int. Side of the square input. Defaults to `256`.
        input_type: str. `"uint8"` or `"float"`. Defaults to `"uint8"`.
        batch_size: int. Fixed batch of the graph. Defaults to `1`.
    """
    check_input_type(input_type)
    if not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"`image_size` must be an int >= 1. Received: image_size={image_size}")
    dtype, (_, high) = INPUT_TYPES[input_type]
    images = keras.Input((image_size, image_size, 3), batch_size=batch_size, dtype=dtype,
                         name=IMAGE_INPUT)
    x = ops.cast(images, "float32") * (2.0 / high) - 1.0
    length = label_length(model)
    if length is None:
        inputs = images
        y = model(x, training=False)
    else:
        label = keras.Input((length,), batch_size=batch_size, dtype="float32", name=LABEL_INPUT)
        inputs = [images, label]
        y = model([x, label], training=False)
    # Scale before clipping: the int8 quantizer gave `clip(y) * 255` the scale of [0, 255] at
    # the clip's output too, which rounded every pixel to 0 or 255.
    y = ops.clip(y * (high / 2.0) + high / 2.0, 0.0, high)
    if input_type == "uint8":
        y = ops.cast(ops.round(y), "uint8")
    return keras.Model(inputs, y, name="export_graph")


def export_saved_model(model, path, image_size=256, input_type="uint8", batch_size=1):
    """Writes the SavedModel of `inference_graph(model, ...)` to `path`; returns the graph.

    Goes through `keras.Model.export`: a SavedModel written by `tf.saved_model.save` or from a
    hand-written `tf.function` converts to a .tflite without weights (STACK_NOTES, Export).
    Its `serve` signature takes "images" (and "label" for a conditional generator).
    """
    graph = inference_graph(model, image_size, input_type, batch_size)
    graph.export(str(path), format="tf_saved_model", verbose=False)
    return graph


def as_uint8_images(images):
    """uint8 NHWC images from uint8 [0, 255] or float [-1, 1] images (one or a batch)."""
    images = images.numpy() if hasattr(images, "numpy") else np.asarray(images)
    if images.dtype != np.uint8:
        images = to_uint8(images)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"Images must be RGB (N, H, W, 3) or (H, W, 3). Received: {images.shape}")
    return images


def resize_uint8(images, image_size):
    """Resizes uint8 NHWC images to a square side (no-op when already that size)."""
    if images.shape[1:3] == (image_size, image_size):
        return images
    resized = tf.image.resize(tf.cast(images, tf.float32), (image_size, image_size),
                              antialias=True)
    return np.clip(np.round(resized.numpy()), 0, 255).astype(np.uint8)


def to_boundary(images_uint8, input_type):
    """uint8 images in the dtype and range a file of `input_type` takes."""
    if input_type == "uint8":
        return images_uint8
    return images_uint8.astype(np.float32) / 255.0


def from_boundary(outputs):
    """Exported outputs (uint8 or float [0, 1]) as float64 in [0, 1] units."""
    outputs = np.asarray(outputs)
    if outputs.dtype == np.uint8:
        return outputs.astype(np.float64) / 255.0
    return outputs.astype(np.float64)
