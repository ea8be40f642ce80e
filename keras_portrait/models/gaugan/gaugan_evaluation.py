"""How well a GauGAN follows its inputs: the mask (is the layout kept), the style code (does the
sitter's own code give the sitter back) and the metadata (do glasses and age change what they
should, and only that). SynthPortraits renders every held-out sitter with and without glasses and
at any age, which gives the ground truth that real photos cannot."""

import cv2
import numpy as np

from keras_portrait import metrics
from keras_portrait.data.synth import AGE_RANGE
from keras_portrait.data.synth import SynthPortraits
from keras_portrait.imaging.metadata import METADATA_NAMES
from keras_portrait.data.synth_dataset import render_controls
from keras_portrait.imaging.metadata import metadata_vector
from keras_portrait.face import face_mask
from keras_portrait.face import landmarks
from keras_portrait.grids import image_grid
from keras_portrait.labels import MASK_CLASSES
from keras_portrait.models.gaugan.gaugan import colorize_mask

AGES = (0.0, 0.25, 0.5, 0.75, 1.0)
_AGE, _GLASSES = METADATA_NAMES.index("age"), METADATA_NAMES.index("glasses")
_SKIN, _HAIR = MASK_CLASSES.index("skin"), MASK_CLASSES.index("hair")


def face_toolkit_masks(images, min_side=128):
    """Class-id masks of uint8 portraits (N, H, W, 3) by the face toolkit; None where no face.

    `landmarks` then `face_mask` on each image, first upscaled (bicubic) so its shorter side
    is at least `min_side`. On 12 SynthPortraits photos (seed 1000) every face was found at
    64² and 128² alike; the mIoU to the true masks was 0.615 at 64² as is, 0.649 upscaled to
    128² (0.15 → 0.20 s per image), 0.650 to 256² (1.25 s); at 128² 0.694 as is, 0.720
    upscaled to 256² (0.88 s). The mask is brought back to the image size (nearest).
    """
    masks = []
    for image in np.asarray(images):
        height, width = image.shape[:2]
        scale = max(1.0, min_side / min(height, width))
        if scale > 1:
            image = cv2.resize(image, (round(width * scale), round(height * scale)),
                               interpolation=cv2.INTER_CUBIC)
        points = landmarks(image)
        if points is None:
            masks.append(None)
            continue
        mask = face_mask(image, points).astype(np.uint8)
        masks.append(cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST))
    return masks


def evaluate_synthesis(model, count=32, seed=1000, image_size=None, batch_size=16, mask_fn=None,
                       style="photo", change_threshold=0.1, sheet_rows=8):
    """Scores `model` on `count` held-out SynthPortraits sitters.

    For each sitter `i` of `SynthPortraits(seed)` (train on another seed: `synth_portraits`
    uses 0): its render, mask and metadata at the model's size, and renders of the same sitter
    with glasses and at the youngest and oldest age.

    - `mask_fidelity`: IoU per class (intersection and union summed over the images) and their
      mean (mIoU, over the classes present) between the input masks and `mask_fn` of the images
      synthesized with the sitter's own style; `true_render` is the same measure on the true
      renders, the ceiling the mask reader allows. Images where `mask_fn` finds no face are
      left out and counted in `no_face`.
    - `reconstruction`: SSIM and PSNR of the image synthesized with the sitter's own style
      (the encoder's mean code of its render) against the render.
    - `glasses` (same mask and code, glasses metadata 0 → 1): the fraction of pixels whose
      colour changes by more than `change_threshold` (max over RGB, in [0, 1] units) inside
      SynthPortraits' true glasses region and outside it, and their difference.
    - `age` (same mask and code, age 0 → 1): the mean absolute change (in [0, 1] units) over
      the skin and the hair; `ssim_gain`: how much moving the control toward the age of a true
      render raises the SSIM to it, `(ssim(G(1), old) − ssim(G(0), old) + ssim(G(0), young) −
      ssim(G(1), young)) / 2` with the renders at 18 and 80 years (> 0: the control ages the
      way the renderer does); `color_shift_cosine`: per class, the cosine between the mean RGB
      change of the synthesized and of the true renders (hair greying, skin tone).

    Args:
        model: a `GauGAN`. The metadata figures and the control sheet need `metadata_dim == 3`
            (METADATA_NAMES); other models are fed zero metadata.
        count: int. Held-out sitters. Defaults to `32`.
        seed: int. SynthPortraits seed of the sitters. Defaults to `1000`.
        image_size: int or None. Side of the renders; None takes `model.image_size`.
        batch_size: int. Images per generator call. Defaults to `16`.
        mask_fn: callable or None. uint8 images (N, H, W, 3) → a sequence of N class-id masks
            (H, W), None for an image without a face. Defaults to `face_toolkit_masks`.
        style: str. SynthPortraits style of the renders, that of the training data. Defaults
            to `"photo"`.
        change_threshold: float. Colour change that counts as changed, [0, 1] units. Defaults
            to `0.1`.
        sheet_rows: int. Sitters shown on the fidelity sheet. Defaults to `8`.

    Returns:
        `(report, sheets)`: `report` a JSON-ready dict; `sheets` name → uint8 grid: "control"
        (three rows of one sitter, each under its own column labels: the mask, then the ages
        of `AGES` in years; without and with glasses, next to the true renders; five random
        styles) and "fidelity" (one row per sitter: mask | true render | synthesized with its
        own style | `mask_fn` of that, gray when no face).
    """
    if count < 1:
        raise ValueError(f"`count` must be >= 1. Received: count={count}")
    size = int(image_size or model.image_size)
    mask_fn = face_toolkit_masks if mask_fn is None else mask_fn
    sitters = _render_sitters(SynthPortraits(seed=seed), count, size, style)
    images, masks, metadata = sitters["image"], sitters["mask"], sitters["metadata"]
    float_images = images.astype(np.float32) / 127.5 - 1.0

    def synthesize(meta, masks=masks):
        return model.synthesize(masks, meta, style_images=float_images, batch_size=batch_size)

    controlled = getattr(model, "metadata_dim", 0) == len(METADATA_NAMES)
    own = synthesize(metadata if controlled else None)
    found = list(mask_fn(own))
    report = {
        "count": count, "seed": seed, "image_size": size, "style": style,
        "mask_fidelity": {
            "synthesized": _mask_iou(masks, found),
            "true_render": _mask_iou(masks, list(mask_fn(images))),
        },
        "reconstruction": {"ssim": metrics.summary(metrics.ssim(own, images)),
                           "psnr": metrics.summary(metrics.psnr(own, images))},
    }
    sheets = {"fidelity": _fidelity_sheet(masks, images, own, found, sheet_rows)}
    if controlled:
        glasses = [synthesize(_with(metadata, _GLASSES, v)) for v in (0.0, 1.0)]
        ages = [synthesize(_with(metadata, _AGE, v)) for v in (0.0, 1.0)]
        report["glasses"] = _glasses_figures(*glasses, sitters["glasses_mask"], change_threshold)
        report["age"] = _age_figures(*ages, masks, sitters["young"], sitters["old"],
                                     sitters["young_mask"], sitters["old_mask"])
        report["change_threshold"] = float(change_threshold)
        sheets["control"] = _control_sheet(model, sitters, float_images)
    return report, sheets


def _render_sitters(portraits, count, size, style):
    keys = ("image", "mask", "metadata", "glasses_mask", "glasses_off", "glasses_on",
            "young", "old", "young_mask", "old_mask")
    out = {key: [] for key in keys}
    for index in range(count):
        sample = portraits.sample(index, size=size, style=style, yaw_range=(-30.0, 30.0))
        controls = render_controls(sample, yaw=float(sample["pose"][0]), size=size)
        with_glasses = portraits.render(**{**controls, "glasses": True})
        young = portraits.render(**{**controls, "age": AGE_RANGE[0]})
        old = portraits.render(**{**controls, "age": AGE_RANGE[1]})
        without = (portraits.render(**{**controls, "glasses": False})["image"] if index == 0
                   else sample["image"])
        for key, value in (
            ("image", sample["image"]), ("mask", sample["mask"].astype(np.int32)),
            ("metadata", metadata_vector(sample["attributes"])),
            ("glasses_mask", with_glasses["glasses_mask"]), ("glasses_off", without),
            ("glasses_on", with_glasses["image"]), ("young", young["image"]),
            ("old", old["image"]), ("young_mask", young["mask"]), ("old_mask", old["mask"]),
        ):
            out[key].append(value)
    return {key: np.stack(value) for key, value in out.items()}


def _with(metadata, column, value):
    metadata = np.array(metadata, np.float32)
    metadata[:, column] = value
    return metadata


def _sweep(metadata, column, values):
    """One copy of the single row `metadata` per value, with `column` set to it."""
    swept = np.repeat(np.asarray(metadata, np.float32), len(values), axis=0)
    swept[:, column] = values
    return swept


def _mask_iou(masks, found):
    """IoU per class over the images with a mask (summed counts), their mean, the misses."""
    kept = [(m, f) for m, f in zip(masks, found) if f is not None]
    result = {"count": len(kept), "no_face": len(masks) - len(kept)}
    if not kept:
        return result
    truth = np.stack([m for m, _ in kept])
    predicted = np.stack([np.asarray(f) for _, f in kept]).astype(np.int64)
    if predicted.shape != truth.shape:
        raise ValueError(f"`mask_fn` returned masks of shape {predicted.shape[1:]} for images "
                         f"of shape {truth.shape[1:]}.")
    iou = {}
    for class_id, name in enumerate(MASK_CLASSES):
        a, b = truth == class_id, predicted == class_id
        union = int(np.sum(a | b))
        if union:
            iou[name] = float(np.sum(a & b) / union)
    result.update(miou=float(np.mean(list(iou.values()))), iou=iou)
    return result


def _glasses_figures(without, with_glasses, region, threshold):
    changed = np.max(np.abs(with_glasses.astype(np.int16) - without), axis=-1) > threshold * 255
    inside, outside = [], []
    for c, r in zip(changed, region):
        if r.any():
            inside.append(c[r].mean())
        outside.append(c[~r].mean())
    figures = {"changed_outside": metrics.summary(outside)}
    if inside:
        figures["changed_inside"] = metrics.summary(inside)
        figures["contrast"] = figures["changed_inside"]["mean"] - float(np.mean(outside))
    return figures


def _age_figures(young_synth, old_synth, masks, young, old, young_masks, old_masks):
    change = np.abs(old_synth.astype(np.float32) - young_synth) / 255.0
    figures = {}
    for name, class_id in (("skin", _SKIN), ("hair", _HAIR)):
        values = [c[m == class_id].mean() for c, m in zip(change, masks) if (m == class_id).any()]
        cosines = []
        for i in range(len(masks)):
            synth_region, young_region, old_region = (
                masks[i] == class_id, young_masks[i] == class_id, old_masks[i] == class_id)
            if not (synth_region.any() and young_region.any() and old_region.any()):
                continue
            synth_shift = (old_synth[i][synth_region].mean(0) - young_synth[i][synth_region]
                           .mean(0))
            true_shift = old[i][old_region].mean(0) - young[i][young_region].mean(0)
            norm = np.linalg.norm(synth_shift) * np.linalg.norm(true_shift)
            cosines.append(float(synth_shift @ true_shift / norm) if norm > 0 else 0.0)
        figures[name] = {
            "mean_abs_change": metrics.summary(values) if values else {"n": 0},
            "color_shift_cosine": metrics.summary(cosines) if cosines else {"n": 0},
        }
    gain = (metrics.ssim(old_synth, old) - metrics.ssim(young_synth, old)
            + metrics.ssim(young_synth, young) - metrics.ssim(old_synth, young)) / 2
    figures["ssim_gain"] = metrics.summary(gain)
    figures["true_ssim_young_vs_old"] = metrics.summary(metrics.ssim(young, old))
    return figures


def _fidelity_sheet(masks, images, own, found, rows):
    size = masks.shape[1:]
    detected = [colorize_mask(f) if f is not None else np.full((*size, 3), 128, np.uint8)
                for f in found[:rows]]
    tiles = np.stack([colorize_mask(masks[:rows]), images[:rows], own[:rows],
                      np.stack(detected)], axis=1)
    return image_grid(tiles.reshape(-1, *tiles.shape[2:]),
                      labels=("mask", "true render", "own style", "its mask"))


def _control_sheet(model, sitters, float_images, columns=len(AGES) + 1):
    mask, style = sitters["mask"][:1], float_images[:1]
    metadata = sitters["metadata"][:1]
    blank = np.full(sitters["image"].shape[1:], 255, np.uint8)

    def row(images, labels):
        # The rows show different controls: each is a grid under its own labels.
        images = [colorize_mask(mask[0])] + list(images)
        missing = columns - len(images)
        return image_grid(np.stack(images + [blank] * missing),
                          labels=["mask", *labels] + [""] * missing)

    ages = model.synthesize(np.repeat(mask, len(AGES), 0), _sweep(metadata, _AGE, AGES),
                            style_images=style)
    glasses = model.synthesize(np.repeat(mask, 2, 0), _sweep(metadata, _GLASSES, (0.0, 1.0)),
                               style_images=style)
    styles = np.concatenate([model.synthesize(mask, metadata, seed=s) for s in range(columns - 1)])
    low, high = AGE_RANGE
    return np.concatenate([
        row(ages, [f"age {low + a * (high - low):.0f}" for a in AGES]),
        row([*glasses, sitters["glasses_off"][0], sitters["glasses_on"][0]],
            ["no glasses", "glasses", "true, none", "true, on"]),
        row(styles, [f"style {s}" for s in range(columns - 1)]),
    ])
