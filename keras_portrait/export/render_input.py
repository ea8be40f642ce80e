"""`export_render_generator`: a RotationGAN's generator → SavedModel and builtins-only .tflite.

The files take two inputs, named as the signature names them:
- "render": the turned-and-rendered portrait, `(1, S, S, 3)`, uint8 [0, 255] (or float32
  [0, 1] with `input_type="float"`), as `keras_portrait.face.rotate_render` gives it;
- "holes": uint8 `(1, S, S)`, nonzero where the render has no texture;
and give the cleaned RGB portrait in the same type and range.
"""

import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_portrait.export.mask_input import _output
from keras_portrait.export.parity import compare
from keras_portrait.export.quantization import quantize_int8_inputs
from keras_portrait.export.runner import LiteRTRunner
from keras_portrait.export.runner import operator_names
from keras_portrait.export.savedmodel import INPUT_TYPES
from keras_portrait.export.savedmodel import check_input_type
from keras_portrait.export.savedmodel import from_boundary
from keras_portrait.export.savedmodel import to_boundary
from keras_portrait.export.tflite import FORMATS
from keras_portrait.export.tflite import PARITY_IMAGES
from keras_portrait.export.tflite import QUANTIZATION
from keras_portrait.export.tflite import _check_formats
from keras_portrait.export.tflite import _family
from keras_portrait.export.tflite import _finish
from keras_portrait.export.tflite import convert
from keras_portrait.export.tflite import latency_entry

RENDER_INPUT = "render"
HOLES_INPUT = "holes"
MAX_CALIBRATION = 128


def is_render_generator(model):
    """True for a GAN whose generator takes `[render, holes]` (a RotationGAN)."""
    generator = getattr(model, "generator", None)
    names = [getattr(t, "name", "").split(":")[0] for t in getattr(generator, "inputs", [])]
    return names == [RENDER_INPUT, HOLES_INPUT]


def cleaning_graph(gan, image_size, input_type="uint8", batch_size=1):
    """A functional model: boundary render + uint8 holes → boundary image."""
    check_input_type(input_type)
    dtype, (_, high) = INPUT_TYPES[input_type]
    render = keras.Input((image_size, image_size, 3), batch_size=batch_size, dtype=dtype,
                         name=RENDER_INPUT)
    holes = keras.Input((image_size, image_size), batch_size=batch_size, dtype="uint8",
                        name=HOLES_INPUT)
    image = ops.cast(render, "float32") * (2.0 / high) - 1.0
    mask = ops.expand_dims(ops.cast(ops.greater(holes, 0), "float32"), -1)
    y = gan.generator([image, mask], training=False)
    return keras.Model([render, holes], _output(y, input_type), name="cleaning_graph")


def pair_samples(data, image_size, max_examples=MAX_CALIBRATION):
    """uint8 renders (N, S, S, 3) and holes (N, S, S) from `{"render", "holes", ...}` batches
    (float [-1, 1] renders and 0/1 holes, as `rotation_pairs` gives them)."""
    renders, holes, count = [], [], 0
    for batch in data:
        render = np.asarray(batch["render"], np.float32)
        mask = np.asarray(batch["holes"], np.float32)
        if render.ndim == 3:
            render, mask = render[None], mask[None]
        if mask.ndim == 4:
            mask = mask[..., 0]
        renders.append(np.clip(np.round((render + 1.0) * 127.5), 0, 255).astype(np.uint8))
        holes.append((mask > 0.5).astype(np.uint8))
        count += len(render)
        if count >= max_examples:
            break
    if not renders:
        raise ValueError("The data gave no examples.")
    renders, holes = np.concatenate(renders)[:max_examples], np.concatenate(holes)[:max_examples]
    if renders.shape[1:3] != (image_size, image_size):
        renders = np.stack([tf.image.resize(r, (image_size, image_size)).numpy()
                            for r in renders]).round().clip(0, 255).astype(np.uint8)
        holes = np.stack([tf.image.resize(h[..., None], (image_size, image_size),
                                          method="nearest").numpy()[..., 0] for h in holes])
    return renders, holes


def _random_samples(image_size, count=PARITY_IMAGES, seed=0):
    rng = np.random.default_rng(seed)
    renders = rng.integers(0, 256, (count, image_size, image_size, 3), dtype=np.uint8)
    holes = (rng.uniform(size=(count, image_size, image_size)) < 0.2).astype(np.uint8)
    renders[holes > 0] = 0
    return renders, holes


def export_render_generator(
    gan,
    out_dir,
    image_size=256,
    formats=FORMATS,
    input_type="uint8",
    representative_data=None,
    parity_data=None,
    card=None,
    name="rotation",
    num_threads=2,
):
    """Exports a RotationGAN's generator for mobile: inputs "render" and "holes" → the image.

    Args:
        gan: a `keras_portrait.RotationGAN`.
        out_dir: str. Folder of the outputs (created when missing).
        image_size: int. Side of the exported render (the generator is fully convolutional;
            a multiple of `2**num_downsamplings`). Defaults to `256`.
        formats: sequence of str from `FORMATS`. Defaults to all.
        input_type: str. "uint8" ([0, 255]) or "float" ([0, 1]) render and output.
            Defaults to `"uint8"`.
        representative_data: `{"render", "holes", ...}` batches (`rotation_pairs`); up to 128
            examples calibrate "int8", which needs it.
        parity_data: the same kind of data for the cards' parity (8 examples). Defaults to
            the first calibration examples, else random renders with 20 % holes (seed 0).
        card: dict or None. Fields copied into every card.
        name: str. Stem of the file names. Defaults to `"rotation"`.
        num_threads: int. LiteRT threads for parity and latency. Defaults to `2`.

    Returns:
        dict format → card (with `path`).
    """
    formats = _check_formats(formats)
    check_input_type(input_type)
    step = 2**gan.num_downsamplings
    if image_size % step:
        raise ValueError(f"`image_size` must be a multiple of {step}. Received: {image_size}")
    if "int8" in formats and representative_data is None:
        raise ValueError('`formats` includes "int8", which needs `representative_data`: '
                         'rotation pairs {"render", "holes", "target"} to calibrate with.')
    os.makedirs(out_dir, exist_ok=True)
    calibration = None
    if representative_data is not None:
        calibration = pair_samples(representative_data, image_size)
    if parity_data is not None:
        renders, holes = pair_samples(parity_data, image_size, PARITY_IMAGES)
        source = "parity_data"
    elif calibration is not None:
        renders, holes = (a[:PARITY_IMAGES] for a in calibration)
        source = "calibration examples (in-sample)"
    else:
        renders, holes = _random_samples(image_size)
        source = "uniform random renders with 20 % holes, seed 0"
    boundary = to_boundary(renders, input_type)
    reference = from_boundary(cleaning_graph(gan, image_size, input_type, batch_size=None)(
        [boundary, holes], training=False))
    extra = {"family": _family(gan), **(card or {})}
    inputs_card = {
        RENDER_INPUT: {"shape": [1, image_size, image_size, 3], "dtype": str(boundary.dtype),
                       "meaning": "the turned portrait as keras_portrait.face.rotate_render "
                                  "renders it, 0 in the holes"},
        HOLES_INPUT: {"shape": [1, image_size, image_size], "dtype": "uint8",
                      "meaning": "nonzero where the render has no texture"},
    }
    shape = (1, image_size, image_size, 3)
    keep_saved_model = "saved_model" in formats
    saved_model_dir = (os.path.join(out_dir, f"{name}_saved_model") if keep_saved_model
                       else tempfile.mkdtemp(prefix="keras_portrait_export_"))
    results = {}
    try:
        graph = cleaning_graph(gan, image_size, input_type)
        graph.export(str(saved_model_dir), format="tf_saved_model", verbose=False)
        if keep_saved_model:
            loaded = tf.saved_model.load(saved_model_dir)
            outputs = np.concatenate([
                loaded.serve([boundary[i : i + 1], holes[i : i + 1]]).numpy()
                for i in range(len(holes))])
            results["saved_model"] = _finish(
                "saved_model", saved_model_dir, shape, input_type,
                {**compare(reference, from_boundary(outputs)), "source": source},
                extra=extra, inputs=inputs_card)
        for fmt in formats:
            if fmt == "saved_model":
                continue
            if fmt == "int8":
                content = quantize_int8_inputs(saved_model_dir, {
                    RENDER_INPUT: to_boundary(calibration[0], input_type),
                    HOLES_INPUT: calibration[1]})
            else:
                content = convert(saved_model_dir, fmt, input_type)
            path = os.path.join(out_dir, f"{name}_{fmt}.tflite")
            with open(path, "wb") as f:
                f.write(content)
            runner = LiteRTRunner(path, num_threads=num_threads)
            outputs = runner(boundary, **{HOLES_INPUT: holes})
            quantization = dict(QUANTIZATION[fmt])
            if fmt == "int8":
                quantization["calibration_examples"] = int(len(calibration[0]))
            results[fmt] = _finish(
                fmt, path, shape, input_type,
                {**compare(reference, from_boundary(outputs)), "source": source},
                latency=latency_entry(runner), operators=operator_names(content),
                quantization=quantization, extra=extra, inputs=inputs_card)
    finally:
        if not keep_saved_model:
            shutil.rmtree(saved_model_dir, ignore_errors=True)
    return results


class LiteRTCleaner:
    """A rotation .tflite file (uint8 render + holes) behind `RotationGAN.clean`'s interface, so
    `keras_portrait.rotate(image, yaw, model=LiteRTCleaner(path), size=cleaner.image_size)`
    runs the on-device path.

    Args:
        path: str. A file written by `export_render_generator` with uint8 input.
        num_threads: int. LiteRT threads. Defaults to `2`.
    """

    def __init__(self, path, num_threads=2):
        self.runner = LiteRTRunner(path, num_threads=num_threads)
        if self.runner.input_names != (RENDER_INPUT, HOLES_INPUT):
            raise ValueError(f"{path!r} is not a rotation file: its inputs are "
                             f"{list(self.runner.input_names)}, not render and holes.")
        if np.dtype(self.runner.input_dtype) != np.uint8:
            raise ValueError(f"{path!r} takes float renders; LiteRTCleaner runs uint8 files.")
        self.image_size = int(self.runner.input_shape[1])

    def clean(self, renders, holes):
        """uint8 cleaned images of uint8 renders (N, S, S, 3) or (S, S, 3) and their holes."""
        renders = np.asarray(renders, np.uint8)
        holes = np.asarray(holes).astype(np.uint8)
        if renders.shape[-3:-1] != (self.image_size, self.image_size):
            raise ValueError(f"This file cleans {self.image_size}² renders. Received "
                             f"{renders.shape}: call rotate(..., size={self.image_size}).")
        return self.runner(renders, holes=holes)
