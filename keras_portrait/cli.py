"""The `keras-portrait` command: parses arguments and calls the public API, nothing more."""

import argparse
import sys

import keras

from keras_portrait import DCGAN
from keras_portrait import WGANGP
from keras_portrait import save_image
from keras_portrait.models.callbacks import NonFiniteLossError
from keras_portrait.models.training import train

FAMILIES = {"dcgan": DCGAN, "wgan-gp": WGANGP}


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
    """The training batches: SynthPortraits for `--data synth`, else the images of a folder."""
    # Imported here, like the other data commands, so that `train` and `sample` do not depend
    # on the data package's exports at import time.
    from keras_portrait.data import image_folder
    from keras_portrait.data import synth_portraits

    if args.data == "synth":
        return synth_portraits(
            family="dcgan", image_size=args.image_size, batch_size=args.batch_size,
            num_examples=args.num_examples, seed=args.seed,
        )
    return image_folder(
        args.data, image_size=args.image_size, batch_size=args.batch_size, seed=args.seed
    )


def _train(args):
    # Same seed, same initial weights: a rerun that finds no backup starts like the first run.
    keras.utils.set_random_seed(args.seed)
    model = FAMILIES[args.family](
        image_size=args.image_size, latent_dim=args.latent_dim, filters=args.filters,
        seed=args.seed,
    )
    model.compile()
    try:
        train(
            model, _dataset(args), args.out, args.epochs,
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


def _add_train(parser):
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--data", required=True, help="a folder of images, or 'synth'")
    parser.add_argument("--out", required=True, help="run folder; rerun the command to resume")
    parser.add_argument("--epochs", type=int, required=True, help="total epochs of the run")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps-per-epoch", type=int, default=None,
                        help="default: one pass over the data")
    parser.add_argument("--seed", type=int, default=0, help="weights, noise and shuffle seed")
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=100)
    parser.add_argument("--num-examples", type=int, default=4096,
                        help="portraits per epoch with --data synth")
    parser.add_argument("--checkpoint-every", type=int, default=None,
                        help="steps between backups (default: every epoch end)")
    parser.add_argument("--sample-every", type=int, default=1, help="epochs between grids")
    parser.add_argument("--num-samples", type=int, default=64, help="images per grid")
    parser.add_argument("--log-dir", default=None, help="TensorBoard folder")


def _add_sample(parser):
    parser.add_argument("model", help="a .keras file written by `train`")
    parser.add_argument("-n", type=int, default=64, help="number of images")
    parser.add_argument("-o", "--output", required=True, help="the PNG grid to write")
    parser.add_argument("--seed", type=int, default=0)


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
    "train": ("train a GAN into a run folder (rerun to resume)", _add_train, _train),
    "sample": ("write a grid of samples of a trained model", _add_sample, _sample),
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
