"""`keras-portrait` for GauGAN: its `train` options, data (masks and metadata) and model, its
sample sheets, evaluation and export, and its own command `synthesize`."""

import os
import sys
import warnings

from keras_portrait.command_line import export_folder
from keras_portrait.command_line import held_out_seed
from keras_portrait.command_line import input_errors
from keras_portrait.command_line import print_cards
from keras_portrait.command_line import run_data
from keras_portrait.command_line import write_evaluation
from keras_portrait.models.gaugan import gaugan_synthesize_cli
from keras_portrait.models.multiscale_cli import add_multiscale_arguments
from keras_portrait.models.multiscale_cli import check_train
from keras_portrait.registry import Command
from keras_portrait.registry import FamilyCommands

FOLDER_HELP = (
    "a folder written by `keras-portrait prepare` (or `render`): images/*.png, masks/*.png "
    "(class ids as gray levels) and a metadata CSV (default DIR/metadata.csv, or "
    "--metadata-file): a header row 'file,age,gender,glasses', then one row per image, file "
    "relative to DIR (images/NAME.png; its mask is masks/NAME.png) and the values in [0, 1] "
    "(age scaled to [0, 1], gender 0 female … 1 male, glasses 0 or 1)"
)

def add_train_arguments(parser):
    parser.add_argument("--code-dim", type=int, default=256,
                        help="size of the style code (default: %(default)s)")
    parser.add_argument("--encoder-filters", type=int, default=64,
                        help="style-encoder width (default: %(default)s)")
    add_multiscale_arguments(parser)
    parser.add_argument("--metadata-weight", type=float, default=1.0,
                        help="weight of the metadata critic that makes the age, gender and "
                             "glasses controls work (0: none; default: %(default)s)")
    parser.add_argument("--critic-filters", type=int, default=64,
                        help="metadata-critic width (default: %(default)s)")
    parser.add_argument("--edit-l1-weight", type=float, default=5.0,
                        help="how strongly an image drawn with one metadata value edited stays "
                             "the unedited one elsewhere (default: %(default)s)")
    parser.add_argument("--metadata-file", default=None,
                        help="on a folder: the metadata CSV (default: DIR/metadata.csv)")


def gaugan_data(data, image_size, batch_size, seed=0, num_examples=4096, style="photo",
                metadata_file=None, shuffle=True):
    """GauGAN's `{"image", "mask", "metadata"}` batches: SynthPortraits, or a prepared folder."""
    import keras_portrait as kp  # noqa: PLC0415

    if data == "synth":
        return kp.data.synth_portraits(family="gaugan", image_size=image_size,
                                       batch_size=batch_size, num_examples=num_examples,
                                       seed=seed, style=style, shuffle=shuffle)
    return folder_dataset(data, image_size, batch_size, seed, metadata_file, shuffle)


def folder_dataset(folder, image_size, batch_size, seed=0, metadata_file=None, shuffle=True):
    """`kp.data.mask_folder`: its errors as the command's exit message, its warnings on stderr."""
    import keras_portrait as kp  # noqa: PLC0415

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with input_errors():
            data = kp.data.mask_folder(folder, image_size, batch_size, seed, metadata_file,
                                       shuffle)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    return data


def dataset(args):
    return gaugan_data(args.data, args.image_size, args.batch_size, args.seed, args.num_examples,
                       args.style_a, args.metadata_file)


def build(args, dataset):
    """The GauGAN of the `train` arguments."""
    from keras_portrait.models.gaugan.gaugan import GauGAN  # noqa: PLC0415

    with input_errors(ValueError):
        return GauGAN(
            image_size=args.image_size, code_dim=args.code_dim, filters=args.filters,
            encoder_filters=args.encoder_filters,
            discriminator_filters=args.discriminator_filters,
            discriminator_layers=args.discriminator_layers, spade_hidden=args.spade_hidden,
            discriminator_steps=args.discriminator_steps,
            metadata_weight=args.metadata_weight, critic_filters=args.critic_filters,
            edit_l1_weight=args.edit_l1_weight, seed=args.seed,
        )


def sample_batch(args):
    """The first `--num-samples` examples, in order (a copy: the training data's shuffle
    stays where it is)."""
    samples = gaugan_data(args.data, args.image_size, args.num_samples, args.seed,
                          args.num_samples, args.style_a, args.metadata_file, shuffle=False)
    return next(iter(samples))


def sample_inputs(model, args, count):
    """`count` examples of `--data` (synth: the SynthPortraits of `--seed`): a model that
    paints from masks cannot draw its own inputs."""
    examples = gaugan_data(args.data, model.image_size, count, args.seed, count, shuffle=False)
    model.set_sample_batch(next(iter(examples)))
    return model.sample_inputs(count)


def evaluate(args, model, model_path, settings):
    """`evaluate_synthesis` on held-out SynthPortraits sitters: mask fidelity, own-style
    reconstruction and the metadata controls."""
    from keras_portrait.models.gaugan.gaugan_evaluation import evaluate_synthesis  # noqa: PLC0415

    with input_errors(ValueError):
        report, sheets = evaluate_synthesis(model, count=args.count,
                                            seed=held_out_seed(args, settings),
                                            image_size=args.image_size,
                                            sheet_rows=args.sheet_rows)
    report = {"model": model_path, **report}
    out = args.out or os.path.dirname(model_path)
    write_evaluation(out, report, sheets)
    fidelity = report["mask_fidelity"]
    print(f"mask mIoU {fidelity['synthesized'].get('miou', float('nan')):.3f} "
          f"(true renders {fidelity['true_render'].get('miou', float('nan')):.3f}), "
          f"own-style SSIM {report['reconstruction']['ssim']['mean']:.3f}")
    if "glasses" in report:
        print(f"glasses toggled: {report['glasses']}")
        print(f"age 0 → 1: {report['age']}")
    print(f"evaluation.json and evaluation_{'/'.join(sheets)}.png written to {out}")
    return 0


def export(args, model, model_path, settings):
    """Generator files (inputs mask, code, metadata) and the style encoder's."""
    import keras_portrait as kp  # noqa: PLC0415

    calibration = None
    if "int8" in args.formats:
        count = args.calibration_images
        calibration = gaugan_data(run_data(args, settings), model.image_size, min(16, count),
                                  settings.get("seed", 0), count,
                                  settings.get("style_a", "photo"),
                                  settings.get("metadata_file"), shuffle=False)
    with input_errors(ValueError):
        cards = kp.export_generator(
            model, export_folder(args, model_path), image_size=args.image_size,
            formats=args.formats, input_type=args.input_type, representative_data=calibration,
            per_channel=not args.per_tensor,
            card={"family": type(model).__name__, "run": model_path},
        )
    print_cards(cards)
    inputs = next(iter(cards.values()))["inputs"]
    print("inputs: " + ", ".join(f"{i['name']} {i['dtype']}{tuple(i['shape'])}" for i in inputs))
    return 0


GAUGAN_COMMANDS = FamilyCommands(
    add_train_arguments=add_train_arguments, data_help=FOLDER_HELP,
    check_train=check_train, dataset=dataset, build=build, sample_batch=sample_batch,
    sample_inputs=sample_inputs, evaluate=evaluate, export=export,
    commands={"synthesize": Command(
        "paint a portrait from a face mask with a GauGAN (.keras or .tflite)",
        "keras-portrait synthesize runs/gaugan/model.keras --mask mask.png --metadata age=0.3 "
        "glasses=1 -o portrait.png",
        gaugan_synthesize_cli.add_synthesize, gaugan_synthesize_cli.synthesize,
    )},
)
