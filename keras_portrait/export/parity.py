"""How far an exported file is from the Keras generator it came from."""

import numpy as np

from keras_portrait.export.label_input import LABEL_INPUT
from keras_portrait.export.label_input import domains_in_turn
from keras_portrait.export.label_input import label_vectors
from keras_portrait.export.runner import LiteRTRunner
from keras_portrait.export.savedmodel import as_uint8_images
from keras_portrait.export.savedmodel import from_boundary
from keras_portrait.export.savedmodel import inference_graph
from keras_portrait.export.savedmodel import resize_uint8
from keras_portrait.export.savedmodel import to_boundary

UNITS = "[0, 1] output units (1/255 = one grey level)"


def reference_outputs(model, images_uint8, input_type, labels=None):
    """The Keras export graph's outputs on uint8 images (and label vectors), in [0, 1] units.

    The reference is `inference_graph(model)` run by Keras: the generator with the same pre-
    and post-processing as the file, including the rounding to uint8 for uint8 files, so the
    difference measures the conversion alone. `labels` (float32 `(N, L)`) go with the images
    of a generator with a label input.
    """
    graph = inference_graph(model, images_uint8.shape[1], input_type, batch_size=None)
    outputs = []
    for i in range(0, len(images_uint8), 8):
        images = to_boundary(images_uint8[i : i + 8], input_type)
        inputs = images if labels is None else [images, labels[i : i + 8]]
        outputs.append(from_boundary(graph(inputs, training=False)))
    return np.concatenate(outputs)


def compare(reference, outputs):
    """Max and mean absolute difference of two [0, 1] arrays, as a card's `parity` entry."""
    diff = np.abs(np.asarray(reference, np.float64) - from_boundary(outputs))
    return {"max_abs": float(diff.max()), "mean_abs": float(diff.mean()), "units": UNITS,
            "images": int(len(reference))}


def parity(model, tflite_path, images, num_threads=2, labels=None):
    """Max/mean absolute difference between a .tflite file and the Keras `model` it came from.

    Args:
        model: keras.Model. The generator (or a GAN whose `call()` is its generator).
        tflite_path: str. A file written by `export_generator`.
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
    reference = reference_outputs(model, images, input_type, label_inputs.get(LABEL_INPUT))
    return compare(reference, runner(to_boundary(images, input_type), **label_inputs))
