"""Trains the expression judge of StarGAN's evaluation on SynthPortraits and records its accuracy.

Run (the results name the CPU affinity they were measured with):
    taskset -c 0,1 python benchmarks/expression_judge.py --out /tmp/expression_judge.keras

`train_expression_classifier("synth", ...)`: `--count` renders at `--image-size`² in `--style`,
split 80/10/10 by sitter, at most `--epochs` epochs. With `--framing portrait` (whole renders)
the network sees their face box (`SYNTH_FACE_BOX`, 41² of 64²); with `--framing face` the
renders are face crops (`synth_portraits(framing="face")`) and it sees all of them. The judge is saved to `--out` (the StarGAN evaluation loads it) and one
JSON line is printed and appended to benchmarks/results/expression_judge.json: test accuracy
(overall and per class), confusion matrix, split sizes, seconds and the command.
`--unseen-styles` also measures the judge on `--unseen-count` renders of SynthPortraits(seed + 1),
whose sitters it never saw, in each of those styles.

The defaults fit the 10-minute budget of a 2-core CPU: an epoch of 6,345 images took 36 s when
the cores were least shared (~8 minutes in all); shared with other jobs, the recorded run
took 14 minutes. Accuracy was still rising at the last epoch: more epochs buy more.
"""

import argparse
import os
import pathlib
import time

import numpy as np

from keras_portrait.data import SynthPortraits
from keras_portrait.data.synth.framing import FRAMINGS
from keras_portrait.data.synth.framing import framed_sample
from keras_portrait.labels import EXPRESSIONS
from keras_portrait.models.classifier import SYNTH_FACE_BOX
from keras_portrait.models.classifier import train_expression_classifier
from run_info import append_row
from run_info import run_header  # benchmarks/run_info.py

RESULTS = pathlib.Path(__file__).resolve().parent / "results" / "expression_judge.json"
SEED_PAPER_TEST_ACCURACY = 0.9354  # the seed's ResNet judge, on its real expression data


def unseen_sitters(model, style, count, seed, image_size, yaw_range, framing):
    """Accuracy of `model` on `count` renders of SynthPortraits(seed) in `style`."""
    portraits = SynthPortraits(seed=seed)
    renders = [framed_sample(portraits, i, image_size, framing, style=style,
                             yaw_range=yaw_range)[0] for i in range(count)]
    images = np.stack([r["image"] for r in renders]).astype(np.float32) / 127.5 - 1.0
    labels = np.array([r["expression"] for r in renders])
    predicted = np.concatenate([np.asarray(model(images[i:i + 256])).argmax(axis=1)
                                for i in range(0, count, 256)])
    per_class = {name: float(np.mean(predicted[labels == k] == k)) if np.any(labels == k) else None
                 for k, name in enumerate(EXPRESSIONS)}
    return {"style": style, "images": count, "seed": seed,
            "accuracy": float(np.mean(predicted == labels)), "accuracy_per_class": per_class}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8000)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--style", default="photo")
    parser.add_argument("--crop", choices=("face", "none"), default="face",
                        help="face: the network sees SYNTH_FACE_BOX; none: the whole image "
                             "(always with --framing face, whose images are the face)")
    parser.add_argument("--framing", choices=FRAMINGS, default="portrait",
                        help="renders framed as whole portraits or as face crops "
                             "(synth_portraits(framing=...)); match the StarGAN's")
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--stem-pool", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--unseen-styles", nargs="*", default=["photo", "painting"])
    parser.add_argument("--unseen-count", type=int, default=700)
    parser.add_argument("--out", default="/tmp/expression_judge.keras")
    parser.add_argument("--results", default=str(RESULTS), help="JSON-lines file appended to")
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args()

    start, load_start = time.perf_counter(), os.getloadavg()[0]
    model, report = train_expression_classifier(
        "synth", image_size=args.image_size, epochs=args.epochs, batch_size=args.batch_size,
        seed=args.seed, count=args.count, style=args.style, framing=args.framing,
        crop_box=SYNTH_FACE_BOX if args.crop == "face" and args.framing == "portrait" else None,
        filters=args.filters,
        stem_pool=args.stem_pool, augment=args.augment,
        learning_rate=args.learning_rate, verbose=args.verbose)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    model.save(args.out)
    unseen = [unseen_sitters(model, style, args.unseen_count, args.seed + 1, args.image_size,
                             report["source"]["yaw_range"], args.framing)
              for style in args.unseen_styles]
    row = {
        **run_header("expression_judge", load_start),
        "style": args.style,
        "framing": args.framing,
        "count": args.count,
        "image_size": args.image_size,
        "max_epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "filters": args.filters,
        "stem_pool": args.stem_pool,
        "augment": args.augment,
        "crop_box": report["crop_box"],
        "network_input": report["network_input"],
        **{key: report[key] for key in (
            "test_accuracy", "test_accuracy_per_class", "val_accuracy", "train_accuracy",
            "split_method", "split_sizes", "identities", "split_identities", "class_counts",
            "confusion_matrix", "epochs_run", "best_epoch", "parameters", "train_seconds")},
        "judge_seconds": report["seconds"],
        "unseen_sitters": unseen,
        "seconds": time.perf_counter() - start,
        "model": os.path.abspath(args.out),
        "seed_paper_test_accuracy": SEED_PAPER_TEST_ACCURACY,
    }
    append_row(args.results, row)


if __name__ == "__main__":
    main()
