"""Full int8 quantization of an exported generator, with its instance norms kept in float.

Measured on a ResNet-style image-to-image generator (TF 2.21, builtins only; export/README):
plain full int8 quantizes the statistics of every instance norm — a per-tensor int8 mean and
variance shared by all channels and a per-tensor RSQRT — and the errors compound through the
network. Calibrating the file and then quantizing it with the normalization statistics
(MEAN, SQUARED_DIFFERENCE, RSQRT and the SUB/ADD/MUL that consume them) denylisted keeps these
few small ops in float between DEQUANTIZE/QUANTIZE pairs, while every convolution, padding,
ReLU and residual add stays int8. The weights, and so the file size, are the same as plain
full int8.

The ranges themselves are measured again before quantizing: TF 2.21's calibrator recorded, at
the end of a trained residual generator (`clip(base + 2·tanh(x), -1, 1)`, then the boundary's
`× 127.5 + 127.5`), on each of the last ops the range of the op after it — ±127.5 on the
clip, whose values are in [-1, 1] — so that the int8 file kept 3 levels of the image and was
33.7 grey levels off on average (export/README.md). LiteRT runs the calibrated float file on
the same examples with every tensor kept, and each activation gets the min and max it took.
"""

import numpy as np
import tensorflow as tf

from keras_portrait.export.boundary import to_boundary
from keras_portrait.export.label_input import IMAGE_INPUT
from keras_portrait.export.label_input import LABEL_INPUT

STATISTIC_OPS = ("MEAN", "SQUARED_DIFFERENCE", "RSQRT")
# Ops whose int8 kernels gave wrong values: an int8 ONE_HOT (a mask input's encoding) made a
# tiny mask-to-image generator's error 0.88 max / 0.15 mean; kept float, 0.30 / 0.020
# (export/README.md).
FLOAT_OPS = ("ONE_HOT",)
# Element-wise ops that are part of a norm when they consume a statistic: x - mean,
# variance + epsilon and centered * rsqrt(variance + epsilon).
ELEMENTWISE_OPS = ("SUB", "ADD", "MUL")
# Tensors smaller than this keep their min and max with `measured_ranges(percentile=...)`
# (statistics, biases of a few values: a percentile of them means little).
PERCENTILE_MIN_SIZE = 4096


def _converter(saved_model_dir):
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter


def quantize_int8(saved_model_dir, images, input_type, keep_norm_float=True, labels=None,
                  per_channel=True, range_percentile=None):
    """Full int8 .tflite bytes of a SavedModel of an image-to-image `inference_graph`,
    calibrated on `images`.

    Args:
        saved_model_dir: str. The SavedModel.
        images: uint8 array (N, H, W, 3) at the graph's size.
        input_type: str. The graph's `input_type`, "uint8" or "float".
        keep_norm_float: bool. Keep the normalization statistics in float. Defaults to `True`.
        labels: float32 (N, L) label vectors paired with `images`, for a graph with a label
            input (which stays float32 in the file, quantized inside). Defaults to `None`.
        per_channel: bool. A scale per output channel of each weight tensor; `False`: one
            per tensor. Defaults to `True`.
        range_percentile: float or None. See `measured_ranges`. Defaults to `None`.
    """
    inputs = {IMAGE_INPUT: to_boundary(images, input_type)}
    if labels is not None:
        inputs[LABEL_INPUT] = np.asarray(labels, np.float32)
    return quantize_int8_inputs(saved_model_dir, inputs, keep_norm_float=keep_norm_float,
                                per_channel=per_channel, range_percentile=range_percentile)


def quantize_int8_inputs(saved_model_dir, inputs, keep_norm_float=True, per_channel=True,
                         range_percentile=None):
    """Full int8 .tflite bytes of a SavedModel with named inputs, calibrated on `inputs`.

    Args:
        saved_model_dir: str. The SavedModel (batch 1).
        inputs: dict input name → array with one row per calibration example, in the dtype
            and range of the file's input (e.g. a "mask", a "code" and "metadata").
        keep_norm_float: bool. Keep the normalization statistics in float. Defaults to `True`.
        per_channel: bool. A scale per output channel of each weight tensor; `False`: one
            per tensor, whose scales and zero points take less of a small file (a 1.9
            M-parameter residual generator's int8 file: 0.275 of its fp32 file per channel,
            0.262 per tensor, both 1.0 grey level from Keras; export/README.md). Defaults to
            `True`.
        range_percentile: float or None. The activations' ranges: None, their min and max
            over the calibration examples; a percentile such as 99.95, the range that leaves
            out the rarest values of each large tensor (`measured_ranges`). Defaults to
            `None`.
    """
    count = len(next(iter(inputs.values())))
    converter = _converter(saved_model_dir)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    # Positional samples in the file's order (samples keyed by name make TensorFlow's
    # calibrator open the deprecated tf.lite.Interpreter); one input needs no order.
    order = list(inputs) if len(inputs) == 1 else _input_order(saved_model_dir)
    samples = [[np.asarray(inputs[name][i : i + 1]) for name in order] for i in range(count)]
    converter.representative_dataset = lambda: iter(samples)
    # pylint: disable-next=protected-access
    converter._experimental_disable_per_channel = not per_channel
    if not keep_norm_float:  # TensorFlow's plain full int8, for comparison
        return converter.convert()
    converter._experimental_calibrate_only = True  # pylint: disable=protected-access
    calibrated = measured_ranges(converter.convert(), samples, percentile=range_percentile)
    from tensorflow.lite.python import convert  # noqa: PLC0415  (TF's own selective quantizer)

    # The same call as tf.lite.experimental.QuantizationDebugger.get_nondebug_quantized_model,
    # without the debugger's instrumented model and interpreters.
    return convert.mlir_quantize(
        calibrated,
        disable_per_channel=not per_channel,
        fully_quantize=False,
        denylisted_nodes=norm_statistic_tensors(calibrated) + float_op_tensors(calibrated),
    )


def measured_ranges(calibrated, samples, percentile=None):
    """The calibrated .tflite bytes `calibrated` with the min and max of each activation
    replaced by those LiteRT measures running it on `samples` (lists of inputs, in the
    file's input order), every tensor kept and no delegate.

    With `percentile` (e.g. 99.95), a tensor of at least `PERCENTILE_MIN_SIZE` values gets,
    instead of its min and max, the lowest of its per-example `100 - percentile` percentiles
    and the highest of its `percentile` percentiles: the rarest values are clipped and the
    other values get finer int8 steps. A residual stream whose few extreme values widen its
    range (a trained residual generator: 135 at the first upsampling, 4.4 standard
    deviation) loses the most to min/max ranges (export/README.md).
    """
    if percentile is not None and not 50.0 < percentile <= 100.0:
        raise ValueError(f"`percentile` must be in (50, 100]. Received: {percentile}")
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415
    from ai_edge_litert.interpreter import OpResolverType  # noqa: PLC0415
    from ai_edge_litert.tools import flatbuffer_utils  # noqa: PLC0415

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(calibrated))
    graph = model.subgraphs[0]  # the interpreter's tensor indices are the main graph's
    ranged = [i for i, tensor in enumerate(graph.tensors)
              if tensor.quantization is not None and tensor.quantization.min is not None
              and len(tensor.quantization.min) == 1]
    interpreter = Interpreter(
        model_content=bytes(calibrated), experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    low = dict.fromkeys(ranged, np.inf)
    high = dict.fromkeys(ranged, -np.inf)
    for sample in samples:
        for detail, values in zip(interpreter.get_input_details(), sample, strict=True):
            interpreter.set_tensor(detail["index"], values.astype(detail["dtype"]))
        interpreter.invoke()
        for i in ranged:
            values = interpreter.get_tensor(i)
            if percentile is not None and values.size >= PERCENTILE_MIN_SIZE:
                bottom, top = np.percentile(values, (100.0 - percentile, percentile))
            else:
                bottom, top = values.min(), values.max()
            low[i] = min(low[i], float(bottom))
            high[i] = max(high[i], float(top))
    for i in ranged:
        graph.tensors[i].quantization.min = [low[i]]
        graph.tensors[i].quantization.max = [high[i]]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def _input_order(saved_model_dir):
    """The SavedModel's input names in the order of the converted file's inputs."""
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    interpreter = Interpreter(model_content=_converter(saved_model_dir).convert())
    position = {detail["index"]: i for i, detail in enumerate(interpreter.get_input_details())}
    signature = interpreter.get_signature_runner().get_input_details()
    return sorted(signature, key=lambda name: position[signature[name]["index"]])


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
