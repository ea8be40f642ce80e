"""ExpressionClassifier on SynthPortraits and real photos, its speed, and FaceEmbedder's threshold.

Run (the results name the CPU affinity they were measured with):
    taskset -c 0,1 python benchmarks/face_expression.py

Prints one JSON line per measurement and writes benchmarks/results/face_expression.json, where
the sections not run (`--only`) keep their previous rows.
- synthetic: accuracy and confusion matrix (rows true, columns predicted, EXPRESSIONS order) on
  `SynthPortraits.render` frontal faces at full intensity and on `sample` faces (yaw in
  [-30, 30], intensity in [0.5, 1]), per style, cropped to the true landmarks' box times
  `--crop-scales` (fer was trained on tight face crops), and uncropped (`crop_scale` null).
- real: predicted distribution over the photos of `--faces` (no labels), cropped to the
  BlazeFace box (squared, +20% like fer's offsets) or, without MediaPipe, a fixed FFHQ box.
- speed: wall and CPU milliseconds per batch of 32 (eager call, `tf.function` call, and
  `tf.function` logits + input gradient), median of `--repeats`.
- identity: FaceNet cosine similarities of the same person vs different people on `--faces`
  (the two known same-person pairs), the evidence for `SAME_PERSON_THRESHOLD`.
"""

import argparse
import json
import os
import pathlib
import platform
import time

import numpy as np
import tensorflow as tf
from PIL import Image

from keras_portrait.data import SynthPortraits
from keras_portrait.face.embedder import FaceEmbedder
from keras_portrait.face.expression import load_expression_classifier
from keras_portrait.labels import EXPRESSIONS

RESULTS = pathlib.Path(__file__).resolve().parent / "results" / "face_expression.json"
FACES = pathlib.Path("/work/shared/data/faces")
SAME_PERSON = ({"female_063109", "female_113393"}, {"male_020167", "male_060259"})
FFHQ_FACE_BOX = (0.22, 0.27, 0.78, 0.83)  # eyebrows-to-chin box of an FFHQ-aligned portrait
SECTIONS = ("synthetic", "real", "speed", "identity")


def square_crop(image, center, side):
    """A side x side crop around center (x, y), edge-padded where it leaves the image."""
    side = max(int(round(side)), 1)
    x0, y0 = int(round(center[0] - side / 2)), int(round(center[1] - side / 2))
    pad = max(0, -x0, -y0, x0 + side - image.shape[1], y0 + side - image.shape[0])
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    return padded[y0 + pad : y0 + pad + side, x0 + pad : x0 + pad + side]


def landmark_crop(render, scale, size=64):
    """The square around the landmarks' box, `scale` times its longer side; None: the frame."""
    crop = render["image"]
    if scale is not None:
        points = render["landmarks_2d"]
        low, high = points.min(axis=0), points.max(axis=0)
        crop = square_crop(crop, (low + high) / 2, scale * np.max(high - low))
    return np.asarray(Image.fromarray(crop).resize((size, size), Image.BILINEAR))


def confusion_report(classifier, crops, labels):
    probabilities = classifier(crops.astype(np.float32) / 127.5 - 1.0).numpy()
    predicted = probabilities.argmax(axis=1)
    n = len(EXPRESSIONS)
    confusion = np.zeros((n, n), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    return {
        "images": int(len(labels)),
        "accuracy": float(np.mean(predicted == labels)),
        "accuracy_per_class": dict(zip(EXPRESSIONS, np.round(per_class, 3).tolist())),
        "mean_true_class_probability": float(probabilities[np.arange(len(labels)), labels].mean()),
        "predicted_counts": dict(zip(EXPRESSIONS, np.bincount(predicted, minlength=n).tolist())),
        "confusion": confusion.tolist(),
    }


def synthetic(classifier, args):
    portraits = SynthPortraits(seed=args.seed)
    rows = []
    for style in ("photo", "painting"):
        renders = {
            "frontal": [
                portraits.render(identity=i, expression=e, intensity=1.0, style=style, size=128)
                for i in range(args.identities)
                for e in EXPRESSIONS
            ],
            "sampled": [
                portraits.sample(i, size=128, style=style, yaw_range=(-30.0, 30.0))
                for i in range(args.identities * len(EXPRESSIONS))
            ],
        }
        for condition, batch in renders.items():
            labels = np.array([r["expression"] for r in batch])
            for scale in [*args.crop_scales, None]:
                crops = np.stack([landmark_crop(r, scale) for r in batch])
                rows.append({"section": "synthetic", "style": style, "condition": condition,
                             "crop_scale": scale, **confusion_report(classifier, crops, labels)})
                yield rows[-1]


def _real_crop(path):
    image = np.asarray(Image.open(path).convert("RGB"))
    try:
        from keras_portrait.face.detection import detect_faces

        faces = detect_faces(image)
    except (ImportError, FileNotFoundError):
        faces = None
    if faces:
        crop = square_crop(image, faces[0].center, 1.2 * max(faces[0].width, faces[0].height))
        how = "blazeface box x1.2"
    else:
        h, w = image.shape[:2]
        x0, y0, x1, y1 = FFHQ_FACE_BOX
        crop = image[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)]
        how = "fixed FFHQ box" if faces is None else "fixed FFHQ box (no face found)"
    return np.asarray(Image.fromarray(crop).resize((64, 64), Image.BOX)), how


def real(classifier, args):
    paths = sorted(args.faces.glob("*.jpg"))
    crops, hows = zip(*(_real_crop(p) for p in paths))
    probabilities = classifier(np.stack(crops).astype(np.float32) / 127.5 - 1.0).numpy()
    predicted = probabilities.argmax(axis=1)
    yield {
        "section": "real", "images": len(paths), "crops": sorted(set(hows)),
        "predicted_counts": dict(zip(EXPRESSIONS, np.bincount(predicted, minlength=7).tolist())),
        "mean_probability": dict(zip(EXPRESSIONS, np.round(probabilities.mean(0).astype(np.float64), 3).tolist())),
        "predictions": {p.stem: EXPRESSIONS[i] for p, i in zip(paths, predicted)},
    }


def _median_ms(function, images, repeats):
    """Median wall and CPU (all threads) milliseconds of one call."""
    function(images)  # trace / warm up
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        np.asarray(function(images))
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"wall_ms": 1000.0 * float(np.median(wall)), "cpu_ms": 1000.0 * float(np.median(cpu))}


def speed(classifier, args):
    @tf.function
    def forward(images):
        return classifier(images)

    @tf.function
    def gradient(images):
        with tf.GradientTape() as tape:
            tape.watch(images)
            loss = tf.reduce_sum(classifier.logits(images)[:, 0])
        return tape.gradient(loss, images)

    calls = {"eager_call": classifier, "tf_function": forward, "input_gradient": gradient}
    for size in (64, 128, 256):
        images = tf.random.stateless_uniform((32, size, size, 3), (0, size), -1.0, 1.0)
        for name, function in calls.items():
            yield {"section": "speed", "call": name, "batch": 32, "size": size,
                   **_median_ms(function, images, args.repeats)}


def identity(args):
    embedder = FaceEmbedder()
    paths = sorted(args.faces.glob("*.jpg"))
    names = [p.stem for p in paths]
    photos = np.stack([
        np.asarray(Image.open(p).convert("RGB").resize((160, 160), Image.BILINEAR)) for p in paths
    ])
    embeddings = embedder.embed(photos).astype(np.float64)
    cosine = embeddings @ embeddings.T
    mirrored = embedder.similarity(photos, photos[:, :, ::-1])
    genuine, impostor = {}, []
    for i, j in zip(*np.triu_indices(len(names), 1)):
        if {names[i], names[j]} in SAME_PERSON:
            genuine[f"{names[i]}~{names[j]}"] = round(float(cosine[i, j]), 3)
        else:
            impostor.append(cosine[i, j])
    impostor = np.array(impostor)
    yield {
        "section": "identity", "images": len(names), "framing": "whole frame, 160x160",
        "same_person_pairs": genuine,
        "mirrored_min": float(mirrored.min()), "mirrored_mean": float(mirrored.mean()),
        "different_pairs": len(impostor), "different_mean": float(impostor.mean()),
        "different_p99": float(np.quantile(impostor, 0.99)), "different_max": float(impostor.max()),
        "threshold": embedder.threshold,
        "different_above_threshold": int(np.sum(impostor > embedder.threshold)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--identities", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--crop-scales", type=float, nargs="+", default=[1.0, 1.2, 1.4])
    parser.add_argument("--faces", type=pathlib.Path, default=FACES)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    classifier = load_expression_classifier()
    sections = {
        "synthetic": lambda: synthetic(classifier, args),
        "real": lambda: real(classifier, args),
        "speed": lambda: speed(classifier, args),
        "identity": lambda: identity(args),
    }
    # Sections not run keep their previous rows; every row names the CPUs it ran on.
    previous = json.loads(RESULTS.read_text())["results"] if RESULTS.is_file() else []
    rows = [row for row in previous if row["section"] not in args.only]
    affinity = sorted(os.sched_getaffinity(0))
    for name in args.only:
        if name in ("real", "identity") and not args.faces.is_dir():
            print(json.dumps({"section": name, "skipped": f"no folder {args.faces}"}))
            continue
        for row in sections[name]():
            rows.append({**row, "affinity": affinity})
            print(json.dumps(rows[-1]), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": platform.processor() or platform.machine(),
        "tensorflow": tf.__version__,
        "expressions": list(EXPRESSIONS),
        "results": rows,
    }, indent=1) + "\n")
    print("wrote", RESULTS)


if __name__ == "__main__":
    main()
