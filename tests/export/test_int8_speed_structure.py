"""The structure that lets XNNPACK run the exported files (`tflite.delegable`): no MIRROR_PAD,
constant TRANSPOSE_CONV output shapes, the same outputs. Timings: benchmarks/tflite_latency.py."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from ai_edge_litert.interpreter import OpResolverType

from keras_portrait.export.runner import operator_names
from keras_portrait.export.tflite import convert
from keras_portrait.export.tflite import delegable
from keras_portrait.layers import ReflectionPadding2D

SIZE = 12


def _pad_and_upsample(mode):
    """Reflection (or symmetric) paddings of 1 and 3 and a stride-2 transposed convolution."""
    keras.utils.set_random_seed(0)
    image = keras.Input((SIZE, SIZE, 3), batch_size=1)
    if mode == "REFLECT":
        x = ReflectionPadding2D(3)(image)
    else:
        x = keras.layers.Lambda(lambda t: tf.pad(t, [[0, 0], [2, 1], [1, 2], [0, 0]], mode))(image)
    x = keras.layers.Conv2D(8, 3, strides=2)(x)
    x = ReflectionPadding2D(1)(x)
    x = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="valid")(x)
    return keras.Model(image, keras.layers.Cropping2D(((1, 0), (1, 0)))(x))


@pytest.fixture(scope="module", params=["REFLECT", "SYMMETRIC"])
def saved_model(request, tmp_path_factory):
    path = str(tmp_path_factory.mktemp(request.param.lower()))
    _pad_and_upsample(request.param).export(path, verbose=False)
    return path


def _plain(saved_model):
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def _run(content, x, resolver=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES):
    interpreter = Interpreter(model_content=content, experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def _undelegated(content):
    """Names of the ops LiteRT's default delegate (XNNPACK) leaves to the builtin kernels."""
    plain = Interpreter(model_content=content,
                        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    ops = plain._get_ops_details()  # noqa: SLF001
    auto = Interpreter(model_content=content)
    auto.allocate_tensors()
    wrapper = auto._interpreter  # noqa: SLF001  (delegate nodes follow the model's ops)
    producer = {t: op["index"] for op in ops for t in op["outputs"]}
    inside = set()
    for node in range(len(ops), wrapper.NumNodes()):
        boundary = set(wrapper.NodeInputs(node))
        stack = [producer[t] for t in wrapper.NodeOutputs(node) if t in producer]
        while stack:
            index = stack.pop()
            if index not in inside:
                inside.add(index)
                stack.extend(producer[t] for t in ops[index]["inputs"]
                             if t >= 0 and t not in boundary and t in producer)
    return sorted({op["op_name"] for op in ops if op["index"] not in inside})


def test_plain_conversion_has_the_slow_structure(saved_model):
    """The converter's own file: the ops that `delegable` replaces are there and undelegated."""
    plain = _plain(saved_model)
    assert {"MIRROR_PAD", "SHAPE", "TRANSPOSE_CONV"} <= set(operator_names(plain))
    assert {"MIRROR_PAD", "TRANSPOSE_CONV"} <= set(_undelegated(plain))


def test_delegable_is_the_same_function_without_mirror_pad(saved_model):
    plain = _plain(saved_model)
    rewritten = delegable(plain)
    names = operator_names(rewritten)
    assert "MIRROR_PAD" not in names and "SHAPE" not in names and "PACK" not in names
    assert {"SLICE", "CONCATENATION", "TRANSPOSE_CONV"} <= set(names)
    x = np.random.default_rng(0).normal(size=(1, SIZE, SIZE, 3)).astype(np.float32)
    np.testing.assert_array_equal(_run(rewritten, x), _run(plain, x))  # pure data movement
    np.testing.assert_allclose(_run(rewritten, x, OpResolverType.AUTO), _run(plain, x),
                               atol=1e-5)
    assert _undelegated(rewritten) == []


def test_int8_file_is_delegated_whole_and_int8_inside(saved_model):
    rng = np.random.default_rng(1)
    content = convert(saved_model, "int8",
                      {"keras_tensor": rng.normal(size=(4, SIZE, SIZE, 3)).astype(np.float32)})
    assert "MIRROR_PAD" not in operator_names(content)
    assert _undelegated(content) == []
    plain = Interpreter(model_content=content,
                        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    plain.allocate_tensors()
    tensors = {t["index"]: t for t in plain.get_tensor_details()}
    for op in plain._get_ops_details():  # noqa: SLF001
        if op["op_name"] in ("SLICE", "CONCATENATION", "TRANSPOSE_CONV"):
            assert np.dtype(tensors[op["outputs"][0]]["dtype"]) == np.int8, op["op_name"]
        if op["op_name"] == "CONCATENATION":  # same scale in and out: an exact copy
            scales = {tensors[t]["quantization"] for t in [*op["inputs"], *op["outputs"]]}
            assert len(scales) == 1


def test_exported_files_have_no_mirror_pad(uint8_export):
    for fmt in ("fp32", "fp16", "int8_dynamic", "int8"):
        assert "MIRROR_PAD" not in uint8_export[fmt]["operators"], fmt
    with open(uint8_export["int8"]["path"], "rb") as f:
        undelegated = set(_undelegated(f.read()))
    # Only the uint8 output's clip and cast stay with the builtin kernels.
    assert undelegated <= {"MINIMUM", "RELU", "CAST"}, undelegated
