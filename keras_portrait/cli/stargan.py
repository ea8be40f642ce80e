"""`keras-portrait` for StarGAN: its labelled data, model, evaluation and export."""

import os

from keras_portrait import StarGAN
from keras_portrait import export_generator
from keras_portrait.cli.common import facenet
from keras_portrait.cli.common import run_data
from keras_portrait.cli.common import write_evaluation
from keras_portrait.labels import EXPRESSIONS


def labeled_data(data, labels, attributes, label_type, image_size, batch_size, seed=0,
                 num_examples=4096, style="photo", **options):
    """StarGAN's `(images, labels)` batches: SynthPortraits, class folders or a labels file."""
    from keras_portrait.data import labeled  # noqa: PLC0415
    from keras_portrait.data import synth_portraits  # noqa: PLC0415

    if data == "synth":
        if labels:
            raise SystemExit("error: --labels names the labels file of a --data folder, not "
                             "of synth (use --label-type attributes for synth attributes)")
        return synth_portraits(
            family="stargan", image_size=image_size, batch_size=batch_size,
            num_examples=num_examples, seed=seed, style=style,
            labels="attributes" if label_type == "attributes" else "expression",
            **options,
        )
    if labels:
        if label_type == "class":
            raise SystemExit("error: a labels file gives attribute vectors; for class labels "
                             "put each class's images in a sub-folder of --data")
        return labeled(labels, images_dir=data, attributes=attributes, image_size=image_size,
                       batch_size=batch_size, seed=seed, **options)
    if label_type == "attributes" or attributes:
        raise SystemExit("error: attribute labels come from a labels file: pass --labels FILE "
                         "(CelebA list_attr_celeba.txt or CSV) and --attributes NAME ...")
    return labeled(data, image_size=image_size, batch_size=batch_size, seed=seed, **options)


def build(args, dataset):
    """The StarGAN of the `train` arguments, its domains those of `dataset` (not compiled)."""
    from keras_portrait.data import STARGAN_ATTRIBUTES  # noqa: PLC0415

    attributes = args.label_type == "attributes"
    names = getattr(dataset, "attribute_names" if attributes else "class_names", None)
    if names is None:  # SynthPortraits
        names = STARGAN_ATTRIBUTES if attributes else EXPRESSIONS
    try:
        return StarGAN(
            num_domains=len(names), image_size=args.image_size,
            label_type="attributes" if attributes else "class", domain_names=list(names),
            filters=args.filters, num_blocks=args.num_blocks, residual=args.residual,
            discriminator_filters=args.discriminator_filters,
            discriminator_layers=args.discriminator_layers,
            discriminator_steps=args.discriminator_steps, seed=args.seed,
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None


def evaluate(args, model, model_path, settings):
    """Held-out SynthPortraits sitters translated into every expression, scored on the truth."""
    from keras_portrait.models.stargan.evaluation import OnFaceCrops  # noqa: PLC0415
    from keras_portrait.models.stargan.evaluation import evaluate_expressions  # noqa: PLC0415

    # Held-out sitters: SynthPortraits' identities derive from the seed.
    seed = args.seed if args.seed is not None else settings.get("seed", 0) + 1000
    embedder = False if args.no_identity else None  # None: FaceNet when installed
    if args.facenet and not args.no_identity:
        embedder = OnFaceCrops(facenet(args.facenet))
    try:
        report, sheet = evaluate_expressions(
            model, count=args.count, image_size=args.image_size, seed=seed,
            judges={} if args.no_judge else None, embedder=embedder,
            sheet_rows=args.sheet_rows, framing=args.framing,
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
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
    size = args.image_size or settings.get("image_size", model.image_size)
    out = args.out or os.path.join(os.path.dirname(model_path), "export")
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
    cards = export_generator(
        model, out, image_size=size, formats=args.formats, input_type=args.input_type,
        representative_data=calibration, card={"family": "StarGAN", "run": model_path},
        name="generator",
    )
    for fmt, card in cards.items():
        parity = card["parity_vs_keras"]
        print(f"{fmt}: {card['path']}, max |diff| vs Keras {parity['max_abs']:.4g}")
    label = next(iter(cards.values()))["label_input"]
    print(f"label input: {label['length']} floats ({label['label_type']}): "
          + ", ".join(label["domains"]))
    return 0
