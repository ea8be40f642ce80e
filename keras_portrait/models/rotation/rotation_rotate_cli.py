"""The rotation family's own commands: `make-rotation-pairs` (a folder's faces turned away
and back: the training pairs) and `rotate` (pictures turned, with a model or raw)."""

import os
import sys

from keras_portrait.command_line import CommandLineError
from keras_portrait.command_line import add_face_crop_arguments
from keras_portrait.command_line import check_face_models
from keras_portrait.command_line import check_images
from keras_portrait.command_line import check_model_file
from keras_portrait.command_line import load_model
from keras_portrait.command_line import open_tflite
from keras_portrait.command_line import trained_image_size


def add_make_pairs(parser):
    parser.add_argument("src", help="folder of portraits, photos or paintings (recursive)")
    parser.add_argument("dst", help="pairs folder; rerun to resume")
    add_face_crop_arguments(parser)
    parser.add_argument("--pairs-per-image", type=int, default=2,
                        help="turned views made of each face (default: %(default)s)")
    parser.add_argument("--yaw-range", type=float, nargs=2, default=(-60.0, 60.0),
                        metavar=("LOW", "HIGH"),
                        help="yaw of the turned view, degrees (default: -60 60)")
    parser.add_argument("--min-turn", type=float, default=15.0,
                        help="smallest turn, degrees (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the turns drawn (default: %(default)s)")
    parser.add_argument("--hair", action="store_true",
                        help="turn the hair beyond the head's outline with the head (as "
                             "`rotate --hair`)")


def make_pairs(args):
    from keras_portrait.face.rotation_pairs import make_rotation_pairs  # noqa: PLC0415

    check_images(args.src, "make-rotation-pairs")
    check_face_models()
    report = make_rotation_pairs(
        args.src, args.dst, size=args.size, pairs_per_image=args.pairs_per_image,
        yaw_range=tuple(args.yaw_range), min_turn=args.min_turn, template=args.template,
        min_score=args.min_score, seed=args.seed, hair=args.hair)
    for item in report["skipped"]:
        print(f"skipped {item['source']}: {item['reason']}", file=sys.stderr)
    print(f"{report['pairs']} rotation pairs from {report['images']} of {report['sources']} "
          f"images written to {args.dst} ({len(report['skipped'])} skipped, see "
          f"rotation_pairs_report.json)")
    return 0 if report["pairs"] else 1


def add_rotate(parser):
    parser.add_argument("inputs", nargs="+", help="pictures or folders of pictures")
    parser.add_argument("--yaw", type=float, nargs="+", required=True,
                        help="one yaw: the picture with its face turned; several: a sheet of "
                             "the face at each (degrees, + turns the nose to the image's right)")
    parser.add_argument("--model", default=None,
                        help="a RotationGAN .keras or its uint8 .tflite; default: the "
                             "shipped preset (trained on real photos and paintings)")
    parser.add_argument("--fill", choices=("telea", "pushpull"), default=None,
                        help="fill the holes classically instead of with a model: telea "
                             "(OpenCV's inpainting) or pushpull (smooth pull-push)")
    parser.add_argument("--raw", action="store_true",
                        help="the raw renders, holes left black (shown magenta on sheets)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--size", type=int, default=None,
                        help="side of the face crop turned (default: the model's or the "
                             "preset's training size, 256 with a fill)")
    parser.add_argument("--relative", action="store_true",
                        help="the yaws are turns from the face's own yaw, not absolute yaws")
    parser.add_argument("--hair", action="store_true",
                        help="find the hair (person segmentation) and turn the hair beyond the "
                             "head's outline with the head instead of leaving it in place")
    parser.add_argument("--keep-known", action="store_true",
                        help="a .keras model paints the holes only and keeps the rendered "
                             "pixels (RotationGAN.with_keep_known; for a .tflite, export with "
                             "--keep-known)")


def _rotation_model(args):
    """(the model or None, the crop side, where the side comes from)."""
    import keras_portrait as kp  # noqa: PLC0415

    model, size, source = None, args.size, "--size"
    chosen = [name for name, given in (("--model", args.model), ("--fill", args.fill),
                                       ("--raw", args.raw)) if given]
    if len(chosen) > 1:
        raise CommandLineError(f"{' and '.join(chosen)}: give one way to fill the holes.")
    if args.model:
        check_model_file(args.model)
    if args.keep_known and not (args.model and args.model.endswith(".keras")):
        raise CommandLineError("--keep-known switches a RotationGAN .keras model; a .tflite "
                               "file keeps what it was exported with (`export RUN --keep-known`)")
    if not chosen:
        return _default_preset(args)
    if args.model and args.model.endswith(".tflite"):
        model = open_tflite(kp.export.LiteRTCleaner, args.model)
        if size not in (None, model.image_size):
            raise CommandLineError(f"{args.model} cleans {model.image_size}² crops: --size "
                                   f"{size} does not fit it.")
        size, source = model.image_size, "the file's input size"
    elif args.model:
        model = load_model(args.model, (kp.RotationGAN,), "`rotate` cleans its renders with a "
                           "rotation model, trained by `train rotation`")
        if args.keep_known:
            model = model.with_keep_known()
        if size is None:
            size, source = trained_image_size(model, args.model)
    if size is None:
        size, source = 256, "the default"
    return model, size, source


def _default_preset(args):
    """(the rotation preset, the crop side, where the side comes from): no model, no fill."""
    from keras_portrait.models.rotation.rotate import DEFAULT_PRESET  # noqa: PLC0415
    from keras_portrait.models.rotation.rotate import default_model  # noqa: PLC0415

    try:
        model, size = default_model()
    except ValueError as error:
        raise CommandLineError(f"{error}; here: --model FILE, --fill telea|pushpull or --raw")
    if args.size is not None:
        return model, args.size, "--size"
    return model, size, f"the preset {DEFAULT_PRESET}'s training size"


def _turned(args, path, model, size):
    """The picture at `path` turned to `--yaw` (several yaws: a sheet)."""
    import keras_portrait as kp  # noqa: PLC0415
    from keras_portrait.imaging.reading import read_rgb8  # noqa: PLC0415

    picture = read_rgb8(path)
    # No model here means a classical fill or the raw render (`rotate` would take the preset).
    fill = args.fill or (None if model is not None else "raw")
    if len(args.yaw) == 1:
        return kp.rotate(picture, args.yaw[0], model=model, size=size, relative=args.relative,
                         fill=fill, hair=args.hair).image
    return kp.rotation_row(picture, args.yaw, model=model, size=size, relative=args.relative,
                           fill=fill, hair=args.hair)


def rotate(args):
    import keras_portrait as kp  # noqa: PLC0415
    from keras_portrait.imaging.reading import list_images  # noqa: PLC0415

    check_images(args.inputs, "rotate")
    check_face_models()
    model, size, source = _rotation_model(args)
    print(f"{size}² crops ({source})")
    paths = [p for item in args.inputs
             for p in (list_images(item) if os.path.isdir(item) else [item])]
    os.makedirs(args.out, exist_ok=True)
    written = 0
    for path in paths:
        stem = os.path.splitext(os.path.basename(path))[0]
        try:
            image = _turned(args, path, model, size)
        except (OSError, ValueError) as error:
            print(f"skipped {path}: {error}", file=sys.stderr)
            continue
        kp.save_image(os.path.join(args.out, f"{stem}.png"), image)
        written += 1
    print(f"{written} of {len(paths)} pictures turned into {args.out}")
    return 0 if written else 1
