"""Face rotation on real pictures: Rotate-and-Render pairs of real photos and paintings, by split.

    .venv/bin/python benchmarks/rotation_real.py pairs [--size 128] [--out /work/runs/data/rot128]

`pairs` links each source's files of one split part (benchmarks/splits/real_faces.json: by
file, seeded; the test part is never trained on) into a folder and runs `make_rotation_pairs` on
it: OUT/<part>/<source>/ holds targets/, renders/, holes/, landmarks/, pairs.csv and the report.
Sources: `photos_pixabay` (head-and-shoulders photos) and `paintings_louvre` (old-master
portraits and genre scenes, letterboxed on white). Turns: the turned view's yaw is drawn in
±45° (at least `--min-turn` away from the picture's own), so a pair turns the face by up to
~65° and back; the evaluation buckets pairs by the size of that turn. The run resumes where it
stopped (the journal of `make_rotation_pairs`).
"""

import argparse
import json
import os
import sys

from keras_portrait.data.splits import read_split
from keras_portrait.face.rotation_pairs import make_rotation_pairs

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPLIT = os.path.join(HERE, "splits", "real_faces.json")
REAL = os.path.join(HERE, "..", "..", "shared", "data", "real")
SOURCES = ("photos_pixabay", "paintings_louvre")
PARTS = ("train", "validation", "test")


def link_part(real, source, files, folder):
    """Symbolic links `folder/<file>` → `real/source/<file>` for `files` (made once)."""
    for name in files:
        link = os.path.join(folder, name)
        if not os.path.lexists(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(os.path.abspath(os.path.join(real, source, name)), link)
    return folder


def pairs(args):
    splits = read_split(args.split)["splits"]
    summary = {}
    for part in args.parts:
        for source in args.sources:
            links = link_part(args.real, source, splits[source][part],
                              os.path.join(args.out, "links", part, source))
            per_image = args.train_pairs if part == "train" else args.eval_pairs
            report = make_rotation_pairs(
                links, os.path.join(args.out, part, source), size=args.size,
                pairs_per_image=per_image, yaw_range=(-args.max_yaw, args.max_yaw),
                min_turn=args.min_turn, seed=args.seed + PARTS.index(part), progress=False)
            summary[f"{part}/{source}"] = {k: report[k] for k in
                                           ("sources", "images", "pairs", "mean_hole_fraction")}
            print(part, source, json.dumps(summary[f"{part}/{source}"]), flush=True)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"settings": {k: v for k, v in vars(args).items() if k != "func"},
                   "parts": summary}, f, indent=1)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("pairs", help="rotation pairs of every split part and source")
    sub.add_argument("--real", default=REAL, help="../shared/data/real")
    sub.add_argument("--split", default=DEFAULT_SPLIT)
    sub.add_argument("--out", default="/work/runs/data/rot128")
    sub.add_argument("--size", type=int, default=128)
    sub.add_argument("--sources", nargs="+", default=list(SOURCES))
    sub.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS)
    sub.add_argument("--max-yaw", type=float, default=45.0)
    sub.add_argument("--min-turn", type=float, default=5.0)
    sub.add_argument("--train-pairs", type=int, default=4, help="turned views per train picture")
    sub.add_argument("--eval-pairs", type=int, default=3,
                     help="turned views per validation / test picture")
    sub.add_argument("--seed", type=int, default=0, help="of the turns (+ the part's index)")
    sub.set_defaults(func=pairs)
    args = parser.parse_args(argv)
    if not os.path.isdir(args.real):
        sys.exit(f"rotation_real.py: no real pictures at {args.real!r} (--real)")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
