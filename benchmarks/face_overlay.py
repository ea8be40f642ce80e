"""An overlay sheet of the face tools on pictures: detection box, 468 landmarks, pose axes, mask.

    .venv/bin/python benchmarks/face_overlay.py --photos /work/shared/data/faces --out /tmp/face_overlay.png
    .venv/bin/python benchmarks/face_overlay.py --synth 12 --out docs/face_tools_sheet.png

Each picture gives two tiles: the picture with the detection box (yellow), the mesh points (cyan)
and the head axes (x red, y green, z blue) with the measured yaw/pitch/roll, then the 7-class
mask blended over it. Sheets of the real photos stay out of the repository (they are other
people's faces); the SynthPortraits sheet is the one in docs/. Also prints the detection count
and the time per picture of detect + landmarks + pose + mask.
"""

import argparse
import glob
import os
import time

import cv2
import numpy as np

import keras_portrait as kp

# One colour per class of kp.labels.MASK_CLASSES.
COLORS = np.array([(0, 0, 0), (230, 180, 140), (120, 60, 20), (40, 200, 255), (255, 60, 60),
                   (60, 255, 60), (255, 0, 200)], np.uint8)


def tiles(image, tile):
    start = time.perf_counter()
    faces = kp.face.detect_faces(image)
    points = kp.face.landmarks(image, face=faces[0]) if faces else None
    pose = kp.face.head_pose(points) if points is not None else None
    mask = kp.face.face_mask(image, points)
    seconds = time.perf_counter() - start
    scale = tile / max(image.shape[:2])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    drawn = small.copy()
    if faces:
        x0, y0, x1, y1 = (int(round(v * scale)) for v in faces[0].box)
        cv2.rectangle(drawn, (x0, y0), (x1, y1), (255, 255, 0), 1)
    if points is not None:
        for x, y in points[:, :2] * scale:
            drawn[min(int(y), drawn.shape[0] - 1), min(int(x), drawn.shape[1] - 1)] = (0, 255, 255)
        scaled = kp.face.head_pose(np.concatenate([points[:, :2] * scale, points[:, 2:] * scale],
                                                  axis=1))
        drawn = kp.face.draw_pose_axes(drawn, scaled, thickness=1)
        text = "y%+.0f p%+.0f r%+.0f" % tuple(pose.angles)
        cv2.putText(drawn, text, (2, drawn.shape[0] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                    (255, 255, 255), 1, cv2.LINE_AA)
    colored = cv2.resize(COLORS[mask], small.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    blended = (0.45 * small + 0.55 * colored).astype(np.uint8)
    return [_pad(drawn, tile), _pad(blended, tile)], bool(faces), seconds


def _pad(image, tile):
    out = np.zeros((tile, tile, 3), np.uint8)
    out[: image.shape[0], : image.shape[1]] = image
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", default=None, help="folder of pictures")
    parser.add_argument("--synth", type=int, default=0, help="SynthPortraits renders instead")
    parser.add_argument("--limit", type=int, default=46)
    parser.add_argument("--tile", type=int, default=192)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.photos:
        images = [kp.face.image_input.as_rgb8(path) for path in
                  sorted(glob.glob(os.path.join(args.photos, "*")))[: args.limit]]
    else:
        portraits = kp.data.SynthPortraits(seed=7)
        images = [portraits.sample(i, size=512, style=("photo", "painting")[i % 2],
                                   yaw_range=(-60, 60))["image"] for i in range(args.synth)]
    sheet, found, seconds = [], 0, []
    for image in images:
        pair, detected, took = tiles(image, args.tile)
        sheet += pair
        found += detected
        seconds.append(took)
    kp.save_image(args.out, kp.image_grid(np.stack(sheet), columns=8))
    print(f"{found}/{len(images)} pictures with a face; detect + landmarks + pose + mask "
          f"{np.median(seconds[1:] or seconds):.3f} s median per picture; sheet: {args.out}")


if __name__ == "__main__":
    main()
