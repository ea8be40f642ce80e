"""`keras-portrait` for face rotation: Rotate-and-Render pairs of a folder, the rotation
model's training data, model and export, and `rotate`."""

import math
import os
import sys


def add_make_pairs(parser):
    parser.add_argument("src", help="folder of portraits, photos or paintings (recursive)")
    parser.add_argument("dst", help="pairs folder; rerun to resume")
    parser.add_argument("--size", type=int, default=256, help="side of the aligned crops")
    parser.add_argument("--pairs-per-image", type=int, default=2)
    parser.add_argument("--yaw-range", type=float, nargs=2, default=(-60.0, 60.0),
                        metavar=("LOW", "HIGH"), help="yaw of the turned view, degrees")
    parser.add_argument("--min-turn", type=float, default=15.0, help="smallest turn, degrees")
    parser.add_argument("--template", default="ffhq", choices=["ffhq", "tight"])
    parser.add_argument("--min-score", type=float, default=0.5, help="detection threshold")
    parser.add_argument("--seed", type=int, default=0)


def make_pairs(args):
    from keras_portrait.face.rotation_pairs import make_rotation_pairs  # noqa: PLC0415

    report = make_rotation_pairs(
        args.src, args.dst, size=args.size, pairs_per_image=args.pairs_per_image,
        yaw_range=tuple(args.yaw_range), min_turn=args.min_turn, template=args.template,
        min_score=args.min_score, seed=args.seed)
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
                        help="a RotationGAN .keras or its uint8 .tflite; none: raw renders")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--size", type=int, default=None,
                        help="crop side (default: the .tflite's, else 256)")
    parser.add_argument("--relative", action="store_true", help="yaws are changes of the face's")
    parser.add_argument("--keep-known", action="store_true",
                        help="a .keras model paints the holes only and keeps the rendered "
                             "pixels (RotationGAN.with_keep_known; for a .tflite, export with "
                             "--keep-known)")


def rotate(args):
    import keras  # noqa: PLC0415

    from keras_portrait import rotate as turn  # noqa: PLC0415
    from keras_portrait import rotation_row  # noqa: PLC0415
    from keras_portrait import save_image  # noqa: PLC0415
    from keras_portrait.data.decode import read_rgb8  # noqa: PLC0415
    from keras_portrait.data.scan import list_images  # noqa: PLC0415
    from keras_portrait.export import LiteRTCleaner  # noqa: PLC0415

    model, size = None, args.size
    if args.keep_known and not (args.model and args.model.endswith(".keras")):
        raise SystemExit("error: --keep-known switches a RotationGAN .keras model; a .tflite "
                         "file keeps what it was exported with (`export RUN --keep-known`)")
    if args.model and args.model.endswith(".tflite"):
        model = LiteRTCleaner(args.model)
        if size not in (None, model.image_size):
            raise SystemExit(f"{args.model} cleans {model.image_size}² crops: --size "
                             f"{size} does not fit it.")
        size = model.image_size
    elif args.model:
        model = keras.saving.load_model(args.model)
        if args.keep_known:
            model = model.with_keep_known()
    size = size or 256
    paths = [p for item in args.inputs
             for p in (list_images(item) if os.path.isdir(item) else [item])]
    os.makedirs(args.out, exist_ok=True)
    written = 0
    for path in paths:
        stem = os.path.splitext(os.path.basename(path))[0]
        try:
            picture = read_rgb8(path)
            if len(args.yaw) == 1:
                image = turn(picture, args.yaw[0], model=model, size=size,
                             relative=args.relative).image
            else:
                image = rotation_row(picture, args.yaw, model=model, size=size,
                                     relative=args.relative)
        except (OSError, ValueError) as error:
            print(f"skipped {path}: {error}", file=sys.stderr)
            continue
        save_image(os.path.join(args.out, f"{stem}.png"), image)
        written += 1
    print(f"{written} of {len(paths)} pictures turned into {args.out}")
    return 0 if written else 1


def dataset(data, image_size, batch_size, seed=0, num_examples=4096, shuffle=True):
    """The rotation model's `{"render", "holes", "target"}` batches: SynthPortraits pairs made
    on the fly (`--data synth`, cached after the first epoch) or a `make-rotation-pairs`
    folder (flipped at random when shuffled)."""
    from keras_portrait.data import rotation_pairs  # noqa: PLC0415
    from keras_portrait.data import synth_rotation_pairs  # noqa: PLC0415

    if data == "synth":
        return synth_rotation_pairs(image_size=image_size, batch_size=batch_size,
                                    num_examples=num_examples, seed=seed, shuffle=shuffle,
                                    cache=shuffle)
    try:
        return rotation_pairs(data, image_size=image_size, batch_size=batch_size,
                              shuffle=shuffle, augment=shuffle, seed=seed,
                              drop_remainder=shuffle)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None


def build(args):
    """The compiled RotationGAN of the `train` arguments, with its sample-sheet examples."""
    from keras_portrait import RotationGAN  # noqa: PLC0415
    from keras_portrait.cli.common import facenet  # noqa: PLC0415

    try:
        model = RotationGAN(
            filters=args.filters, num_blocks=args.num_blocks, spade_hidden=args.spade_hidden,
            discriminator_filters=args.discriminator_filters,
            discriminator_layers=args.discriminator_layers,
            discriminator_steps=args.discriminator_steps,
            identity_weight=args.identity_weight, fill_holes=args.fill_holes,
            keep_known=args.keep_known, seed=args.seed,
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    if args.identity_weight > 0:
        model.set_identity_embedder(facenet(args.facenet))
    model.compile(jit_compile=args.jit_compile)
    # A separate copy of the data: iterating the training dataset would move its shuffle.
    samples = dataset(args.data, args.image_size, args.num_samples, args.seed, args.num_samples,
                      shuffle=False)
    model.set_sample_batch(next(iter(samples)))
    return model


def export(args, model, model_path, settings):
    """`export RUN` for a rotation run: the generator with inputs "render" and "holes"."""
    from keras_portrait import export_generator  # noqa: PLC0415
    from keras_portrait.cli.common import run_data  # noqa: PLC0415

    size = args.image_size or settings.get("image_size", 256)
    out = args.out or os.path.join(os.path.dirname(model_path), "export")
    if args.keep_known:
        model = model.with_keep_known()
    calibration = None
    if "int8" in args.formats:
        count = args.calibration_images
        batch = min(16, count)
        pairs = dataset(run_data(args, settings), size, batch, settings.get("seed", 0), count,
                        shuffle=False)
        calibration = pairs.take(math.ceil(count / batch))  # a pairs folder may hold more
    try:
        cards = export_generator(
            model, out, image_size=size, formats=args.formats, input_type=args.input_type,
            representative_data=calibration, card={"family": "RotationGAN", "run": model_path,
                                                  "keep_known": model.keep_known},
            name="rotation",
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    for fmt, card in cards.items():
        parity = card.get("parity_vs_keras") or {}
        figure = f", max |diff| vs Keras {parity['max_abs']:.4g}" if parity else ""
        print(f"{fmt}: {card['path']}{figure}")
    return 0
