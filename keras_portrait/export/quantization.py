"""Full int8 quantization of an exported generator, with its instance norms kept in float.

Measured on a CycleGAN-like generator (TF 2.21, builtins only; figures in export/README):
plain full int8 quantizes the statistics of every instance norm — a per-tensor int8 mean and
variance shared by all channels and a per-tensor RSQRT — and the errors compound through the
network. Calibrating the file and then quantizing it with the normalization statistics
(MEAN, SQUARED_DIFFERENCE, RSQRT and the SUB/ADD/MUL that consume them) denylisted keeps these
few small ops in float between DEQUANTIZE/QUANTIZE pairs, while every convolution, padding,
ReLU and residual add stays int8. The weights, and so the file size, are the same as plain
full int8.
"""

import numpy as np
import tensorflow as tf

from keras_portrait.export.label_input import IMAGE_INPUT
from keras_portrait.export.label_input import LABEL_INPUT
from keras_portrait.export.label_input import domains_in_turn
from keras_portrait.export.label_input import label_vectors
from keras_portrait.export.savedmodel import as_uint8_images
from keras_portrait.export.savedmodel import resize_uint8
from keras_portrait.export.savedmodel import to_boundary

STATISTIC_OPS = ("MEAN", "SQUARED_DIFFERENCE", "RSQRT")
# Ops whose int8 kernels gave wrong values: an int8 ONE_HOT (GauGAN's mask encoding) made the
# tiny GauGAN's error 0.88 max / 0.15 mean; kept float, 0.30 / 0.020 (export/README.md).
FLOAT_OPS = ("ONE_HOT",)
# Element-wise ops that are part of a norm when they consume a statistic: x - mean,
# variance + epsilon and centered * rsqrt(variance + epsilon).
ELEMENTWISE_OPS = ("SUB", "ADD", "MUL")


def calibration_images(representative_data, image_size, max_images=128):
    """Up to `max_images` uint8 images of side `image_size` from an iterable of images.

    Args:
        representative_data: iterable or `tf.data.Dataset` of images or batches of images,
            uint8 [0, 255] or float [-1, 1] (as the training pipelines give them).
        image_size: int. Side the images are resized to.
        max_images: int. How many images to take at most. Defaults to `128`.
    """
    return calibration_data(representative_data, image_size, max_images=max_images)[0]


def calibration_data(representative_data, image_size, label_length=None, max_images=128):
    """Up to `max_images` uint8 calibration images, and label vectors for a label input.

    Args:
        representative_data: iterable or `tf.data.Dataset` of images or batches of images,
            uint8 [0, 255] or float [-1, 1]. For a generator with a label input, elements may
            also be `(images, labels)` pairs (as `synth_portraits("stargan")` and
            `data.labeled` give them): class ids or label vectors.
        image_size: int. Side the images are resized to.
        label_length: int or None. Length of the generator's label input; None for an
            image-only generator.
        max_images: int. How many images to take at most. Defaults to `128`.

    Returns:
        `(images, labels)`: uint8 (N, size, size, 3) and, for a label input, float32 (N, L)
        vectors: the data's labels when it has them, else one-hots of the domains in turn.
    """
    if representative_data is None:
        raise ValueError(
            "Full int8 quantization needs `representative_data`: an iterable or tf.data.Dataset "
            "of images from the training data (uint8 [0, 255] or float [-1, 1]), e.g. "
            "`keras_portrait.data.image_folder(...)`. Received: representative_data=None"
        )
    images, labels, count = [], [], 0
    for element in representative_data:
        element_labels = None
        if isinstance(element, (tuple, list, dict)):
            if label_length is None or not (isinstance(element, (tuple, list))
                                            and len(element) == 2):
                raise ValueError(
                    "`representative_data` must yield images or batches of images, not "
                    f"{type(element).__name__}s; map a paired dataset to the generator's source "
                    "domain first, e.g. `dataset.map(lambda a, b: a)`. (A generator with a "
                    "label input also takes `(images, labels)` pairs.)"
                )
            element, element_labels = element
        element = as_uint8_images(element)
        batch = resize_uint8(element[: max_images - count], image_size)
        images.append(batch)
        if label_length is not None:
            vectors = (domains_in_turn(count + len(element), label_length)[count:]
                       if element_labels is None
                       else label_vectors(element_labels, label_length, len(element)))
            labels.append(vectors[: len(batch)])
        count += len(batch)
        if count >= max_images:
            break
    if count == 0:
        raise ValueError("`representative_data` yielded no images.")
    images = np.concatenate(images, axis=0)
    return images, (np.concatenate(labels, axis=0) if label_length is not None else None)


def _converter(saved_model_dir):
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter


def quantize_int8(saved_model_dir, images, input_type, keep_norm_float=True, labels=None):
    """Full int8 .tflite bytes of a SavedModel of `inference_graph`, calibrated on `images`.

    Args:
        saved_model_dir: str. The SavedModel.
        images: uint8 array (N, H, W, 3) at the graph's size (see `calibration_data`).
        input_type: str. The graph's `input_type`, "uint8" or "float".
        keep_norm_float: bool. Keep the normalization statistics in float. Defaults to `True`.
        labels: float32 (N, L) label vectors paired with `images`, for a graph with a label
            input (which stays float32 in the file, quantized inside). Defaults to `None`.
    """
    if labels is not None:  # several inputs: by the names of the SavedModel's signature
        return quantize_int8_inputs(
            saved_model_dir,
            {IMAGE_INPUT: to_boundary(images, input_type), LABEL_INPUT: np.asarray(labels, np.float32)},
            keep_norm_float=keep_norm_float,
        )
    converter = _converter(saved_model_dir)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: (
        [to_boundary(image[None], input_type)] for image in images
    )
    return _quantize(converter, keep_norm_float)


def quantize_int8_inputs(saved_model_dir, inputs, keep_norm_float=True):
    """Full int8 .tflite bytes of a SavedModel with named inputs, calibrated on `inputs`.

    Args:
        saved_model_dir: str. The SavedModel (batch 1).
        inputs: dict input name → array with one row per calibration example, in the dtype
            and range of the file's input (e.g. GauGAN's "mask", "code", "metadata").
        keep_norm_float: bool. Keep the normalization statistics in float. Defaults to `True`.
    """
    count = len(next(iter(inputs.values())))
    converter = _converter(saved_model_dir)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: (
        {name: np.asarray(value[i : i + 1]) for name, value in inputs.items()}
        for i in range(count)
    )
    return _quantize(converter, keep_norm_float)


def _quantize(converter, keep_norm_float):
    if not keep_norm_float:
        return converter.convert()
    converter._experimental_calibrate_only = True  # pylint: disable=protected-access
    calibrated = converter.convert()
    from tensorflow.lite.python import convert  # noqa: PLC0415  (TF's own selective quantizer)

    # The same call as tf.lite.experimental.QuantizationDebugger.get_nondebug_quantized_model,
    # without the debugger's instrumented model and interpreters.
    return convert.mlir_quantize(
        calibrated,
        disable_per_channel=False,
        fully_quantize=False,
        denylisted_nodes=norm_statistic_tensors(calibrated) + float_op_tensors(calibrated),
    )


def float_op_tensors(content, op_names=FLOAT_OPS):
    """Output tensor names of the ops `op_names` (default `FLOAT_OPS`) in a .tflite model."""
    from tensorflow.lite.python import schema_py_generated as schema  # noqa: PLC0415

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(content, 0))
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if k.isupper()}
    tensors = []
    for graph in model.subgraphs:
        for op in graph.operators:
            code = model.operatorCodes[op.opcodeIndex]
            if names.get(max(code.builtinCode, code.deprecatedBuiltinCode)) in op_names:
                tensors.extend(_name(graph.tensors[t].name) for t in op.outputs)
    return tensors


def norm_statistic_tensors(content):
    """Output tensor names of the ops computing normalization statistics in a .tflite model.

    An op belongs to a norm when it is a MEAN, SQUARED_DIFFERENCE or RSQRT, or a SUB, ADD or
    MUL with an input made by a MEAN, an RSQRT or by another such ADD (variance + epsilon).
    """
    from tensorflow.lite.python import schema_py_generated as schema  # noqa: PLC0415

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(content, 0))
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if k.isupper()}
    denied = []
    for graph in model.subgraphs:
        producer = {}
        for op in graph.operators:
            code = model.operatorCodes[op.opcodeIndex]
            op_name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "")
            for t in op.outputs:
                producer[t] = op_name
            sources = [producer.get(t) for t in op.inputs if t >= 0]
            is_statistic = op_name in STATISTIC_OPS
            consumes_statistic = op_name in ELEMENTWISE_OPS and any(
                s in ("MEAN", "RSQRT", "NORM_ADD") for s in sources
            )
            if op_name == "ADD" and "MEAN" in sources:
                for t in op.outputs:
                    producer[t] = "NORM_ADD"
            if is_statistic or consumes_statistic:
                denied.extend(_name(graph.tensors[t].name) for t in op.outputs)
    return denied


def _name(name):
    return name.decode() if isinstance(name, bytes) else name
