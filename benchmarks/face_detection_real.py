"""Faces found and meshes kept by `keras-portrait prepare` on real photos and paintings.

Run (2 cores; a background job on the machine slows the times, the load average is recorded):
    python benchmarks/face_detection_real.py --count 40 --seed 0 --previous

For each source of the real-data folder (see its README.md) — Louvre portraits, Louvre genre
scenes, Pixabay photos, UTKFace crops — `--count` pictures drawn with `--seed`, and for each the
path `prepare_folder` takes for one face per picture (`keras_portrait.face.prepare.face_meshes`):
whether a face was detected, whether a 468-point mesh was kept, the box side of the face it
keeps (or of the largest one when every mesh was rejected), and the wall and CPU seconds of
detection + landmarks on the decoded picture. `--previous` also measures, picture by picture,
the path before small faces were searched (short-range BlazeFace on the whole picture, the
largest face only): its rows are under `previous`, the current path's under `current`.

Writes `--out` (one row per source and path, with the indices of the pictures that gave no face
or no mesh) and, with `--sheets DIR`, contact sheets of the aligned crops that were kept
(`DIR/<source>_<path>_kept.png`) and of the faces whose mesh was rejected
(`DIR/<source>_<path>_rejected.png`, the detection box region), each labelled with its
picture's index in the row's `pictures` list: look at them to count false detections and wrong
meshes.
"""

import argparse
import json
import os
import time

import cv2
import numpy as np

from keras_portrait.imaging.reading import read_rgb8
from keras_portrait.imaging.reading import list_images
from keras_portrait.imaging.alignment import align
from keras_portrait.face.detection import detect_faces
from keras_portrait.face.landmarks import landmarks
from keras_portrait.face.prepare import face_meshes

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                       "face_detection_real.json")
SOURCES = {
    "louvre_portrait": "paintings_louvre/portrait",
    "louvre_genre": "paintings_louvre/genre",
    "pixabay": "photos_pixabay",
    "utkface": "photos_utkface",
}
TILE = 96  # side of one picture on a contact sheet


def sample(folder, count, seed):
    """`count` paths of `folder` (recursive, sorted), drawn without replacement with `seed`."""
    paths = list_images(folder)
    if len(paths) < count:
        raise ValueError(f"{folder} has {len(paths)} pictures, fewer than --count {count}")
    return [paths[i] for i in np.random.default_rng(seed).choice(len(paths), count,
                                                                  replace=False)]


def previous_path(image):
    """`face_meshes` before small faces were searched: short range on the whole picture and
    the largest face only (`--previous`, for the before/after comparison)."""
    faces = detect_faces(image, small_faces=False)
    return [(faces[0], landmarks(image, face=faces[0]))] if faces else []


def measure_picture(image, find=face_meshes):
    """One picture: the face `find` keeps, its mesh or None, wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    found = find(image)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return (found[0] if found else (None, None)), wall, cpu


def _labelled(tile, text):
    tile = np.ascontiguousarray(tile)
    cv2.putText(tile, text, (2, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 0, 0), 1)
    return tile


def _box_tile(image, face):
    """The detection box region, 1.5 times its side, squared, at TILE² (what was rejected)."""
    centre, half = face.center, 0.75 * max(face.width, face.height)
    x0, y0 = np.floor(centre - half).astype(int)
    x1, y1 = np.ceil(centre + half).astype(int)
    padded = cv2.copyMakeBorder(image, 2 * TILE, 2 * TILE, 2 * TILE, 2 * TILE,
                                cv2.BORDER_CONSTANT)
    crop = padded[max(0, y0 + 2 * TILE):y1 + 2 * TILE, max(0, x0 + 2 * TILE):x1 + 2 * TILE]
    return cv2.resize(crop, (TILE, TILE), interpolation=cv2.INTER_AREA)


def write_sheet(path, tiles):
    """A grid of TILE² tiles, 10 per row (RGB in, PNG out); nothing written without a tile."""
    if not tiles:
        return
    rows = -(-len(tiles) // 10)
    sheet = np.full((rows * TILE, 10 * TILE, 3), 255, np.uint8)
    for k, tile in enumerate(tiles):
        sheet[k // 10 * TILE:(k // 10 + 1) * TILE, k % 10 * TILE:(k % 10 + 1) * TILE] = tile
    cv2.imwrite(path, sheet[:, :, ::-1])


def measure_source(name, folder, count, seed, sheets, paths_to_measure):
    """`{path name: summary row}` of one source; each picture goes through every path in turn
    (so that a change of the machine's load hits them alike)."""
    pictures = sample(folder, count, seed)
    for model_input in (read_rgb8(pictures[0]), np.zeros((500, 500, 3), np.uint8)):
        face_meshes(model_input)  # load every interpreter outside the timings
    rows = {tag: [] for tag in paths_to_measure}
    kept = {tag: [] for tag in paths_to_measure}
    rejected = {tag: [] for tag in paths_to_measure}
    for index, picture in enumerate(pictures):
        image = read_rgb8(picture)
        for tag, find in paths_to_measure.items():
            (face, points), wall, cpu = measure_picture(image, find)
            rows[tag].append({"wall_s": wall, "cpu_s": cpu, "mesh": points is not None,
                              "face_side": None if face is None else max(face.width,
                                                                         face.height)})
            if points is not None:
                kept[tag].append(_labelled(align(image, points, size=TILE).image, str(index)))
            elif face is not None:
                rejected[tag].append(_labelled(_box_tile(image, face), str(index)))
    if sheets:
        for tag in paths_to_measure:
            write_sheet(os.path.join(sheets, f"{name}_{tag}_kept.png"), kept[tag])
            write_sheet(os.path.join(sheets, f"{name}_{tag}_rejected.png"), rejected[tag])
    names = [os.path.relpath(picture, folder) for picture in pictures]
    return {tag: summarize(name, folder, names, rows[tag]) for tag in paths_to_measure}


def summarize(name, folder, pictures, rows):
    sides = [row["face_side"] for row in rows if row["face_side"] is not None]
    return {
        "source": name, "folder": folder, "pictures": pictures,
        "count": len(rows),
        "detected": sum(row["face_side"] is not None for row in rows),
        "meshes": sum(row["mesh"] for row in rows),
        "no_face": [i for i, row in enumerate(rows) if row["face_side"] is None],
        "no_mesh": [i for i, row in enumerate(rows) if row["face_side"] is not None
                    and not row["mesh"]],
        "median_face_side": float(np.median(sides)) if sides else None,
        "wall_s_per_picture": float(np.mean([row["wall_s"] for row in rows])),
        "median_wall_s": float(np.median([row["wall_s"] for row in rows])),
        "cpu_s_per_picture": float(np.mean([row["cpu_s"] for row in rows])),
        "load_average_1min": os.getloadavg()[0],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="/work/shared/data/real",
                        help="the real-data folder (paintings_louvre/, photos_pixabay/, ...)")
    parser.add_argument("--sources", nargs="+", choices=sorted(SOURCES), default=list(SOURCES))
    parser.add_argument("--count", type=int, default=40, help="pictures per source")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=RESULTS)
    parser.add_argument("--previous", action="store_true",
                        help="also measure the path before small faces were searched")
    parser.add_argument("--sheets", default=None,
                        help="folder for contact sheets of kept and rejected faces (e.g. /tmp)")
    args = parser.parse_args()
    if args.sheets:
        os.makedirs(args.sheets, exist_ok=True)
    paths_to_measure = {"current": face_meshes}
    if args.previous:
        paths_to_measure["previous"] = previous_path
    results = {"command": "python benchmarks/face_detection_real.py "
                          f"--count {args.count} --seed {args.seed}"
                          + (" --previous" if args.previous else ""),
               "cpus_allowed": len(os.sched_getaffinity(0)),
               **{tag: [] for tag in paths_to_measure}}
    for name in args.sources:
        measured = measure_source(name, os.path.join(args.data, SOURCES[name]), args.count,
                                  args.seed, args.sheets, paths_to_measure)
        for tag, row in measured.items():
            results[tag].append(row)
            print(json.dumps({"path": tag, **{k: v for k, v in row.items()
                                              if k != "pictures"}}), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
