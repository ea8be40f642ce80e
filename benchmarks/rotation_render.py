"""Face rotation on real pictures: render speed at 256², and sheets of five yaws per portrait.

    .venv/bin/python benchmarks/rotation_render.py --photos ../shared/data/faces \
        --out benchmarks/results/rotation_render.json --sheets /tmp/rotation_sheets \
        [--model runs/rot/model.keras --size 64]

Speed (median of per-picture seconds): the mesh fit plus one turned render
(`fit_head` + `rotate_render`) on 256² crops with known landmarks, and the whole `rotate` path
on the 1024² photos (detection, 468 landmarks, alignment, fit, render, paste back).
Sheets: every photo, the same photo made into a painting (OpenCV's edge-preserving
`stylization`: flat washes and dark edges — a made painting, as no public-domain painting ships
in a package here), and SynthPortraits paintings and engravings, each turned to
-40, -20, 0, 20, 40 degrees (top row raw render, holes in magenta; bottom row the model's
output when `--model` is given).
"""

import argparse
import json
import os
import time

import cv2
import keras
import numpy as np

import keras_portrait as kp
from keras_portrait.imaging.reading import read_rgb8
from keras_portrait.imaging.reading import list_images
from keras_portrait.face.mesh import fit_head
from keras_portrait.face.mesh import rotate_render

YAWS = (-40.0, -20.0, 0.0, 20.0, 40.0)


def _render_speed(count=30, size=256):
    portraits = kp.data.SynthPortraits(seed=5)
    samples = [portraits.sample(i, size=size, style=None) for i in range(count)]
    rotate_render(samples[0]["image"], 20.0, landmarks=samples[0]["landmarks_3d"])  # compile
    seconds = []
    for i, sample in enumerate(samples):
        start = time.perf_counter()
        mesh = fit_head(sample["landmarks_3d"], size, size)
        rotate_render(sample["image"], YAWS[i % len(YAWS)], mesh=mesh)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def _painted(photo):
    return cv2.stylization(photo[:, :, ::-1], sigma_s=60, sigma_r=0.45)[:, :, ::-1]


def _sheet(pictures, model, size, path):
    rows, skipped = [], []
    for name, picture in pictures:
        try:
            rows.append(kp.rotation_row(picture, YAWS, model=model, size=size,
                                        fill=None if model is not None else "raw"))
        except ValueError as error:
            skipped.append({"picture": name, "reason": str(error)})
    if rows:
        kp.save_image(path, np.concatenate(rows, 0))
    return {"path": path, "rows": len(rows), "skipped": skipped}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sheets", required=True, help="folder of the PNG sheets")
    parser.add_argument("--model", default=None, help="a trained RotationGAN .keras")
    parser.add_argument("--size", type=int, default=256, help="crop side of the sheets")
    args = parser.parse_args()
    os.makedirs(args.sheets, exist_ok=True)
    model = keras.saving.load_model(args.model) if args.model else None
    paths = list_images(args.photos)
    photos = [(os.path.basename(p), read_rgb8(p)) for p in paths]

    result = {"load_average_at_start": os.getloadavg(),
              "fit_and_render_256_seconds": _render_speed()}
    result["renders_per_second_256"] = 1.0 / result["fit_and_render_256_seconds"]
    kp.rotate(photos[0][1], 20.0, size=256, fill="raw")  # warm up the detector and landmark models
    seconds = []
    for _, photo in photos[:16]:
        start = time.perf_counter()
        try:
            kp.rotate(photo, 20.0, size=256, fill="raw")  # the mesh path, no cleaning
        except ValueError:
            continue
        seconds.append(time.perf_counter() - start)
    result["rotate_1024_photo_seconds"] = float(np.median(seconds))

    portraits = kp.data.SynthPortraits(seed=7)
    synth = [(f"synth_{style}_{i}", portraits.sample(i, size=512, style=style,
                                                      yaw_range=(-15, 15))["image"])
             for style in ("painting", "engraving", "watercolor") for i in range(4)]
    suffix = "_model" if model is not None else "_raw"
    result["sheets"] = {
        "photos": _sheet(photos, model, args.size,
                         os.path.join(args.sheets, f"photos{suffix}.png")),
        "painted_photos": _sheet([(n, _painted(p)) for n, p in photos], model, args.size,
                                 os.path.join(args.sheets, f"painted{suffix}.png")),
        "synth_paintings": _sheet(synth, model, args.size,
                                  os.path.join(args.sheets, f"synth{suffix}.png")),
    }
    result["load_average_at_end"] = os.getloadavg()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
