"""`evaluate_rotation_pairs`: a folder of held-out rotation pairs, cleaned by each method, by turn.

Real pictures have no true turned view, but a Rotate-and-Render pair has a truth: the picture
turned away and back (`make_rotation_pairs`) must come back as the picture. Each pair's render
is cleaned by the classical fills (the raw render with its holes left black, pull-push, OpenCV's
Telea) and by the given models, and every output is scored against the picture, per bucket of
the pair's turn (|turned yaw − the picture's own yaw|):

- over the hole pixels: PSNR (RGB) and the mean of the grey SSIM map there — what a fill adds;
- over the face (the tight face square of an FFHQ-aligned crop): PSNR and SSIM;
- by region (`region_errors`): luminance bias, RMS and dark-speck fraction where the turn
  rendered texture and in the small and large holes;
- with an embedder: the identity cosine of the output to the picture.
"""

import csv
import os

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from keras_portrait.grids import image_grid
from keras_portrait.imaging.alignment import template_box
from keras_portrait.metrics.image_quality import psnr
from keras_portrait.metrics.image_quality import ssim
from keras_portrait.metrics.image_quality import summary
from keras_portrait.models.rotation.classical_fills import classical_fill
from keras_portrait.models.rotation.rotation_evaluation import SMALL_HOLE_AREA
from keras_portrait.models.rotation.rotation_evaluation import _luminance
from keras_portrait.models.rotation.rotation_evaluation import region_errors
from keras_portrait.models.rotation.rotation_dataset import pair_files
from keras_portrait.models.rotation.rotation_gan import HOLE_COLOR

# Upper edges of the turn buckets in degrees; turns beyond the last go in a bucket of their own.
TURN_BUCKETS = (15.0, 30.0, 45.0)
CLASSICAL = ("raw_render", "pushpull", "telea")


def read_rotation_pairs(path, max_pairs=None):
    """Arrays of a pairs folder (or what `pair_files` takes): renders uint8 (N, S, S, 3),
    holes bool (N, S, S), targets uint8 (N, S, S, 3), turns float (N,) in degrees, and the
    pairs' render files. Pairs whose files are missing or unreadable are left out and counted
    in `skipped`."""
    rows = []
    for csv_path in pair_files(path):
        root = os.path.dirname(os.path.abspath(csv_path))
        with open(csv_path, newline="") as f:
            rows += [{**row, "root": root} for row in csv.DictReader(f)]
    renders, holes, targets, turns, names, skipped = [], [], [], [], [], 0
    for row in rows[:max_pairs]:
        render = cv2.imread(os.path.join(row["root"], row["render"]), cv2.IMREAD_COLOR)
        hole = cv2.imread(os.path.join(row["root"], row["holes"]), cv2.IMREAD_GRAYSCALE)
        target = cv2.imread(os.path.join(row["root"], row["target"]), cv2.IMREAD_COLOR)
        if render is None or hole is None or target is None:
            skipped += 1
            continue
        renders.append(render[..., ::-1])
        holes.append(hole > 127)
        targets.append(target[..., ::-1])
        turns.append(abs(float(row["turned_yaw"]) - float(row["source_yaw"])))
        names.append(row["render"])
    if not renders:
        raise ValueError(f"No readable pair in {path!r} ({skipped} unreadable).")
    return {"renders": np.stack(renders), "holes": np.stack(holes), "targets": np.stack(targets),
            "turns": np.array(turns), "files": names, "skipped": skipped}


def classical_fills(renders, holes):
    """{"raw_render", "pushpull", "telea"}: uint8 renders with their holes black, filled by
    pull-push and by OpenCV's Telea inpainting (`classical_fill`)."""
    return {"raw_render": classical_fill(renders, holes, "raw"),
            "pushpull": classical_fill(renders, holes, "pushpull"),
            "telea": classical_fill(renders, holes, "telea")}


def masked_psnr(outputs, truth, masks):
    """PSNR (dB, RGB, range 255) over the pixels of `masks` (N, H, W) per pair; NaN where a
    mask is empty, inf where those pixels are equal."""
    error = np.square(outputs.astype(np.float64) - truth.astype(np.float64)).mean(axis=-1)
    values = []
    for e, m in zip(error, np.asarray(masks, bool)):
        mse = e[m].mean() if m.any() else np.nan
        with np.errstate(divide="ignore"):
            values.append(np.nan if np.isnan(mse) else 10.0 * np.log10(255.0**2 / mse))
    return np.array(values)


def masked_ssim(outputs, truth, masks):
    """The grey SSIM map (11×11 Gaussian window, σ 1.5, as `metrics.ssim`) averaged over the
    pixels of `masks` per pair; NaN where a mask is empty."""
    grey_out, grey_truth = _luminance(outputs), _luminance(truth)
    values = []
    for a, b, m in zip(grey_out, grey_truth, np.asarray(masks, bool)):
        if not m.any():
            values.append(np.nan)
            continue
        _, full = structural_similarity(a, b, data_range=255.0, gaussian_weights=True,
                                        sigma=1.5, use_sample_covariance=False, full=True)
        values.append(float(full[m].mean()))
    return np.array(values)


def _face_slice(side):
    top, left, bottom, right = template_box("tight", "ffhq")
    return (slice(max(int(round(top * side)), 0), min(int(round(bottom * side)), side)),
            slice(max(int(round(left * side)), 0), min(int(round(right * side)), side)))


def per_pair_figures(outputs, truth, holes, embedder=None):
    """Each pair's hole PSNR and SSIM, face PSNR and SSIM and (with an embedder) identity."""
    rows, cols = _face_slice(truth.shape[1])
    figures = {
        "hole_psnr": masked_psnr(outputs, truth, holes),
        "hole_ssim": masked_ssim(outputs, truth, holes),
        "face_psnr": psnr(outputs[:, rows, cols], truth[:, rows, cols]),
        "face_ssim": ssim(outputs[:, rows, cols], truth[:, rows, cols]),
    }
    if embedder is not None:
        figures["identity"] = np.asarray(embedder.similarity(outputs, truth), np.float64)
    return figures


def score_outputs(outputs, truth, holes, embedder=None, figures=None, where=None):
    """The figures of one method over some pairs (see the module's docstring): summaries of
    `per_pair_figures` (computed here unless given for every pair, with `where` picking these
    pairs) and the region errors."""
    where = np.ones(len(outputs), bool) if where is None else where
    if figures is None:
        figures = per_pair_figures(outputs, truth, holes, embedder)
    side = truth.shape[1]
    small_area = max(int(round(SMALL_HOLE_AREA * (side / 64.0) ** 2)), 1)
    scores = {name: summary(values[where]) for name, values in figures.items()}
    scores["regions"] = region_errors(outputs[where], truth[where], holes[where],
                                      small_area=small_area)
    return scores


def turn_bucket(turn, edges=TURN_BUCKETS):
    """The bucket name of a turn in degrees: "0-15", "15-30", "30-45", "45+" for the default."""
    low = 0.0
    for high in edges:
        if turn <= high:
            return f"{low:g}-{high:g}"
        low = high
    return f"{low:g}+"


def evaluate_rotation_pairs(pairs, models=None, embedder=None, buckets=TURN_BUCKETS,
                            max_pairs=None, sheet_rows=8):
    """Scores held-out rotation pairs, cleaned by the classical fills and by `models`, by turn.

    Args:
        pairs: str. A folder written by `make_rotation_pairs` (pairs.csv and its images).
        models: dict name → a `RotationGAN` (or anything with `clean(renders, holes)`), or None.
        embedder: a `keras_portrait.face.FaceEmbedder` or None (no identity figures).
        buckets: sequence of float. Upper edges of the turn buckets in degrees.
        max_pairs: int or None. Only the first pairs of pairs.csv.
        sheet_rows: int. Pairs on the sheet, spread over the range of turns.

    Returns:
        `(report, sheet)`: a JSON-ready dict ("buckets": name → {"pairs", "turn", "methods":
        name → figures}, and "all" over every pair) and a uint8 sheet labelled render (holes
        magenta) | pull-push | Telea | each model | original.
    """
    data = read_rotation_pairs(pairs, max_pairs)
    renders, holes, targets, turns = (data[k] for k in ("renders", "holes", "targets", "turns"))
    outputs = classical_fills(renders, holes)
    for name, model in (models or {}).items():
        if name in CLASSICAL:
            raise ValueError(f"A model may not be named {name!r}: a classical method is.")
        outputs[name] = np.asarray(model.clean(renders, holes))
    names = np.array([turn_bucket(t, buckets) for t in turns])
    groups = [(b, names == b) for b in dict.fromkeys(turn_bucket(t, buckets) for t in sorted(turns))]
    report = {"pairs_folder": os.path.abspath(pairs), "pairs": int(len(turns)),
              "skipped": data["skipped"], "image_size": int(targets.shape[1]),
              "hole_fraction": summary(holes.mean(axis=(1, 2))), "buckets": {}}
    figures = {name: per_pair_figures(images, targets, holes, embedder)
               for name, images in outputs.items()}
    for bucket, where in groups + [("all", np.ones(len(turns), bool))]:
        entry = {"pairs": int(where.sum()), "turn": summary(turns[where]),
                 "hole_fraction": summary(holes[where].mean(axis=(1, 2))),
                 "methods": {name: score_outputs(images, targets, holes, figures=figures[name],
                                                 where=where)
                             for name, images in outputs.items()}}
        if bucket == "all":
            report["all"] = entry
        else:
            report["buckets"][bucket] = entry
    return report, _sheet(renders, holes, targets, turns, outputs, sheet_rows)


def _sheet(renders, holes, targets, turns, outputs, rows):
    order = np.argsort(turns)
    picks = order[np.linspace(0, len(order) - 1, min(rows, len(order))).round().astype(int)]
    tiles = []
    for k in picks:
        shown = renders[k].copy()
        shown[holes[k]] = HOLE_COLOR
        tiles += [shown] + [images[k] for name, images in outputs.items()
                            if name != "raw_render"] + [targets[k]]
    labels = (["render (holes magenta)", "pull-push", "Telea"]
              + [name for name in outputs if name not in CLASSICAL] + ["original"])
    return image_grid(np.stack(tiles), labels=labels,
                      title="turned away and back; rows by the size of the turn")
