"""`keras-portrait translate`: images through a CycleGAN or StarGAN, .keras or .tflite."""

import os
import sys

import keras
import numpy as np

from keras_portrait import CycleGAN
from keras_portrait import LiteRTRunner
from keras_portrait import StarGAN
from keras_portrait import image_grid
from keras_portrait import save_image
from keras_portrait.export import read_card


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
    from keras_portrait.data import read_image_files  # noqa: PLC0415

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
    from keras_portrait.data import read_image_files  # noqa: PLC0415

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


def translate(args):
    translate_with = (_translate_with_file if args.model.endswith(".tflite")
                      else _translate_with_model)
    images, names, skipped, rows, targets = translate_with(args)
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


def add_translate(parser):
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
