"""The keras_portrait demo: the shipped photo → painting preset on real photos, in Keras and
through its int8 .tflite file (LiteRT), in well under 3 minutes on 2 cores. Nothing is
downloaded and nothing is trained.

Writes into --out:
- preset_sheet.png: one row per photo, columns labelled: the aligned photo, its painting by
  the Keras model, the same by the int8 .tflite file, and the painting translated back to a
  photo;
- preset_parity.json: how far the int8 file is from Keras on these photos, and the timings;
- synth_portraits_sheet.png: SynthPortraits' contact sheet (the embedded labelled renderer).

The photos: `--photos` (files or folders), else the held-out test photos of
`../shared/data/real/photos_pixabay` when that folder is beside the checkout (never trained
on: benchmarks/splits/real_faces.json), else `../shared/data/faces`, else SynthPortraits renders.
Each photo's largest face is aligned as the preset's training crops were
(`kp.face.face_crop`); a photo without a face is skipped and named.

Run it with `make demo`. Training your own models: examples/train_*.py and docs/.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

import keras_portrait as kp

PRESET = "cyclegan-photo2painting-128"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")
SPLIT = os.path.join(ROOT, "benchmarks", "splits", "real_faces.json")
LABELS = ["photo", "painting (Keras)", "painting (int8 LiteRT)", "back to photo"]


def default_photos(count):
    """(paths, where they come from): held-out real photos when they are here, else None."""
    pixabay = os.path.join(SHARED, "real", "photos_pixabay")
    if os.path.isdir(pixabay) and os.path.isfile(SPLIT):
        with open(SPLIT) as f:
            test = json.load(f)["splits"]["photos_pixabay"]["test"]
        paths = [os.path.join(pixabay, p) for p in test]
        paths = [p for p in paths if os.path.isfile(p)]
        if paths:
            step = max(1, len(paths) // count)
            return paths[::step][:count], "test split of ../shared/data/real/photos_pixabay"
    faces = os.path.join(SHARED, "faces")
    if os.path.isdir(faces):
        return kp.imaging.list_images(faces)[:count], "../shared/data/faces"
    return None, None


def aligned_photos(paths, size):
    """uint8 crops of each picture's face (as the preset's training crops) and the skipped."""
    crops, skipped = [], []
    for path in paths:
        try:
            aligned = kp.face.face_crop(path, size=size)
        except (OSError, ValueError) as error:
            skipped.append((path, str(error)))
            continue
        if aligned is None:
            skipped.append((path, "no face with landmarks found"))
        else:
            crops.append(aligned.image)
    return crops, skipped


def synth_photos(count, size):
    photos, _ = kp.data.synth_style_pairs(count, size, seed=1000)
    return list(kp.to_uint8(photos))


def run_preset(name, photos, out):
    """The preset's Keras model and int8 file on `photos` (uint8): sheet + parity report."""
    start = time.perf_counter()
    gan = kp.CycleGAN.from_preset(name)
    loaded = time.perf_counter() - start
    inputs = photos.astype(np.float32) / 127.5 - 1.0
    start = time.perf_counter()
    paintings = gan.translate(inputs)
    keras_seconds = time.perf_counter() - start
    back = gan.translate(paintings.astype(np.float32) / 127.5 - 1.0, direction="b2a")
    runner = kp.LiteRTRunner(kp.presets.file(name, "tflite"), num_threads=2)
    start = time.perf_counter()
    int8 = runner(photos)
    int8_seconds = time.perf_counter() - start
    difference = np.abs(int8.astype(int) - paintings.astype(int))
    report = {
        "preset": name, "photos": len(photos), "image_size": int(photos.shape[1]),
        "int8_vs_keras_uint8": {"max_abs": int(difference.max()),
                                "mean_abs": float(difference.mean())},
        "seconds": {"load": loaded, "keras": keras_seconds, "int8_litert": int8_seconds},
        "card_figures": kp.presets.card(name).get("figures", {}),
    }
    with open(os.path.join(out, "preset_parity.json"), "w") as f:
        json.dump(report, f, indent=1)
    rows = np.stack([photos, paintings, int8, back], axis=1)
    sheet = os.path.join(out, "preset_sheet.png")
    kp.save_image(sheet, kp.image_grid(rows.reshape(-1, *rows.shape[2:]), columns=4,
                                       labels=LABELS))
    return sheet, report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="demo_out")
    parser.add_argument("--preset", default=PRESET)
    parser.add_argument("--photos", nargs="*", default=None,
                        help="your photos (files or folders); default: see the module's doc")
    parser.add_argument("--count", type=int, default=8, help="photos on the sheet")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.preset not in kp.presets.list():
        print(f"error: preset {args.preset!r} not found; presets here: "
              f"{', '.join(kp.presets.list()) or 'none'}", file=sys.stderr)
        return 2
    size = int(kp.presets.card(args.preset)["image_size"])

    if args.photos:
        try:
            paths = [path for path, _ in kp.data.named_image_files(args.photos)]
        except FileNotFoundError as error:
            print(f"error: {str(error)[0].lower()}{str(error)[1:]}", file=sys.stderr)
            return 2
        source = "--photos"
    else:
        paths, source = default_photos(args.count)
    photos, skipped = aligned_photos(paths or [], size)
    if not photos:
        photos, source = synth_photos(args.count, size), "SynthPortraits renders (no photos)"
    photos = np.stack(photos[: args.count])
    for path, reason in skipped:
        print(f"skipped {path}: {reason}")

    start = time.perf_counter()
    sheet, report = run_preset(args.preset, photos, args.out)
    print(f"{args.preset} on {len(photos)} photos ({source}), {size}²: int8 LiteRT vs Keras "
          f"max |diff| {report['int8_vs_keras_uint8']['max_abs']}/255, mean "
          f"{report['int8_vs_keras_uint8']['mean_abs']:.1f}/255 "
          f"({time.perf_counter() - start:.0f} s)")
    contact = os.path.join(args.out, "synth_portraits_sheet.png")
    kp.save_image(contact, kp.data.contact_sheet())
    print("\nThe demo wrote:")
    print(f"  {sheet}: {' | '.join(LABELS)}")
    print(f"  {os.path.join(args.out, 'preset_parity.json')}: int8 parity and timings")
    print(f"  {contact}: SynthPortraits' contact sheet")
    print("\nYour own photo (its largest face is aligned, painted and written as a crop; "
          "--paste-back puts it back into the photo):\n"
          f"  .venv/bin/keras-portrait translate {args.preset} my_photo.jpg --face "
          "-o my_painting.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
