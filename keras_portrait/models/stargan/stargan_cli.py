"""`keras-portrait` for StarGAN: its `train` options (labels), labelled data and model, its
evaluation, export (with the label input) and translation into a domain (`--to`)."""

import os

import numpy as np

from keras_portrait.command_line import CommandLineError
from keras_portrait.command_line import add_identity_arguments
from keras_portrait.command_line import export_folder
from keras_portrait.command_line import facenet
from keras_portrait.command_line import held_out_seed
from keras_portrait.command_line import input_errors
from keras_portrait.command_line import print_cards
from keras_portrait.command_line import run_data
from keras_portrait.command_line import run_image_file
from keras_portrait.command_line import write_evaluation
from keras_portrait.registry import FamilyCommands


def add_train_arguments(parser):
    parser.add_argument("--labels", default=None,
                        help="a labels file (CelebA list_attr_celeba.txt or CSV) naming the "
                             "images of --data: attribute labels")
    parser.add_argument("--attributes", nargs="+", default=None,
                        help="the columns of --labels to train on (default: all)")
    parser.add_argument("--label-type", default=None, choices=["class", "attributes"],
                        help="class (expressions, class folders) or attributes (synth "
                             "attributes, --labels); default: attributes with --labels")
    parser.add_argument("--num-blocks", "--blocks", type=int, default=None,
                        help="residual blocks of the generator (default: %(default)s)")
    parser.add_argument("--residual", action="store_true",
                        help="the generator corrects its input, starting as the identity (not "
                             "the paper; keeps the sitter on short runs)")
    parser.add_argument("--discriminator-filters", type=int, default=64,
                        help="discriminator width (default: %(default)s)")
    parser.add_argument("--discriminator-layers", type=int, default=6,
                        help="stride-2 discriminator layers; --image-size must be a multiple "
                             "of 2**layers (default: %(default)s)")
    parser.add_argument("--discriminator-steps", type=int, default=None,
                        help="critic updates per generator update (default: %(default)s)")


def check_train(args):
    """The label type of the data, and the paper's schedule: the rate is constant for the
    first half of the epochs, then decays to zero."""
    if args.label_type is None:
        args.label_type = "attributes" if args.labels else "class"
    if args.decay_epochs is None:
        args.decay_epochs = args.epochs // 2


def labeled_data(data, labels, attributes, label_type, image_size, batch_size, seed=0,
                 num_examples=4096, style="photo", **options):
    """StarGAN's `(images, labels)` batches: SynthPortraits, class folders or a labels file."""
    import keras_portrait as kp  # noqa: PLC0415

    if data == "synth":
        if labels:
            raise CommandLineError("--labels names the labels file of a --data folder, not "
                                   "of synth (use --label-type attributes for synth attributes)")
        return kp.data.synth_portraits(
            family="stargan", image_size=image_size, batch_size=batch_size,
            num_examples=num_examples, seed=seed, style=style,
            labels="attributes" if label_type == "attributes" else "expression",
            **options,
        )
    if labels:
        if label_type == "class":
            raise CommandLineError("a labels file gives attribute vectors; for class labels "
                                   "put each class's images in a sub-folder of --data")
        return kp.data.labeled(labels, images_dir=data, attributes=attributes,
                               image_size=image_size, batch_size=batch_size, seed=seed,
                               **options)
    if label_type == "attributes" or attributes:
        raise CommandLineError("attribute labels come from a labels file: pass --labels FILE "
                               "(CelebA list_attr_celeba.txt or CSV) and --attributes NAME ...")
    return kp.data.labeled(data, image_size=image_size, batch_size=batch_size, seed=seed,
                           **options)


def dataset(args):
    return labeled_data(
        args.data, args.labels, args.attributes, args.label_type, args.image_size,
        args.batch_size, seed=args.seed, num_examples=args.num_examples, style=args.style_a,
        **({"framing": args.framing} if args.data == "synth" else {}),
    )


def build(args, dataset):
    """The StarGAN of the `train` arguments, its domains those of `dataset`."""
    from keras_portrait.labels import EXPRESSIONS  # noqa: PLC0415
    from keras_portrait.models.stargan.stargan import StarGAN  # noqa: PLC0415
    from keras_portrait.models.stargan.stargan_attributes import STARGAN_ATTRIBUTES  # noqa: PLC0415

    attributes = args.label_type == "attributes"
    names = getattr(dataset, "attribute_names" if attributes else "class_names", None)
    if names is None:  # SynthPortraits
        names = STARGAN_ATTRIBUTES if attributes else EXPRESSIONS
    with input_errors(ValueError):
        return StarGAN(
            num_domains=len(names), image_size=args.image_size,
            label_type="attributes" if attributes else "class", domain_names=list(names),
            filters=args.filters, num_blocks=args.num_blocks, residual=args.residual,
            discriminator_filters=args.discriminator_filters,
            discriminator_layers=args.discriminator_layers,
            discriminator_steps=args.discriminator_steps, seed=args.seed,
        )


def add_evaluate_arguments(parser):
    add_identity_arguments(parser)
    parser.add_argument("--no-judge", action="store_true",
                        help="skip the expression classifier (fer)")


def evaluate(args, model, model_path, settings):
    """Held-out SynthPortraits sitters translated into every expression, scored on the truth."""
    from keras_portrait.models.stargan import stargan_evaluation  # noqa: PLC0415

    seed = held_out_seed(args, settings)
    embedder = False if args.no_identity else None  # None: FaceNet when installed
    if args.facenet and not args.no_identity:
        embedder = stargan_evaluation.OnFaceCrops(facenet(args.facenet))
    with input_errors(ValueError):
        report, sheet = stargan_evaluation.evaluate_expressions(
            model, count=args.count, image_size=args.image_size, seed=seed,
            judges={} if args.no_judge else None, embedder=embedder,
            sheet_rows=args.sheet_rows, framing=args.framing,
        )
    report = {"model": model_path, **report}
    out = args.out or os.path.dirname(model_path)
    write_evaluation(out, report, {"expressions": sheet})
    ssim = report["ssim"]
    print(f"SSIM(output, truth) {ssim['translated']['all'].get('mean', float('nan')):.3f} "
          f"(input: {ssim['input']['all'].get('mean', float('nan')):.3f})")
    for name, judge in report.get("judges", {}).items():
        print(f"judge {name}: accuracy on changed pairs {judge['translated']['accuracy_changed']}"
              f" (truth {judge['truth']['accuracy_changed']}, "
              f"input {judge['input']['accuracy_changed']})")
    print(f"evaluation.json and evaluation_expressions.png written to {out}")
    return 0


def export(args, model, model_path, settings):
    """The generator with its label input; int8 calibrated on the run's images and labels."""
    import keras_portrait as kp  # noqa: PLC0415

    size = args.image_size or settings.get("image_size", model.image_size)
    calibration = None
    if "int8" in args.formats:
        data = run_data(args, settings)
        count = args.calibration_images
        calibration = labeled_data(
            data, settings.get("labels"), settings.get("attributes"), model.label_type, size,
            batch_size=min(16, count), seed=settings.get("seed", 0), num_examples=count,
            style=settings.get("style_a", "photo"), shuffle=False, drop_remainder=False,
            **({"framing": args.framing} if data == "synth" else {"verbose": False}),
        ).unbatch().take(count).batch(16)
    cards = kp.export_generator(
        model, export_folder(args, model_path), image_size=size, formats=args.formats,
        input_type=args.input_type, representative_data=calibration,
        per_channel=not args.per_tensor,
        card={"family": type(model).__name__, "run": model_path}, name="generator",
    )
    print_cards(cards)
    label = next(iter(cards.values()))["label_input"]
    print(f"label input: {label['length']} floats ({label['label_type']}): "
          + ", ".join(label["domains"]))
    return 0


def add_translate_arguments(parser):
    parser.add_argument("--to", default=None,
                        help="StarGAN: the target domain, a name (e.g. happy) or an id; 'all' "
                             "writes one row per image: the input, then every domain")


def _targets(to, domains, source):
    """The domain ids of `--to` (a name, an id or "all") among `domains`."""
    valid = f"{', '.join(domains)} (or an id in [0, {len(domains) - 1}], or all)"
    if to is None:
        raise CommandLineError(f"{source} translates into a domain: pass --to with one of "
                               f"{valid}")
    if to == "all":
        return list(range(len(domains)))
    if to in domains:
        return [list(domains).index(to)]
    if to.isdigit() and int(to) < len(domains):
        return [int(to)]
    raise CommandLineError(f"unknown domain {to!r} for {source}. Valid: {valid}")


def _rows(translate_into, targets, every, domains):
    """The function of images → one output per image (a target), or a dict domain name → its
    outputs (`translate` writes a sheet per image, the columns named by the keys)."""
    def run(images):
        rows = {domains[k]: translate_into(images, k) for k in targets}
        return rows if every else next(iter(rows.values()))
    return run


def translate(model, args):
    """The translation into `--to` (every domain: a sheet per image)."""
    targets = _targets(args.to, model.domain_names, args.model)
    return _rows(lambda images, k: model.translate(images / 127.5 - 1.0, k), targets,
                 args.to == "all", model.domain_names)


def _file_domains(path, runner):
    """The domain names of a .tflite file's label input (from its card)."""
    import keras_portrait as kp  # noqa: PLC0415

    length = int(runner.inputs_details["label"]["shape"][-1])
    try:
        domains = kp.export.read_card(path).get("label_input", {}).get("domains")
    except (OSError, ValueError):
        domains = None
    return list(domains) if domains and len(domains) == length else [
        f"domain{i}" for i in range(length)
    ]


def translate_file(runner, args):
    """The exported generator run with the one-hot label of `--to`."""
    if "label" not in runner.inputs_details:
        raise CommandLineError(f"{args.model} has no label input (a StarGAN file has one)")
    domains = _file_domains(args.model, runner)
    targets = _targets(args.to, domains, args.model)
    eye = np.eye(len(domains), dtype=np.float32)
    return _rows(lambda images, k: run_image_file(runner, images, label=eye[k]), targets,
                 args.to == "all", domains)


STARGAN_COMMANDS = FamilyCommands(
    add_train_arguments=add_train_arguments,
    data_help="one sub-folder of pictures per class, or the pictures named in --labels",
    check_train=check_train, dataset=dataset, build=build,
    add_evaluate_arguments=add_evaluate_arguments, evaluate=evaluate,
    export=export,
    add_translate_arguments=add_translate_arguments, translate=translate,
    translate_file=translate_file,
)
