"""The boundary of an exported file, built per input kind (DESIGN.md §2, §6).

Each input kind (`keras_portrait.registry.INPUT_KINDS`) has its file dtype and shape and its
conversion inside the graph: an image arrives as uint8 [0, 255] or float32 [0, 1] and becomes
[-1, 1]; a mask arrives as uint8 class ids and becomes one-hot; holes arrive as uint8 and become
a 0/1 float map; labels and vectors pass as float32. An image output leaves as the image inputs
arrive: rounded uint8 [0, 255] or float32 [0, 1].
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_portrait.grids import to_uint8

# What the exported file takes and gives, per `input_type`: dtype and value range.
INPUT_TYPES = {"uint8": ("uint8", (0, 255)), "float": ("float32", (0.0, 1.0))}


def check_input_type(input_type):
    if input_type not in INPUT_TYPES:
        raise ValueError(
            f"`input_type` must be one of {sorted(INPUT_TYPES)}. Received: input_type={input_type!r}"
        )


def check_image_size(image_size):
    if not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"`image_size` must be an int >= 1. Received: image_size={image_size}")


def file_spec(item, image_size, input_type):
    """(shape without the batch, dtype) of input `item` in the file."""
    size = image_size
    if item.kind == "image":
        return (size, size, 3), INPUT_TYPES[input_type][0]
    if item.kind in ("mask", "holes"):
        return (size, size), "uint8"
    return (int(item.length),), "float32"


def in_graph(item, tensor, input_type):
    """The value the network takes of file input `item`."""
    if item.kind == "image":
        high = INPUT_TYPES[input_type][1][1]
        return ops.cast(tensor, "float32") * (2.0 / high) - 1.0
    if item.kind == "mask":
        return ops.one_hot(ops.cast(tensor, "int32"), int(item.length))
    if item.kind == "holes":
        return ops.expand_dims(ops.cast(ops.greater(tensor, 0), "float32"), -1)
    return tensor


def image_output(y, input_type):
    """[-1, 1] images → uint8 [0, 255] (rounded) or float [0, 1] (clipped)."""
    high = INPUT_TYPES[input_type][1][1]
    # Scale before clipping: the int8 quantizer gave `clip(y) * 255` the scale of [0, 255] at
    # the clip's output too, which rounded every pixel to 0 or 255.
    y = ops.clip(y * (high / 2.0) + high / 2.0, 0.0, high)
    return ops.cast(ops.round(y), "uint8") if input_type == "uint8" else y


def boundary_graph(network, inputs, image_size, input_type="uint8", batch_size=1,
                   image_out=True, name="export_graph"):
    """A functional model: the file's inputs → `network` → the file's output.

    Args:
        network: callable. Takes the inputs' in-graph values (one tensor, or a list in the
            order of `inputs`) and `training=False`.
        inputs: sequence of `ExportInput` with concrete lengths (`signature.Part.inputs`).
        image_size: int. Side of the images, masks and holes.
        input_type: str. `"uint8"` or `"float"`: the images in and out. Defaults to `"uint8"`.
        batch_size: int or None. Fixed batch of the graph. Defaults to `1`.
        image_out: bool. Whether the output is an image (converted like the image inputs) or
            values passed as they are. Defaults to `True`.
        name: str. The model's name. Defaults to `"export_graph"`.
    """
    check_input_type(input_type)
    check_image_size(image_size)
    tensors, values = [], []
    for item in inputs:
        shape, dtype = file_spec(item, image_size, input_type)
        tensor = keras.Input(shape, batch_size=batch_size, dtype=dtype, name=item.name)
        tensors.append(tensor)
        values.append(in_graph(item, tensor, input_type))
    y = network(values[0] if len(values) == 1 else values, training=False)
    if image_out:
        y = image_output(y, input_type)
    return keras.Model(tensors[0] if len(tensors) == 1 else tensors, y, name=name)


def to_file(item, values, input_type):
    """Examples of input `item` (uint8 images, masks and holes; float32 vectors) in the dtype
    and range of the file."""
    return to_boundary(values, input_type) if item.kind == "image" else values


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


def resize_nearest(maps, image_size):
    """Resizes uint8 (N, H, W) class-id or hole maps to a square side, nearest neighbour."""
    if maps.shape[1:3] != (image_size, image_size):
        maps = tf.image.resize(maps[..., None], (image_size, image_size),
                               method="nearest")[..., 0].numpy()
    return np.asarray(maps).astype(np.uint8)


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
