"""Runs exported .tflite generators under LiteRT (ai-edge-litert), the mobile runtime."""

import os
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter


class LiteRTRunner:
    """A .tflite image-to-image file behind a numpy call.

    Args:
        path: str. The .tflite file.
        num_threads: int. CPU threads of the interpreter. Defaults to `2`.

    `runner(images)` takes a batch (or one image) in the file's own input dtype and range
    (see `input_details`; uint8 [0, 255] or float32 [0, 1] for files of `export_generator`) and
    returns the outputs stacked in the file's output dtype. A file with a fixed batch smaller
    than the given batch runs the images in chunks of its batch size.
    """

    def __init__(self, path, num_threads=2):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No .tflite file at {path!r}")
        if not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError(f"`num_threads` must be an int >= 1. Received: {num_threads}")
        self.path = path
        self.num_threads = num_threads
        self.interpreter = Interpreter(model_path=path, num_threads=num_threads)
        self.interpreter.allocate_tensors()
        inputs = self.interpreter.get_input_details()
        outputs = self.interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(
                f"LiteRTRunner runs files with one input and one output; {path!r} has "
                f"{len(inputs)} inputs and {len(outputs)} outputs."
            )
        self._input, self._output = inputs[0], outputs[0]

    @property
    def input_details(self):
        return self._input

    @property
    def output_details(self):
        return self._output

    @property
    def input_shape(self):
        return tuple(int(d) for d in self._input["shape"])

    @property
    def input_dtype(self):
        return np.dtype(self._input["dtype"])

    @property
    def output_dtype(self):
        return np.dtype(self._output["dtype"])

    def __call__(self, images):
        images = np.asarray(images)
        single = images.ndim == 3
        if single:
            images = images[None]
        if images.shape[1:] != self.input_shape[1:]:
            raise ValueError(
                f"{self.path!r} takes images of shape {self.input_shape[1:]}. "
                f"Received: {images.shape[1:]}"
            )
        if images.dtype != self.input_dtype:
            raise ValueError(
                f"{self.path!r} takes {self.input_dtype} images. Received: {images.dtype}"
            )
        batch = self.input_shape[0]
        outputs = [self._invoke(images[start : start + batch])
                   for start in range(0, len(images), batch)]
        outputs = np.concatenate(outputs, axis=0)
        return outputs[0] if single else outputs

    def _invoke(self, chunk):
        batch = self.input_shape[0]
        size = len(chunk)
        if size < batch:  # the last chunk, padded to the fixed batch
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], batch - size, axis=0)])
        self.interpreter.set_tensor(self._input["index"], chunk)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output["index"])[:size]

    def latency(self, repeats=10, warmup=2):
        """Median seconds of one invoke on a zero input of the file's shape."""
        zeros = np.zeros(self.input_shape, self.input_dtype)
        self.interpreter.set_tensor(self._input["index"], zeros)
        for _ in range(warmup):
            self.interpreter.invoke()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            self.interpreter.invoke()
            times.append(time.perf_counter() - start)
        return float(np.median(times))


def operator_names(path_or_content):
    """Sorted names of the operators a .tflite file uses (builtin names, or custom codes).

    Read from the flatbuffer's operator codes: a Flex or custom op shows as its custom code
    (e.g. `"FlexConv2D"`), a builtin as its TFLite name (e.g. `"CONV_2D"`).
    """
    from tensorflow.lite.python import schema_py_generated as schema  # noqa: PLC0415

    if isinstance(path_or_content, (bytes, bytearray)):
        content = bytes(path_or_content)
    else:
        with open(path_or_content, "rb") as f:
            content = f.read()
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(content, 0))
    builtin_names = {v: k for k, v in vars(schema.BuiltinOperator).items() if k.isupper()}
    used = {index.opcodeIndex for graph in model.subgraphs for index in graph.operators}
    names = set()
    for i in used:
        code = model.operatorCodes[i]
        op = max(code.builtinCode, code.deprecatedBuiltinCode)
        if op == schema.BuiltinOperator.CUSTOM:
            custom = code.customCode
            names.add(custom.decode() if isinstance(custom, bytes) else str(custom))
        else:
            names.add(builtin_names[op])
    return sorted(names)


def custom_operators(path_or_content):
    """The Flex and custom operators of a .tflite file (empty for builtins-only files)."""
    from tensorflow.lite.python import schema_py_generated as schema  # noqa: PLC0415

    builtin = {k for k in vars(schema.BuiltinOperator) if k.isupper()}
    return [name for name in operator_names(path_or_content) if name not in builtin]
