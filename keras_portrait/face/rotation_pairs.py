"""A folder of portraits → Rotate-and-Render training pairs (`make-rotation-pairs` command).

Every picture's largest face is aligned to a square crop, a head mesh is fitted to its landmarks,
and for each pair the head is turned to a random yaw, rendered, turned back and rendered again
(`rotation_pair`). The twice-rendered crop, its hole mask and the crop itself make one pair.
Photos and paintings alike: the texture is the picture's own.
"""

import csv
import json
import os
import zlib

import cv2
import numpy as np

from keras_portrait.imaging.reading import read_rgb8
from keras_portrait.imaging.reading import list_images
from keras_portrait.imaging.alignment import align
from keras_portrait.face.detection import DEFAULT_DETECTOR
from keras_portrait.face.detection import detect_faces
from keras_portrait.face.journal import run_journaled
from keras_portrait.face.landmarks import landmarks as face_landmarks
from keras_portrait.face.masks import hair_mask
from keras_portrait.face.mesh import fit_head
from keras_portrait.face.mesh import rotation_pair

JOURNAL = "rotation_pairs_log.jsonl"
PAIRS = "pairs.csv"
REPORT = "rotation_pairs_report.json"
PAIR_COLUMNS = ("render", "holes", "target", "source_yaw", "turned_yaw")


def draw_turn(rng, yaw, yaw_range, min_turn):
    """A yaw in `yaw_range` at least `min_turn` degrees away from `yaw` (uniform over the
    allowed part of the range); the farther end of the range when no part is allowed."""
    low, high = yaw_range
    below = (low, min(high, yaw - min_turn))
    above = (max(low, yaw + min_turn), high)
    widths = np.array([max(below[1] - below[0], 0.0), max(above[1] - above[0], 0.0)])
    if widths.sum() <= 0:
        return float(low if abs(low - yaw) >= abs(high - yaw) else high)
    u = rng.uniform(0.0, widths.sum())
    return float(below[0] + u if u < widths[0] else above[0] + u - widths[0])


def make_rotation_pairs(
    src,
    dst,
    size=256,
    pairs_per_image=2,
    yaw_range=(-60.0, 60.0),
    min_turn=15.0,
    template="ffhq",
    min_score=0.5,
    detector=DEFAULT_DETECTOR,
    seed=0,
    progress=True,
    hair=False,
):
    """Writes Rotate-and-Render pairs for every picture under `src` into `dst`.

    Output:
    - `targets/<name>.png` — the aligned crop (RGB), the ground truth;
    - `renders/<name>_<k>.png` — the crop turned to a random yaw and back;
    - `holes/<name>_<k>.png` — 255 where the render has no texture;
    - `landmarks/<name>.npy` — (468, 3) float32 landmarks of the crop;
    - `pairs.csv` — render, holes, target, source_yaw, turned_yaw per pair
      (`keras_portrait.models.rotation.rotation_dataset` reads it);
    - `rotation_pairs_report.json` — counts, and every skipped picture with its reason.

    Pictures without a face, unreadable files and rejected meshes are skipped and reported,
    never fatal. The run is resumable (`rotation_pairs_log.jsonl`), and the yaws of a picture
    depend only on `seed` and its path, so a resumed run writes what one run would have.

    Args:
        src: str. Folder of portraits (searched recursively).
        dst: str. Output folder (created when missing).
        size: int. Side of the crops. Defaults to `256`.
        pairs_per_image: int. Turns per picture. Defaults to `2`.
        yaw_range: (float, float). Range of the intermediate yaw in degrees.
            Defaults to `(-60, 60)`.
        min_turn: float. Smallest change of yaw in degrees. Defaults to `15`.
        template: str. Alignment template of `align`. Defaults to `"ffhq"`.
        min_score: float. Detection threshold. Defaults to `0.5`.
        detector: str. See `detect_faces`.
        seed: int. Seed of the yaws. Defaults to `0`.
        progress: bool. Show a progress bar. Defaults to `True`.
        hair: bool. Turn the hair beyond the head's outline with the head (`fit_head`'s hair
            sheet, the hair found by `hair_mask`), as `rotate(hair=True)` does. Defaults to
            `False`.

    Returns:
        The report dict (also written to `rotation_pairs_report.json`).
    """
    if not os.path.isdir(src):
        raise FileNotFoundError(f"Image folder not found: {src!r}")
    if size < 32:
        raise ValueError(f"`size` must be >= 32. Received: size={size}")
    if pairs_per_image < 1:
        raise ValueError(f"`pairs_per_image` must be >= 1. Received: {pairs_per_image}")
    if not (len(yaw_range) == 2 and yaw_range[0] < yaw_range[1]):
        raise ValueError(f"`yaw_range` must be (low, high) with low < high. Received: "
                         f"{yaw_range}")
    if min_turn < 0:
        raise ValueError(f"`min_turn` must be >= 0. Received: min_turn={min_turn}")
    root = os.path.abspath(src)
    for sub in ("targets", "renders", "holes", "landmarks"):
        os.makedirs(os.path.join(dst, sub), exist_ok=True)
    sources = [os.path.relpath(path, root) for path in list_images(root)]
    settings = dict(size=size, pairs_per_image=pairs_per_image, yaw_range=tuple(yaw_range),
                    min_turn=min_turn, template=template, min_score=min_score,
                    detector=detector, seed=seed, hair=hair)
    entries = run_journaled(
        sources, os.path.join(dst, JOURNAL), lambda rel: _pairs_of(root, rel, dst, **settings),
        progress=progress, description="rotation pairs")
    return _write_outputs(dst, entries)


def _pairs_of(root, rel, dst, size, pairs_per_image, yaw_range, min_turn, template, min_score,
              detector, seed, hair):
    try:
        image = read_rgb8(os.path.join(root, rel))
    except Exception as error:  # noqa: BLE001 — an unreadable file is reported, not fatal
        return {"source": rel, "skipped": f"unreadable: {type(error).__name__}: {error}"}
    faces = detect_faces(image, min_score=min_score, detector=detector)
    if not faces:
        return {"source": rel, "skipped": "no face found"}
    face = max(faces, key=lambda f: f.area)
    points = face_landmarks(image, face=face)
    if points is None:
        return {"source": rel, "skipped": "face mesh rejected (no reliable landmarks)"}
    aligned = align(image, points, size=size, template=template)
    crop_points = aligned.to_crop(np.asarray(points, np.float64)).astype(np.float32)
    try:
        mesh = fit_head(crop_points, size, size,
                        hair=hair_mask(aligned.image, crop_points) if hair else None)
    except ValueError as error:
        return {"source": rel, "skipped": f"no head fit: {error}"}
    stem = os.path.splitext(rel)[0]
    files = {"target": f"targets/{stem}.png", "landmarks": f"landmarks/{stem}.npy"}
    _write_png(dst, files["target"], aligned.image)
    os.makedirs(os.path.dirname(os.path.join(dst, files["landmarks"])), exist_ok=True)
    np.save(os.path.join(dst, files["landmarks"]), crop_points)
    source_yaw = float(mesh.pose.yaw)
    rng = np.random.default_rng([seed, zlib.crc32(rel.encode())])
    pairs = []
    for k in range(pairs_per_image):
        pair = rotation_pair(aligned.image, draw_turn(rng, source_yaw, yaw_range, min_turn),
                             mesh=mesh)
        record = {"render": f"renders/{stem}_{k}.png", "holes": f"holes/{stem}_{k}.png",
                  "turned_yaw": round(pair.turned.yaw, 3),
                  "hole_fraction": round(float(pair.holes.mean()), 4)}
        _write_png(dst, record["render"], pair.render)
        _write_png(dst, record["holes"], pair.holes.astype(np.uint8) * 255)
        pairs.append(record)
    return {"source": rel, **files, "source_yaw": round(source_yaw, 3), "pairs": pairs}


def _write_png(dst, relative, image):
    path = os.path.join(dst, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, image[..., ::-1] if image.ndim == 3 else image):
        raise OSError(f"Could not write {path!r}")


def _write_outputs(dst, entries):
    done = [e for e in entries if "pairs" in e]
    skipped = [{"source": e["source"], "reason": e["skipped"]} for e in entries if "skipped" in e]
    with open(os.path.join(dst, PAIRS), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(PAIR_COLUMNS)
        for entry in done:
            for pair in entry["pairs"]:
                writer.writerow([pair["render"], pair["holes"], entry["target"],
                                 entry["source_yaw"], pair["turned_yaw"]])
    fractions = [p["hole_fraction"] for e in done for p in e["pairs"]]
    report = {
        "sources": len(entries),
        "images": len(done),
        "pairs": len(fractions),
        "mean_hole_fraction": round(float(np.mean(fractions)), 4) if fractions else None,
        "skipped": skipped,
    }
    with open(os.path.join(dst, REPORT), "w") as f:
        json.dump(report, f, indent=1)
    return report
