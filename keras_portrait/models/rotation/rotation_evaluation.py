"""`evaluate_rotation`: turned SynthPortraits against the true render at the asked yaw.

SynthPortraits renders a sitter at any yaw, so a turn has ground truth: the same sitter,
expression, light and background rendered at the target yaw. Each source portrait (near
frontal) is turned to a target yaw through the fitted mesh (`rotate_render`, fitted to the
render's true landmarks so the figures measure the turn and the cleaning, not the detector),
then cleaned by the model. Scored, per style, for the raw render and for the model's output:
SSIM and PSNR against the truth, the yaw the face toolkit measures on the output against the
asked one, and (with an embedder) the identity similarity to the truth; for the renders and the
model, the luminance error by region (`region_errors`: the pixels the turn rendered, small
holes, large holes), where a whole-image figure hides what a fill does in the holes (about 4 %
of the pixels at 64², at most 10 %). Two baselines: the unturned source against the truth (do
nothing), and the raw render with its holes filled by classical inpainting (OpenCV's Telea),
which a GAN must beat to be worth its weight.
"""

import cv2
import numpy as np

from keras_portrait.data import SynthPortraits
from keras_portrait.data import render_controls
from keras_portrait.face.expression import GRAY_WEIGHTS
from keras_portrait.face.mesh import rotate_render
from keras_portrait.grids import image_grid
from keras_portrait.metrics.image_quality import psnr
from keras_portrait.models.rotation.classical_fills import classical_fill
from keras_portrait.metrics.image_quality import ssim
from keras_portrait.metrics.image_quality import summary
from keras_portrait.models.rotation.rotation_gan import HOLE_COLOR

# The face toolkit's landmark model wants faces of a reasonable size: small outputs are
# enlarged to this side before their pose is measured.
POSE_SIDE = 256
# Holes of at most this many pixels count as small in `region_errors`: at 64² a sliver or the
# corner of an eye (an absolute count: at 128² the same holes have 4× the pixels, so pass
# `small_area` scaled to compare sizes); a pixel more than DARK_LEVELS grey levels darker than
# the truth is a speck.
SMALL_HOLE_AREA = 12
DARK_LEVELS = 50


def _pose_errors(images, yaws):
    """|measured yaw − asked yaw| per image (NaN where no face is found)."""
    from keras_portrait.face.landmarks import landmarks  # noqa: PLC0415
    from keras_portrait.face.pose import head_pose  # noqa: PLC0415

    errors = []
    for image, yaw in zip(images, yaws):
        big = cv2.resize(image, (POSE_SIDE, POSE_SIDE), interpolation=cv2.INTER_CUBIC)
        points = landmarks(big)
        errors.append(np.nan if points is None else abs(head_pose(points).yaw - yaw))
    return np.array(errors)


def hole_regions(holes, small_area=SMALL_HOLE_AREA):
    """(small, large) boolean masks like `holes` (N, H, W): hole pixels whose 8-connected hole
    has at most `small_area` pixels (slivers at edge-on triangles, corners of the eyes and
    mouth), and the others (the side of the head a turn brings into view)."""
    holes = np.asarray(holes, bool)
    if holes.ndim != 3:
        raise ValueError(f"`holes` must be masks (N, H, W). Received shape {holes.shape}")
    small = np.zeros_like(holes)
    for i, mask in enumerate(holes):
        _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8),
                                                               connectivity=8)
        sizes = stats[:, cv2.CC_STAT_AREA]
        small[i] = (sizes[labels] <= small_area) & mask
    return small, holes & ~small


def region_errors(outputs, truth, holes, small_area=SMALL_HOLE_AREA):
    """Luminance error (output − truth, grey levels) where the turn rendered texture and in
    the small and large holes (`hole_regions` with `small_area`): mean (the bias: negative is
    darker than the truth), RMS, and the fraction of pixels more than `DARK_LEVELS` darker than
    the truth (dark specks)."""
    error = _luminance(outputs) - _luminance(truth)
    small, large = hole_regions(holes, small_area)
    known = ~np.asarray(holes, bool)
    result = {}
    for name, mask in (("known", known), ("small_holes", small), ("large_holes", large)):
        values = error[mask]
        result[name] = None if values.size == 0 else {
            "pixels": int(values.size), "bias": float(values.mean()),
            "rms": float(np.sqrt(np.mean(values**2))),
            "dark_fraction": float(np.mean(values < -DARK_LEVELS)),
        }
    return result


def _luminance(images):
    return np.asarray(images, np.float64) @ np.array(GRAY_WEIGHTS)


def _scores(outputs, truth, yaws, embedder, measure_pose, holes=None):
    scores = {"ssim": summary(ssim(outputs, truth)), "psnr": summary(psnr(outputs, truth))}
    if holes is not None:
        scores["regions"] = region_errors(outputs, truth, holes)
    if measure_pose:
        errors = _pose_errors(outputs, yaws)
        scores["yaw_error_degrees"] = summary(errors)
        scores["no_face_found"] = int(np.isnan(errors).sum())
    if embedder is not None:
        scores["identity_to_truth"] = summary(embedder.similarity(outputs, truth))
    return scores


def evaluate_rotation(model=None, count=16, image_size=128, seed=1000,
                      styles=("photo", "painting"), target_yaws=(-40.0, -20.0, 20.0, 40.0),
                      source_yaw_range=(-10.0, 10.0), embedder=None, measure_pose=True,
                      sheet_rows=4):
    """Scores turns of held-out SynthPortraits, raw render vs `model`, per style.

    Args:
        model: a `RotationGAN` or None (raw renders only).
        count: int. Portraits per style. Defaults to `16`.
        image_size: int. Side of the renders (the model's training size). Defaults to `128`.
        seed: int. SynthPortraits seed (use one the model did not train on). Defaults to `1000`.
        styles: sequence of str. SynthPortraits styles. Defaults to photo and painting.
        target_yaws: sequence of float. Yaws turned to, portrait i to entry i mod len.
        source_yaw_range: (float, float). Yaw range of the sources. Defaults to ±10°.
        embedder: a `keras_portrait.face.FaceEmbedder` or None (no identity figures).
        measure_pose: bool. Measure the output's yaw with the face toolkit (MediaPipe's
            models). Defaults to `True`.
        sheet_rows: int. Examples per style on the sheet. Defaults to `4`.

    Returns:
        `(report, sheet)`: a JSON-ready dict and a uint8 sheet of `sheet_rows` rows per style
        (in `styles` order), labelled source | render (its holes magenta) | model (its output;
        "no model": the render) | truth.
    """
    if count < 1:
        raise ValueError(f"`count` must be >= 1. Received: count={count}")
    portraits = SynthPortraits(seed=seed)
    report = {"count_per_style": count, "image_size": image_size, "seed": seed,
              "target_yaws": list(target_yaws), "source_yaw_range": list(source_yaw_range),
              "landmarks": "the renders' true 3D landmarks (no detection)", "styles": {}}
    tiles = []
    for style in styles:
        sources, raws, holes, truths, yaws = [], [], [], [], []
        for i in range(count):
            sample = portraits.sample(i, size=image_size, style=style,
                                      yaw_range=source_yaw_range)
            yaw = float(target_yaws[i % len(target_yaws)])
            turned = rotate_render(sample["image"], yaw, landmarks=sample["landmarks_3d"])
            truth = portraits.render(**render_controls(sample, yaw=yaw, size=image_size))
            sources.append(sample["image"])
            raws.append(turned.image)
            holes.append(turned.holes)
            truths.append(truth["image"])
            yaws.append(yaw)
        sources, raws, holes, truths = map(np.stack, (sources, raws, holes, truths))
        entry = {
            "hole_fraction": summary(holes.mean(axis=(1, 2))),
            "unturned_source": _scores(sources, truths, yaws, embedder, False),
            "raw_render": _scores(raws, truths, yaws, embedder, measure_pose, holes),
            "inpainted_render": _scores(classical_fill(raws, holes, "telea"), truths, yaws,
                                        embedder, measure_pose, holes),
            "truth_pose_yaw_error": (summary(_pose_errors(truths, yaws)) if measure_pose
                                     else None),
        }
        outputs = raws
        if model is not None:
            outputs = model.clean(raws, holes)
            entry["model"] = _scores(outputs, truths, yaws, embedder, measure_pose, holes)
        report["styles"][style] = entry
        for k in range(min(sheet_rows, count)):
            shown = raws[k].copy()
            shown[holes[k]] = HOLE_COLOR
            tiles += [sources[k], shown, outputs[k], truths[k]]
    output = "model" if model is not None else "no model"
    return report, image_grid(np.stack(tiles), labels=("source", "render", output, "truth"))
