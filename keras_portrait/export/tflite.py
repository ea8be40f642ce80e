"""Builtins-only .tflite conversion of an export SavedModel, in every format."""

import copy
import os

import numpy as np
import tensorflow as tf

from keras_portrait.export.quantization import quantize_int8_inputs

# Inputs of one CONCATENATION written by `delegable`.
MAX_CONCATENATED = 4

FORMATS = ("saved_model", "fp32", "fp16", "int8_dynamic", "int8")

# How each .tflite format stores weights and activations (the card's `quantization`).
QUANTIZATION = {
    "fp32": {"weights": "float32", "activations": "float32"},
    "fp16": {"weights": "float16 (dequantized to float32 at load)", "activations": "float32"},
    "int8_dynamic": {"weights": "int8 per-channel", "activations": "float32, int8 on the fly"},
    "int8": {"weights": "int8 per-channel", "activations": "int8 (calibrated); the "
             "instance-norm statistics in float32 between QUANTIZE/DEQUANTIZE"},
}


def check_formats(formats):
    """`formats` as a tuple without repeats; a ValueError for a format not in `FORMATS`."""
    if isinstance(formats, str):
        formats = (formats,)
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(
            f"`formats` must be a non-empty sequence of {', '.join(FORMATS)}. "
            f"Received: formats={formats!r}"
        )
    return tuple(dict.fromkeys(formats))


def convert(saved_model_dir, fmt, calibration=None, per_channel=True, range_percentile=None):
    """The .tflite bytes of an export SavedModel in one format (builtins only).

    Args:
        saved_model_dir: str. A SavedModel of a `boundary_graph` (batch 1).
        fmt: str. "fp32", "fp16", "int8_dynamic" or "int8".
        calibration: dict input name → examples in the file's dtype and range
            (`boundary.to_file`), one row each; needed for "int8".
        per_channel: bool. "int8" weights with a scale per output channel, else one per
            tensor. Defaults to `True`.
        range_percentile: float or None. "int8" activation ranges (`quantize_int8_inputs`).
            Defaults to `None`: min and max.

    The converter's output goes through `delegable`, so that LiteRT's default delegate runs
    the reflection padding and the transposed convolutions.
    """
    if fmt == "int8":
        if calibration is None:
            raise ValueError('The "int8" format needs calibration examples.')
        return delegable(quantize_int8_inputs(saved_model_dir, calibration,
                                              per_channel=per_channel,
                                              range_percentile=range_percentile))
    if fmt not in ("fp32", "fp16", "int8_dynamic"):
        raise ValueError(f"Unknown .tflite format {fmt!r}. Valid: fp32, fp16, int8_dynamic, int8")
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if fmt in ("fp16", "int8_dynamic"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if fmt == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    return delegable(converter.convert())


def latency_entry(runner):
    """The card's `latency`: LiteRT median of one invoke, threads, runtime, CPUs."""
    return {"median_ms": 1e3 * runner.latency(), "num_threads": runner.num_threads,
            "runtime": "ai_edge_litert.interpreter.Interpreter",
            "cpus_available": len(os.sched_getaffinity(0))}


def delegable(content):
    """`content` rewritten so that XNNPACK, LiteRT's default CPU delegate, runs its padding
    and upsampling. The same function: bit for bit under the builtin kernels (under XNNPACK
    the transposed convolutions round as XNNPACK's kernels do).

    Measured (TF 2.21, ai-edge-litert 2.3, AVX2 CPU; benchmarks/tflite_latency.py): LiteRT's
    MIRROR_PAD kernel is not delegated and copies element by element — a third of a ResNet
    generator's time, fp32 and int8 alike, 7-40x slower than the same padding as SLICEs of the
    border rows and columns joined by a CONCATENATION, which XNNPACK runs. A TRANSPOSE_CONV
    whose output shape is computed in the graph (SHAPE, STRIDED_SLICE, PACK: Keras'
    Conv2DTranspose with an unknown batch) is not delegated either; in a file of fixed shapes
    it gets its own output shape as a constant, and the ops that computed it go.
    """
    from ai_edge_litert.tools import flatbuffer_utils  # noqa: PLC0415

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(content))
    graph_rewrite = _GraphRewrite(model, flatbuffer_utils.schema_fb)
    for graph in model.subgraphs:
        graph_rewrite.run(graph)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


class _GraphRewrite:
    """The rewrites of `delegable` on one model's subgraphs."""

    def __init__(self, model, schema):
        self.model, self.schema = model, schema
        ops = schema.BuiltinOperator
        self.names = {v: k for k, v in vars(ops).items() if k.isupper()}

    def op_name(self, op):
        code = self.model.operatorCodes[op.opcodeIndex]
        return self.names.get(max(code.builtinCode, code.deprecatedBuiltinCode))

    def constant(self, graph, index):
        """The value of a constant tensor, or None."""
        tensor = graph.tensors[index]
        data = self.model.buffers[tensor.buffer].data if tensor.buffer else None
        if data is None or not len(data):
            return None
        dtype = {self.schema.TensorType.INT32: np.int32,
                 self.schema.TensorType.INT64: np.int64}.get(tensor.type)
        return None if dtype is None else np.frombuffer(bytes(data), dtype).reshape(tensor.shape)

    def run(self, graph):
        operators = []
        for op in graph.operators:
            name = self.op_name(op)
            if name == "MIRROR_PAD":
                operators.extend(self._mirror_pad(graph, op) or [op])
            else:
                if name == "TRANSPOSE_CONV":
                    self._constant_output_shape(graph, op)
                operators.append(op)
        graph.operators = self._live(graph, operators)

    def _static_shape(self, graph, index):
        shape = [int(d) for d in graph.tensors[index].shape]
        return shape if shape and min(shape) > 0 else None

    def _mirror_pad(self, graph, op):
        """SLICE + CONCATENATION ops equal to a MIRROR_PAD with constant paddings, or None."""
        source, output = op.inputs[0], op.outputs[0]
        paddings = self.constant(graph, op.inputs[1])
        shape = self._static_shape(graph, source)
        if paddings is None or shape is None:
            return None
        options = op.builtinOptions
        symmetric = int(options is not None and options.mode == self.schema.MirrorPadMode.SYMMETRIC)
        axes = [axis for axis in range(len(shape)) if paddings[axis].any()]
        new_ops, x = [], source
        for n, axis in enumerate(axes):
            before, after = (int(p) for p in paddings[axis])
            size = shape[axis]
            sides = ([before - i - symmetric for i in range(before)],
                     [size - 2 + symmetric - i for i in range(after)])
            pieces = []
            for side, rows in zip(("top", "bottom"), sides):
                slices = []
                for row in rows:
                    begin, extent = [0] * len(shape), list(shape)
                    begin[axis], extent[axis] = row, 1
                    piece = self._tensor(graph, source, extent, f"row{row}_axis{axis}")
                    new_ops.append(self._op(graph, "SLICE", [x, self._int32(graph, begin),
                                                             self._int32(graph, extent)], [piece]))
                    slices.append(piece)
                if len(slices) > 1:  # the border rows joined first: `x` is copied once
                    extent = list(shape)
                    extent[axis] = len(slices)
                    joined = self._tensor(graph, source, extent, f"{side}_axis{axis}")
                    new_ops.extend(self._concatenation(graph, slices, joined, axis))
                    slices = [joined]
                pieces.append(slices)
            shape = list(shape)
            shape[axis] += before + after
            last = n == len(axes) - 1
            padded = output if last else self._tensor(graph, source, shape, f"padded_axis{axis}")
            new_ops.extend(self._concatenation(graph, [*pieces[0], x, *pieces[1]], padded, axis))
            x = padded
        return new_ops

    def _concatenation(self, graph, pieces, output, axis):
        """CONCATENATION ops of at most `MAX_CONCATENATED` inputs each (XNNPACK took one of
        three inputs, not one of seven) joining `pieces` into `output`."""
        ops = []
        while len(pieces) > MAX_CONCATENATED:
            joined = []
            for start in range(0, len(pieces), MAX_CONCATENATED):
                chunk = pieces[start : start + MAX_CONCATENATED]
                if len(chunk) == 1:
                    joined.extend(chunk)
                    continue
                shape = list(graph.tensors[chunk[0]].shape)
                shape[axis] = sum(int(graph.tensors[t].shape[axis]) for t in chunk)
                part = self._tensor(graph, output, shape, f"part{start}_axis{axis}")
                ops.append(self._op(graph, "CONCATENATION", chunk, [part], axis=axis))
                joined.append(part)
            pieces = joined
        ops.append(self._op(graph, "CONCATENATION", pieces, [output], axis=axis))
        return ops

    def _constant_output_shape(self, graph, op):
        if self.constant(graph, op.inputs[0]) is not None:
            return
        shape = self._static_shape(graph, op.outputs[0])
        if shape is not None:
            op.inputs[0] = self._int32(graph, shape)

    def _live(self, graph, operators):
        """`operators` without the ops whose outputs nothing reads."""
        while True:
            read = set(graph.outputs) | {t for op in operators for t in op.inputs}
            live = [op for op in operators
                    if not len(op.outputs) or any(t in read for t in op.outputs)]
            if len(live) == len(operators):
                return live
            operators = live

    def _tensor(self, graph, like, shape, suffix):
        tensor = copy.copy(graph.tensors[like])
        name = tensor.name.decode() if isinstance(tensor.name, bytes) else tensor.name
        tensor.name = f"{name}/{suffix}"
        tensor.shape = list(shape)
        tensor.shapeSignature = None
        tensor.buffer = 0
        graph.tensors.append(tensor)
        return len(graph.tensors) - 1

    def _int32(self, graph, values):
        buffer = self.schema.BufferT()
        buffer.data = np.frombuffer(np.asarray(values, np.int32).tobytes(), np.uint8)
        self.model.buffers.append(buffer)
        tensor = self.schema.TensorT()
        tensor.shape, tensor.type = [len(values)], self.schema.TensorType.INT32
        tensor.buffer = len(self.model.buffers) - 1
        tensor.name = f"delegable_constant_{len(graph.tensors)}"
        graph.tensors.append(tensor)
        return len(graph.tensors) - 1

    def _op(self, graph, name, inputs, outputs, axis=None):
        quantized = graph.tensors[outputs[0]].type in (self.schema.TensorType.INT8,
                                                      self.schema.TensorType.UINT8)
        op = self.schema.OperatorT()
        op.opcodeIndex = self._opcode(name, version=2 if quantized else 1)
        op.inputs, op.outputs = list(inputs), list(outputs)
        if name == "CONCATENATION":
            op.builtinOptionsType = self.schema.BuiltinOptions.ConcatenationOptions
            op.builtinOptions = self.schema.ConcatenationOptionsT()
            op.builtinOptions.axis = axis
        else:
            op.builtinOptionsType = self.schema.BuiltinOptions.SliceOptions
            op.builtinOptions = self.schema.SliceOptionsT()
        return op

    def _opcode(self, name, version):
        builtin = getattr(self.schema.BuiltinOperator, name)
        for i, code in enumerate(self.model.operatorCodes):
            if (max(code.builtinCode, code.deprecatedBuiltinCode) == builtin
                    and code.version == version):
                return i
        code = self.schema.OperatorCodeT()
        code.builtinCode, code.deprecatedBuiltinCode = builtin, min(builtin, 127)
        code.version = version
        self.model.operatorCodes.append(code)
        return len(self.model.operatorCodes) - 1
