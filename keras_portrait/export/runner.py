"""Runs exported .tflite generators under LiteRT (ai-edge-litert), the mobile runtime."""

import os
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from keras_portrait.export.label_input import IMAGE_INPUT


class LiteRTRunner:
    """A .tflite generator file behind a numpy call: images in, images out.

    Args:
        path: str. The .tflite file.
        num_threads: int. CPU threads of the interpreter. Defaults to `2`.

    `runner(images)` takes a batch (or one image) in the file's own input dtype and range
    (see `input_details`; uint8 [0, 255] or float32 [0, 1] for files of `export_generator`) and
    returns the outputs stacked in the file's output dtype. A file with a fixed batch smaller
    than the given batch runs the images in chunks of its batch size.

    A file with more inputs (an image and a "label") gets the others by name:
    `runner(images, label=vectors)`, each with one row per image, or a single row for every
    image. The input taken first is the one named "images", else the first RGB image (N, H,
    W, 3), else the first map (N, H, W): a file of a class-id "mask", a "code" and "metadata"
    runs as `runner(masks, code=codes, metadata=vectors)`. `input_names` lists them all, the
    first one first, as the file's signature names them.
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
        self._inputs = _named_inputs(self.interpreter)
        outputs = self.interpreter.get_output_details()
        if len(outputs) != 1:
            raise ValueError(
                f"LiteRTRunner runs files with one output; {path!r} has {len(outputs)} outputs."
            )
        self._output = outputs[0]
        self._image_name = _primary_input(self._inputs)
        self._input = self._inputs[self._image_name]

    @property
    def input_names(self):
        """The names of the file's inputs, the image input first."""
        return (self._image_name, *(n for n in self._inputs if n != self._image_name))

    @property
    def input_details(self):
        """The details of the image input (`inputs_details` has every input's)."""
        return self._input

    @property
    def inputs_details(self):
        """dict input name → its interpreter details."""
        return dict(self._inputs)

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

    def __call__(self, images, **inputs):
        images = np.asarray(images)
        single = images.ndim == len(self.input_shape) - 1
        if single:
            images = images[None]
        arrays = {self._image_name: self._checked(self._image_name, images, len(images))}
        missing = [n for n in self._inputs if n != self._image_name and n not in inputs]
        unknown = [n for n in inputs if n not in self._inputs or n == self._image_name]
        if missing or unknown:
            raise ValueError(
                f"{self.path!r} takes the inputs {list(self.input_names)}: the images first, "
                f"the others by name. Missing: {missing}; unknown: {unknown}"
            )
        for name, value in inputs.items():
            arrays[name] = self._checked(name, np.asarray(value), len(images))
        batch = self.input_shape[0]
        outputs = [self._invoke({name: a[start : start + batch] for name, a in arrays.items()})
                   for start in range(0, len(images), batch)]
        outputs = np.concatenate(outputs, axis=0)
        return outputs[0] if single else outputs

    def _checked(self, name, array, count):
        """`array` as `count` rows of input `name`, checked against the file."""
        details = self._inputs[name]
        shape = tuple(int(d) for d in details["shape"][1:])
        dtype = np.dtype(details["dtype"])
        if array.shape == shape:  # one row for every image
            array = np.repeat(array[None], count, axis=0)
        if array.shape[1:] != shape or len(array) != count:
            what = "images" if name == self._image_name else f"{count} rows"
            raise ValueError(
                f"{self.path!r} takes {what} of shape {shape} as {name!r}. "
                f"Received: {array.shape[1:] if name == self._image_name else array.shape}"
            )
        if array.dtype != dtype:
            what = "images" if name == self._image_name else f"values as {name!r}"
            raise ValueError(f"{self.path!r} takes {dtype} {what}. Received: {array.dtype}")
        return array

    def _invoke(self, chunks):
        batch = self.input_shape[0]
        size = len(next(iter(chunks.values())))
        for name, chunk in chunks.items():
            if size < batch:  # the last chunk, padded to the fixed batch
                chunk = np.concatenate([chunk, np.repeat(chunk[-1:], batch - size, axis=0)])
            self.interpreter.set_tensor(self._inputs[name]["index"], chunk)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output["index"])[:size]

    def latency(self, repeats=10, warmup=2):
        """Median seconds of one invoke on zero inputs of the file's shapes."""
        for details in self._inputs.values():
            zeros = np.zeros(details["shape"], np.dtype(details["dtype"]))
            self.interpreter.set_tensor(details["index"], zeros)
        for _ in range(warmup):
            self.interpreter.invoke()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            self.interpreter.invoke()
            times.append(time.perf_counter() - start)
        return float(np.median(times))


def _primary_input(inputs):
    """The input a runner takes first: "images", else the first RGB image, else the first
    (N, H, W) map, else the first input."""
    if IMAGE_INPUT in inputs:
        return IMAGE_INPUT
    for rank in (4, 3):
        for name, details in inputs.items():
            if len(details["shape"]) == rank:
                return name
    return next(iter(inputs))


def _named_inputs(interpreter):
    """dict name → details of the inputs, named as the file's signature names them.

    The signature keeps the names of the exported model's inputs ("images", "label", ...); a
    file without one falls back to the tensor names.
    """
    signatures = interpreter.get_signature_list()
    if len(signatures) == 1:
        key = next(iter(signatures))
        named = interpreter.get_signature_runner(key).get_input_details()
        by_index = {d["index"]: d for d in interpreter.get_input_details()}
        return {name: by_index.get(d["index"], d) for name, d in named.items()}
    return {_tensor_name(d["name"]): d for d in interpreter.get_input_details()}


def _tensor_name(name):
    name = name.split(":")[0]
    return name[len("serving_default_"):] if name.startswith("serving_default_") else name


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


class LiteRTCleaner:
    """A file of an image and its holes (uint8 render + holes) behind the `clean(renders,
    holes)` interface of a model that fills holes, so that code written for the Keras model
    (e.g. `keras_portrait.rotate(image, yaw, model=LiteRTCleaner(path),
    size=cleaner.image_size)`) runs the on-device path.

    Args:
        path: str. A file written by `export_generator` with uint8 input, whose inputs are an
            RGB image (N, S, S, 3) and a hole map (N, S, S).
        num_threads: int. LiteRT threads. Defaults to `2`.
    """

    def __init__(self, path, num_threads=2):
        self.runner = LiteRTRunner(path, num_threads=num_threads)
        names = self.runner.input_names
        ranks = [len(self.runner.inputs_details[name]["shape"]) for name in names]
        if ranks != [4, 3]:
            raise ValueError(f"{path!r} is not a file of an image and its holes: its inputs "
                             f"are {list(names)}.")
        if np.dtype(self.runner.input_dtype) != np.uint8:
            raise ValueError(f"{path!r} takes float images; LiteRTCleaner runs uint8 files.")
        self.holes_name = names[1]
        self.image_size = int(self.runner.input_shape[1])

    def clean(self, renders, holes):
        """uint8 cleaned images of uint8 renders (N, S, S, 3) or (S, S, 3) and their holes."""
        renders = np.asarray(renders, np.uint8)
        holes = np.asarray(holes).astype(np.uint8)
        if renders.shape[-3:-1] != (self.image_size, self.image_size):
            raise ValueError(f"This file cleans {self.image_size}² renders. Received "
                             f"{renders.shape}: call rotate(..., size={self.image_size}).")
        return self.runner(renders, **{self.holes_name: holes})
