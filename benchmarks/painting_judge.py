"""Trains the painting judge (real photo crops vs real painting crops) and records its accuracy.

Run (the results name the CPU affinity they were measured with):
    taskset -c 0,1 python benchmarks/painting_judge.py --size 64 \
        --out /work/runs/judges/painting_judge_64.keras
    taskset -c 0,1 python benchmarks/painting_judge.py --size 128 \
        --out /work/runs/judges/painting_judge_128.keras

The judge of the photo → painting CycleGAN, as StarGAN's evaluation has its expression judge
(`keras_portrait.metrics.painting_rate` scores translations with it). Data: the aligned 256²
face crops of `keras-portrait prepare` in `--crops` (pixabay256/ and utk256/: photo;
louvre256/: painting), resized to `--size`², split by source picture with
benchmarks/splits/real_faces.json (`split_crops`): trained on train, the best epoch chosen on
validation, measured on test. The paintings are ~5 % of the crops: in train they are repeated
to as many as the photos (balanced sampling; each repeat is augmented anew), and in validation
so that its accuracy weighs both classes equally.

The judge sees the centre of each crop (`--crop face`: `FACE_BOX`, 26² of 64², 51² of 128²).
UTKFace's pictures are tight 200² crops: prepare fills ~60 % of the side of their 256² crops
with mirror padding, which no painting crop has. Seeing the whole crop (`--crop none`), the
judge learns that cue: at 64² it called 79 % of the test paintings photos once their centre
half was mirrored out like that (`painting_rate.test_paintings_mirror_padded` 0.21, against
0.96 with the face box), and it misjudged 11 % of the Pixabay photos (2 % with the box).

Augmentation: flips and random crops of 80-100 % of the area (the expression judge's
training, `fit_classifier`), then colour jitter (brightness, contrast, saturation, grayscale 10 %,
per-channel gain), so that the judge cannot call a picture a painting from its yellow varnish
alone. For information, the run also reports the share called paintings of test photos in
grayscale, of test photos through `cv2.stylization` (an edge-preserving "painterly" filter),
of test paintings in grayscale and of mirror-padded test paintings.

A ResNet (`resnet_classifier`, without the jitter) wrapped as `ImageClassifier(class_names=
("photo", "painting"), image_size=--size, crop_box=...)` is saved to `--out`; one JSON line is
printed and appended to benchmarks/results/painting_judge.json, with the misjudged test crops
(`--sheet` tiles them into a PNG).

Recorded (8 epochs, 8 filters, 2 shared cores at a load average of 8-10): 64², test accuracy
98.5 % (photos 494/501, paintings 27/28), 207 s of training; 128², 99.2 % (photos 497/501,
paintings 28/28), 316 s. With only 28 test paintings, one more or less moves their accuracy
by 3.6 points.
"""

import argparse
import os
import pathlib
import time

import cv2
import keras
import numpy as np
import tensorflow as tf

from keras_portrait.data import image_folder, read_split, split_crops
from keras_portrait.grids import image_grid, save_image, to_uint8
from keras_portrait.metrics.judge import judge_probabilities, painting_rate
from keras_portrait.models.classifier import SPLITS
from keras_portrait.models import ImageClassifier
from keras_portrait.models import fit_classifier  # the expression judge's training
from keras_portrait.models.classifier import pixel_box
from keras_portrait.networks.resnet_classifier import resnet_classifier
from run_info import append_row
from run_info import run_header  # benchmarks/run_info.py

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "results" / "painting_judge.json"
SPLIT = HERE / "splits" / "real_faces.json"
CLASS_NAMES = ("photo", "painting")
# source in the split file → (folder of its crops under --crops, class)
SOURCES = {
    "photos_pixabay": ("pixabay256", 0),
    "photos_utkface": ("utk256", 0),
    "paintings_louvre": ("louvre256", 1),
}
PARTS = dict(zip(("train", "validation", "test"), SPLITS))  # split file → fit_classifier's names
# The centre of a 256² FFHQ-template crop that UTKFace's tight 200² pictures cover: in 95 % of
# its crops the central 0.375 (median 0.41) of the side is picture, the rest mirror padding
# that no painting crop has. With --crop face the judge sees only this box.
FACE_BOX = (0.3, 0.3, 0.7, 0.7)


class ColourJitter(keras.layers.Layer):
    """Training only: random brightness, contrast, saturation (grayscale with probability
    `gray`) and per-channel gain of images in [-1, 1], one draw per image."""

    def __init__(self, brightness=0.1, contrast=0.25, saturation=0.5, gain=0.1, gray=0.1,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.brightness, self.contrast, self.saturation = brightness, contrast, saturation
        self.gain, self.gray = gain, gray
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        n = tf.shape(images)[0]

        def uniform(shape, spread, centre=1.0):
            return keras.random.uniform(shape, centre - spread, centre + spread,
                                        seed=self.generator)

        x = (images + 1.0) * uniform((n, 1, 1, 3), self.gain) - 1.0
        gray = tf.reduce_mean(x, axis=-1, keepdims=True)
        saturation = uniform((n, 1, 1, 1), self.saturation)
        saturation *= tf.cast(keras.random.uniform((n, 1, 1, 1), seed=self.generator)
                              >= self.gray, x.dtype)
        x = gray + (x - gray) * saturation
        mean = tf.reduce_mean(x, axis=(1, 2, 3), keepdims=True)
        x = mean + (x - mean) * uniform((n, 1, 1, 1), self.contrast)
        x += uniform((n, 1, 1, 1), self.brightness, centre=0.0)
        return tf.clip_by_value(x, -1.0, 1.0)


def read_crops(crops, split, size):
    """→ uint8 images, labels, source ids, split names and paths of every crop in the split."""
    images, labels, sources, parts, paths = [], [], [], [], []
    for source_id, (source, (folder, label)) in enumerate(SOURCES.items()):
        folder = os.path.join(crops, folder)
        for part in PARTS:
            files = split_crops(folder, split["splits"][source], part)
            dataset = image_folder(folder, files=files, image_size=size, batch_size=256,
                                   shuffle=False, drop_remainder=False, verbose=False)
            usable = [r["path"] for r in dataset.scan_report.usable]
            images.append(np.concatenate([to_uint8(batch) for batch in dataset]))
            labels += [label] * len(usable)
            sources += [source_id] * len(usable)
            parts += [part] * len(usable)
            paths += usable
    return (np.concatenate(images), np.array(labels, np.int32), np.array(sources),
            np.array(parts), np.array(paths))


def balanced(indices, labels):
    """`indices` with the rarer class repeated to about the other's count."""
    counts = [np.sum(labels[indices] == k) for k in range(len(CLASS_NAMES))]
    rare = int(np.argmin(counts))
    repeats = max(1, int(round(max(counts) / max(min(counts), 1))))
    rare_indices = indices[labels[indices] == rare]
    return np.concatenate([indices[labels[indices] != rare], np.tile(rare_indices, repeats)])


def grayscale(images):
    return np.repeat(np.stack([cv2.cvtColor(i, cv2.COLOR_RGB2GRAY) for i in images])[..., None],
                     3, axis=-1)


def mirror_padded(paths, size, keep=0.5):
    """The central `keep` of the 256² crops at `paths`, mirrored out to the whole side again
    (as prepare pads UTKFace's tight crops), resized to size² (RGB uint8)."""
    out = []
    for path in paths:
        image = cv2.imread(path)
        side = image.shape[0]
        margin = int(round(side * (1 - keep) / 2))
        centre = image[margin:side - margin, margin:side - margin]
        padded = cv2.copyMakeBorder(centre, margin, margin, margin, margin, cv2.BORDER_REFLECT_101)
        out.append(cv2.resize(padded, (size, size), interpolation=cv2.INTER_AREA)[..., ::-1])
    return np.stack(out)


def stylized(paths, size):
    """`cv2.stylization` of the 256² crops at `paths`, resized to size² (RGB uint8)."""
    out = []
    for path in paths:
        painted = cv2.stylization(cv2.imread(path), sigma_s=60, sigma_r=0.45)
        out.append(cv2.resize(painted, (size, size), interpolation=cv2.INTER_AREA)[..., ::-1])
    return np.stack(out)


def scores_on_test(model, images, labels, sources, batch_size):
    probabilities = judge_probabilities(model, images, batch_size)
    predicted = probabilities.argmax(axis=1)
    correct = predicted == labels
    confusion = np.zeros((2, 2), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = {name: float(np.mean(correct[labels == k])) for k, name in enumerate(CLASS_NAMES)}
    return probabilities, {
        "test_accuracy": float(np.mean(correct)),
        "test_balanced_accuracy": float(np.mean(list(per_class.values()))),
        "test_accuracy_per_class": per_class,
        "test_accuracy_per_source": {
            source: float(np.mean(correct[sources == k])) for k, source in enumerate(SOURCES)},
        "test_counts_per_source": {
            source: int(np.sum(sources == k)) for k, source in enumerate(SOURCES)},
        "confusion_matrix": confusion.tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, choices=(64, 128), default=64)
    parser.add_argument("--out", required=True, help="the judge's .keras path")
    parser.add_argument("--crops", default="/work/runs/data")
    parser.add_argument("--split", default=str(SPLIT))
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--filters", type=int, default=8)
    parser.add_argument("--crop", choices=("face", "none"), default="face",
                        help="face: the network sees FACE_BOX of each crop; none: all of it")
    parser.add_argument("--stem-pool", action=argparse.BooleanOptionalAction, default=None,
                        help="defaults to on for a network input >= 96² (128² whole crops)")
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--patience", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sheet", default=None, help="PNG of the misjudged test crops")
    parser.add_argument("--results", default=str(RESULTS), help="JSON-lines file appended to")
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args()

    start, load_start = time.perf_counter(), os.getloadavg()[0]
    split = read_split(args.split)
    images, labels, sources, parts, paths = read_crops(args.crops, split, args.size)
    index = {part: np.flatnonzero(parts == part) for part in PARTS}
    fit_parts = {fit_name: index[part] if part == "test" else balanced(index[part], labels)
                 for part, fit_name in PARTS.items()}
    crop_box = FACE_BOX if args.crop == "face" else None
    pixels = pixel_box(crop_box, args.size)
    seen = images if pixels is None else images[:, pixels[0]:pixels[2], pixels[1]:pixels[3]]
    stem_pool = seen.shape[1] >= 96 if args.stem_pool is None else args.stem_pool

    keras.utils.set_random_seed(args.seed)
    resnet = resnet_classifier(len(CLASS_NAMES), seen.shape[1], filters=args.filters,
                               stem_pool=stem_pool)
    network = keras.Sequential([keras.Input(seen.shape[1:]), ColourJitter(seed=args.seed), resnet])
    train_start = time.perf_counter()
    history, best_epoch = fit_classifier(network, seen, labels, fit_parts, args.epochs,
                                         args.batch_size, True, args.seed, args.learning_rate,
                                         args.patience, args.verbose)
    train_seconds = time.perf_counter() - train_start
    model = ImageClassifier.from_network(resnet, CLASS_NAMES, args.size, crop_box)  # no jitter
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    model.save(args.out)

    test = index["test"]
    probabilities, scores = scores_on_test(model, images[test], labels[test], sources[test],
                                           args.batch_size)
    photos = test[labels[test] == 0]
    paintings = test[labels[test] == 1]
    wrong = test[probabilities.argmax(axis=1) != labels[test]]
    if args.sheet and len(wrong):
        save_image(args.sheet, image_grid(np.stack([cv2.imread(p)[..., ::-1] for p in
                                                    paths[wrong]]), columns=8))
    row = {
        **run_header("painting_judge", load_start),
        "image_size": args.size,
        "crop_box": None if crop_box is None else list(crop_box),
        "network_input": int(seen.shape[1]),
        "split": {"file": os.path.relpath(args.split, HERE.parent), "seed": split["seed"],
                  "fractions": split["fractions"]},
        "crops": {part: {source: int(np.sum((parts == part) & (sources == k)))
                         for k, source in enumerate(SOURCES)} for part in PARTS},
        "train_examples_per_epoch": int(len(fit_parts[PARTS["train"]])),
        "max_epochs": args.epochs, "batch_size": args.batch_size,
        "learning_rate": args.learning_rate, "filters": args.filters, "stem_pool": stem_pool,
        "parameters": int(resnet.count_params()),
        **scores,
        "val_balanced_accuracy": max(history["val_accuracy"]),
        "painting_rate": {
            "test_photos_grayscale": painting_rate(model, grayscale(images[photos])),
            "test_photos_stylization": painting_rate(model, stylized(paths[photos], args.size)),
            "test_paintings_grayscale": painting_rate(model, grayscale(images[paintings])),
            "test_paintings_mirror_padded": painting_rate(
                model, mirror_padded(paths[paintings], args.size)),
        },
        "misjudged": [{"file": p, "painting_probability": round(float(q), 4)}
                      for p, q in zip(paths[wrong], probabilities[np.isin(test, wrong), 1])],
        "epochs_run": len(history["loss"]), "best_epoch": best_epoch, "history": history,
        "train_seconds": train_seconds,
        "seconds": time.perf_counter() - start,
        "model": os.path.abspath(args.out),
    }
    append_row(args.results, row)


if __name__ == "__main__":
    main()
