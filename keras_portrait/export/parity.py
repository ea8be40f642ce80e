"""How far an exported file is from the Keras graph it came from."""

import numpy as np

from keras_portrait.export.boundary import as_uint8_images
from keras_portrait.export.boundary import from_boundary
from keras_portrait.export.boundary import resize_uint8
from keras_portrait.export.boundary import to_boundary
from keras_portrait.export.label_input import LABEL_INPUT
from keras_portrait.export.label_input import domains_in_turn
from keras_portrait.export.label_input import label_vectors
from keras_portrait.export.runner import LiteRTRunner
from keras_portrait.export.savedmodel import inference_graph

UNITS = "[0, 1] output units (1/255 = one grey level)"
CHUNK = 8


def keras_outputs(graph, arrays, image_out=True):
    """The Keras export graph's outputs on `arrays` (its inputs in order, file dtypes), in
    chunks; in [0, 1] units for an image output.

    The reference of a file is its export graph run by Keras: the network with the same pre-
    and post-processing as the file, including the rounding to uint8 for uint8 files, so the
    difference measures the conversion alone.
    """
    outputs = []
    for i in range(0, len(arrays[0]), CHUNK):
        chunk = [array[i : i + CHUNK] for array in arrays]
        y = graph(chunk[0] if len(chunk) == 1 else chunk, training=False)
        outputs.append(from_boundary(y) if image_out else np.asarray(y))
    return np.concatenate(outputs)


def compare(reference, outputs):
    """Max and mean absolute difference of two [0, 1] arrays, as a card's `parity` entry."""
    diff = np.abs(np.asarray(reference, np.float64) - from_boundary(outputs))
    return {"max_abs": float(diff.max()), "mean_abs": float(diff.mean()), "units": UNITS,
            "images": int(len(reference))}


def compare_values(reference, outputs, units):
    """Max and mean absolute difference of two value arrays (a vector output), in `units`."""
    diff = np.abs(np.asarray(reference) - np.asarray(outputs))
    return {"max_abs": float(diff.max()), "mean_abs": float(diff.mean()), "units": units,
            "images": int(len(reference))}


def parity(model, tflite_path, images, num_threads=2, labels=None):
    """Max/mean absolute difference between an image-to-image .tflite file and the Keras
    `model` it came from.

    Args:
        model: keras.Model. The generator (or a GAN whose `call()` is its generator).
        tflite_path: str. A file written by `export_generator` that takes images (and a label).
        images: uint8 [0, 255] or float [-1, 1] images (N, H, W, 3), resized to the file's size.
        num_threads: int. LiteRT threads. Defaults to `2`.
        labels: for a file with a label input: class ids (N,) or label vectors (N, L) paired
            with the images. Defaults to one-hots of the domains in turn (image i → domain
            i mod L), as `export_generator` measures them.

    Returns:
        dict with `max_abs` and `mean_abs` in [0, 1] output units (float files output [0, 1];
        uint8 files are divided by 255, and their reference is rounded like the file), `units`
        and the number of `images`.
    """
    runner = LiteRTRunner(tflite_path, num_threads=num_threads)
    input_type = "uint8" if runner.input_dtype == np.uint8 else "float"
    images = resize_uint8(as_uint8_images(images), runner.input_shape[1])
    label_inputs = {}
    if LABEL_INPUT in runner.inputs_details:
        length = int(runner.inputs_details[LABEL_INPUT]["shape"][-1])
        labels = (domains_in_turn(len(images), length) if labels is None
                  else label_vectors(labels, length, len(images)))
        label_inputs[LABEL_INPUT] = labels
    elif labels is not None:
        raise ValueError(f"{tflite_path!r} has no label input; pass labels=None.")
    boundary = to_boundary(images, input_type)
    graph = inference_graph(model, images.shape[1], input_type, batch_size=None)
    reference = keras_outputs(graph, [boundary, *label_inputs.values()])
    return compare(reference, runner(boundary, **label_inputs))
