"""`keras-portrait` for face rotation: its `train` options, pairs data and model, its export
(inputs render and holes, `--keep-known`), and its own commands (`rotation_rotate_cli`)."""

import math

from keras_portrait.command_line import add_identity_term_arguments
from keras_portrait.command_line import export_folder
from keras_portrait.command_line import facenet
from keras_portrait.command_line import input_errors
from keras_portrait.command_line import print_cards
from keras_portrait.command_line import run_data
from keras_portrait.models.multiscale_cli import add_multiscale_arguments
from keras_portrait.models.multiscale_cli import check_train
from keras_portrait.models.rotation import rotation_rotate_cli
from keras_portrait.registry import Command
from keras_portrait.registry import FamilyCommands


def add_train_arguments(parser):
    parser.add_argument("--num-blocks", "--blocks", type=int, default=None,
                        help="residual blocks of the generator (default: %(default)s)")
    parser.add_argument("--fill-holes", action="store_true",
                        help="fill the holes by pull-push in the generator and correct that "
                             "(starts at classical inpainting)")
    parser.add_argument("--keep-known", action="store_true",
                        help="keep the render's pixels outside the holes; the generator paints "
                             "the holes only")
    add_multiscale_arguments(parser)
    add_identity_term_arguments(parser)


def pairs(data, image_size, batch_size, seed=0, num_examples=4096, shuffle=True):
    """The `{"render", "holes", "target"}` batches: SynthPortraits pairs made on the fly
    (`--data synth`, cached after the first epoch) or a `make-rotation-pairs` folder (flipped
    at random when shuffled)."""
    import keras_portrait as kp  # noqa: PLC0415

    if data == "synth":
        return kp.synth_rotation_pairs(image_size=image_size, batch_size=batch_size,
                                       num_examples=num_examples, seed=seed, shuffle=shuffle,
                                       cache=shuffle)
    with input_errors():
        return kp.rotation_pairs(data, image_size=image_size, batch_size=batch_size,
                                 shuffle=shuffle, augment=shuffle, seed=seed,
                                 drop_remainder=shuffle)


def dataset(args):
    return pairs(args.data, args.image_size, args.batch_size, args.seed, args.num_examples)


def build(args, dataset):
    """The RotationGAN of the `train` arguments, with FaceNet for its identity term."""
    from keras_portrait.models.rotation.rotation_gan import RotationGAN  # noqa: PLC0415

    with input_errors(ValueError):
        model = RotationGAN(
            filters=args.filters, num_blocks=args.num_blocks, spade_hidden=args.spade_hidden,
            discriminator_filters=args.discriminator_filters,
            discriminator_layers=args.discriminator_layers,
            discriminator_steps=args.discriminator_steps,
            identity_weight=args.identity_weight, fill_holes=args.fill_holes,
            keep_known=args.keep_known, seed=args.seed,
        )
    if args.identity_weight > 0:
        model.set_identity_embedder(facenet(args.facenet))
    return model


def sample_batch(args):
    """The first `--num-samples` pairs, in order and unflipped."""
    return next(iter(pairs(args.data, args.image_size, args.num_samples, args.seed,
                           args.num_samples, shuffle=False)))


def add_export_arguments(parser):
    parser.add_argument("--keep-known", action="store_true",
                        help="RotationGAN: the exported generator paints the holes only and "
                             "keeps the rendered pixels (RotationGAN.with_keep_known)")


def export(args, model, model_path, settings):
    """The generator with inputs "render" and "holes"; int8 calibrated on the run's pairs."""
    import keras_portrait as kp  # noqa: PLC0415

    size = args.image_size or settings.get("image_size", 256)
    if args.keep_known:
        model = model.with_keep_known()
    calibration = None
    if "int8" in args.formats:
        count = args.calibration_images
        batch = min(16, count)
        calibration = pairs(run_data(args, settings), size, batch, settings.get("seed", 0),
                            count, shuffle=False)
        calibration = calibration.take(math.ceil(count / batch))  # a folder may hold more
    with input_errors(ValueError):
        cards = kp.export_generator(
            model, export_folder(args, model_path), image_size=size, formats=args.formats,
            input_type=args.input_type, representative_data=calibration,
            per_channel=not args.per_tensor,
            card={"family": type(model).__name__, "run": model_path,
                  "keep_known": model.keep_known},
            name="rotation",
        )
    print_cards(cards)
    return 0


ROTATION_COMMANDS = FamilyCommands(
    add_train_arguments=add_train_arguments,
    data_help="a folder written by `keras-portrait make-rotation-pairs`",
    check_train=check_train, dataset=dataset, build=build, sample_batch=sample_batch,
    add_export_arguments=add_export_arguments, export=export,
    commands={
        "make-rotation-pairs": Command(
            "turn the faces of a folder away and back: the training pairs of the rotation GAN",
            "keras-portrait make-rotation-pairs pictures/ pairs/",
            rotation_rotate_cli.add_make_pairs, rotation_rotate_cli.make_pairs),
        "rotate": Command(
            "turn the face of pictures with a rotation model (or show the raw 3D render)",
            "keras-portrait rotate photo.jpg --yaw 30 --model runs/rotation/model.keras "
            "--out turned/", rotation_rotate_cli.add_rotate, rotation_rotate_cli.rotate),
    },
)
