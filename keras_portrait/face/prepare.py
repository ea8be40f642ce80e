"""A folder of pictures → a dataset of aligned face crops with landmarks, pose and masks."""

import json
import os

import cv2
import numpy as np

from keras_portrait.imaging.reading import read_rgb8
from keras_portrait.imaging.metadata import METADATA_FILE
from keras_portrait.imaging.metadata import read_source_metadata
from keras_portrait.imaging.metadata import write_metadata
from keras_portrait.imaging.reading import list_images
from keras_portrait.imaging.alignment import align
from keras_portrait.face.detection import DEFAULT_DETECTOR
from keras_portrait.face.detection import detect_faces
from keras_portrait.face.journal import run_journaled
from keras_portrait.face.landmarks import landmarks as face_landmarks
from keras_portrait.face.landmarks import landmarks_68
from keras_portrait.face.masks import face_mask
from keras_portrait.face.pose import head_pose

JOURNAL = "prepare_log.jsonl"  # one line per source image, appended as it is done
LABELS = "labels.json"
POSES = "labels.csv"
REPORT = "prepare_report.json"


def prepare_folder(
    src,
    dst,
    size=256,
    all_faces=False,
    template="ffhq",
    masks=True,
    min_score=0.5,
    detector=DEFAULT_DETECTOR,
    metadata=None,
    progress=True,
):
    """Detects, aligns and crops the faces of every image under `src` into a dataset in `dst`.

    For each image (searched recursively): the faces are detected (small faces of painted
    scenes too, see `detect_faces`), the largest whose 468-point mesh the landmark model
    accepts (or every one, `all_faces=True`; see `face_meshes`) gets its mesh, an aligned
    `size`² crop (`align`, FFHQ template by default), its head pose and its 7-class mask,
    written as

    - `images/<name>.png` — the crop (RGB); `<name>` is the source's relative path without
      extension, plus `_face<k>` with `all_faces`;
    - `masks/<name>.png` — class ids of `keras_portrait.labels.MASK_CLASSES` as gray levels;
    - `landmarks/<name>.npy` — (468, 3) float32 mesh in crop pixels (z toward the viewer);
    - `labels.json` — per crop: file, mask, landmarks, source, face index, detection box and
      score, pose (yaw, pitch, roll in degrees, in the crop), the 68-point subset and the 2×3
      matrix from the source picture to the crop (for `paste_back`);
    - `labels.csv` — file, yaw, pitch, roll: `keras_portrait.data.labeled(dst + "/labels.csv")`
      reads the crops with their poses;
    - `metadata.csv` (with `metadata`) — file, age, gender, glasses in [0, 1] for every crop
      whose source has a row: GauGAN's folder format (`keras_portrait.imaging.metadata`);
    - `prepare_report.json` — counts, and every skipped source with its reason (and, with
      `metadata`, the crops without a row and the rows whose picture gave no crop).

    `images/` is a plain image folder for `keras_portrait.data.image_folder`. Images without a
    face, unreadable files and meshes the landmark model rejects are skipped and reported; they
    never stop the run. The run is resumable: `prepare_log.jsonl` records each finished source,
    and calling again with the same `dst` continues after the last one (a source interrupted
    half-way is redone).

    Args:
        src: str. Folder of pictures.
        dst: str. Output folder (created when missing).
        size: int. Side of the square crops. Defaults to `256`.
        all_faces: bool. Every detected face instead of the largest. Defaults to `False`.
        template: str. Alignment template of `align`. Defaults to `"ffhq"`.
        masks: bool. Write the 7-class masks (the slowest part). Defaults to `True`.
        min_score: float. Detection threshold. Defaults to `0.5`.
        detector: str. See `detect_faces`.
        metadata: str or None. A CSV of the pictures' age (years), gender and glasses, `file`
            relative to `src` (the source format of `keras_portrait.imaging.metadata`); checked
            whole before any picture is read. One row describes one person, so it cannot be
            combined with `all_faces`. Defaults to `None`.
        progress: bool. Show a progress bar. Defaults to `True`.

    Returns:
        The report dict (also written to `prepare_report.json`).
    """
    if not os.path.isdir(src):
        raise FileNotFoundError(f"Image folder not found: {src!r}")
    if size < 16:
        raise ValueError(f"`size` must be >= 16. Received: size={size}")
    if metadata is not None and all_faces:
        raise ValueError("`metadata` gives one person per picture; it cannot be combined with "
                         "`all_faces=True`")
    table = read_source_metadata(metadata) if metadata is not None else None
    root = os.path.abspath(src)
    for sub in ("images", "masks", "landmarks") if masks else ("images", "landmarks"):
        os.makedirs(os.path.join(dst, sub), exist_ok=True)
    sources = [os.path.relpath(path, root) for path in list_images(root)]
    entries = run_journaled(
        sources, os.path.join(dst, JOURNAL),
        lambda rel: _prepare_one(root, rel, dst, size, all_faces, template, masks, min_score,
                                 detector),
        progress=progress, description="preparing faces")
    return _write_outputs(dst, entries, table)


def _prepare_one(root, rel, dst, size, all_faces, template, masks, min_score, detector):
    """The journal entry of one source: its crops' records, or why it was skipped."""
    try:
        image = read_rgb8(os.path.join(root, rel))
    except Exception as error:  # noqa: BLE001 — an unreadable file is reported, not fatal
        return {"source": rel, "skipped": f"unreadable: {type(error).__name__}: {error}"}
    found = face_meshes(image, all_faces=all_faces, min_score=min_score, detector=detector)
    if not found:
        return {"source": rel, "skipped": "no face found"}
    stem = os.path.splitext(rel)[0]
    records, rejected = [], []
    for index, (face, points) in enumerate(found):
        if points is None:
            rejected.append(index)
            continue
        name = f"{stem}_face{index}" if all_faces else stem
        records.append(_write_crop(image, points, face, index, name, rel, dst, size, template,
                                   masks))
    if not records:
        return {"source": rel, "skipped": "face mesh rejected (no reliable landmarks)"}
    entry = {"source": rel, "crops": records}
    if rejected:
        entry["rejected_faces"] = rejected
    return entry


def face_meshes(image, all_faces=False, min_score=0.5, detector=DEFAULT_DETECTOR):
    """The faces `prepare_folder` crops from one picture, each with its mesh or None.

    Without `all_faces`, the faces are tried largest first and the first whose mesh the
    landmark model accepts is the picture's face: a detection it rejects (a false one, or a
    face too turned or blurred) does not hide a smaller face that is found well.

    Args:
        image: (H, W, 3) uint8 RGB array.
        all_faces: bool. Every detected face instead of one. Defaults to `False`.
        min_score: float. Detection threshold. Defaults to `0.5`.
        detector: str. See `detect_faces`. Defaults to `"mediapipe"`.

    Returns:
        A list of `(Face, points)`, largest face first; `points` is the (468, 3) mesh of
        `landmarks`, or None when the landmark model rejects the face. Without `all_faces`,
        one pair: the largest accepted face, or the largest face with None when all are
        rejected. `[]` without a face.
    """
    faces = detect_faces(image, min_score=min_score, detector=detector)
    found = []
    for face in faces:
        found.append((face, face_landmarks(image, face=face)))
        if not all_faces and found[-1][1] is not None:
            return found[-1:]
    return found if all_faces else found[:1]


def _write_crop(image, points, face, index, name, rel, dst, size, template, masks):
    aligned = align(image, points, size=size, template=template)
    scale = float(np.sqrt(abs(np.linalg.det(aligned.matrix[:, :2]))))
    crop_points = np.concatenate(
        [aligned.to_crop(points[:, :2]), points[:, 2:3] * scale], axis=1
    ).astype(np.float32)
    yaw, pitch, roll = head_pose(crop_points)
    files = {"file": f"images/{name}.png", "landmarks": f"landmarks/{name}.npy"}
    for path in files.values():
        os.makedirs(os.path.dirname(os.path.join(dst, path)), exist_ok=True)
    cv2.imwrite(os.path.join(dst, files["file"]), aligned.image[:, :, ::-1])
    np.save(os.path.join(dst, files["landmarks"]), crop_points)
    if masks:
        files["mask"] = f"masks/{name}.png"
        os.makedirs(os.path.dirname(os.path.join(dst, files["mask"])), exist_ok=True)
        mask = face_mask(aligned.image, crop_points)
        cv2.imwrite(os.path.join(dst, files["mask"]), mask.astype(np.uint8))
    return {
        **files,
        "source": rel,
        "face_index": index,
        "box": [round(float(v), 2) for v in face.box],
        "score": round(float(face.score), 4),
        "pose": [round(float(v), 2) for v in (yaw, pitch, roll)],
        "landmarks_68": np.round(landmarks_68(crop_points[:, :2]), 2).tolist(),
        "matrix": np.asarray(aligned.matrix, np.float64).round(6).tolist(),
    }


def _write_outputs(dst, entries, table=None):
    records = [record for entry in entries for record in entry.get("crops", [])]
    skipped = [{"source": e["source"], "reason": e["skipped"]} for e in entries if "skipped" in e]
    with open(os.path.join(dst, LABELS), "w") as f:
        json.dump(records, f, indent=1)
    with open(os.path.join(dst, POSES), "w") as f:
        f.write("file,yaw,pitch,roll\n")
        for record in records:
            f.write(",".join([record["file"], *map(str, record["pose"])]) + "\n")
    report = {
        "sources": len(entries),
        "crops": len(records),
        "skipped": skipped,
        "rejected_faces": sum(len(e.get("rejected_faces", [])) for e in entries),
    }
    if table is not None:
        report["metadata"] = _write_crop_metadata(dst, records, table)
    with open(os.path.join(dst, REPORT), "w") as f:
        json.dump(report, f, indent=1)
    return report


def _write_crop_metadata(dst, records, table):
    """`metadata.csv` of the crops whose source has a row of `table`; what did not match."""
    rows, without = {}, []
    for record in records:
        values = table.get(record["source"].replace(os.sep, "/"))
        if values is None:
            without.append(record["file"])
        else:
            rows[record["file"]] = values
    write_metadata(os.path.join(dst, METADATA_FILE), rows)
    cropped = {record["source"].replace(os.sep, "/") for record in records}
    return {"crops_with_metadata": len(rows), "crops_without_metadata": without,
            "rows_without_crop": sorted(set(table) - cropped)}
