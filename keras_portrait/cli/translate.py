"""`keras-portrait translate`: pictures through an image-to-image model, .keras or .tflite.

A family's model translates when its hooks say how (`FamilyCommands.translate`), or when its
generator takes one image (its `export_inputs`): then the model, or the file, is run on the
pictures. A .tflite file's family is the one its card names, else the one whose inputs it
takes.
"""

import os
import sys

import numpy as np

from keras_portrait import registry
from keras_portrait.cli.common import NO_COMMANDS
from keras_portrait.cli.common import add_family_options
from keras_portrait.cli.common import class_names
from keras_portrait.cli.common import commands_of
from keras_portrait.cli.common import families_with
from keras_portrait.cli.common import model_classes
from keras_portrait.cli.common import refuse_other_families
from keras_portrait.command_line import CommandLineError
from keras_portrait.command_line import check_images
from keras_portrait.command_line import check_model_file
from keras_portrait.command_line import input_errors
from keras_portrait.command_line import load_model
from keras_portrait.command_line import open_tflite
from keras_portrait.command_line import run_image_file
from keras_portrait.command_line import trained_image_size

BATCH = 16  # pictures per call of a model


def _takes_one_image(spec):
    return [item.kind for item in spec.export_inputs] == ["image"]


def translators():
    """The families `translate` runs: with a `translate` hook, or one image in."""
    return [spec for spec in registry.specs()
            if commands_of(spec).translate is not None or _takes_one_image(spec)]


def _read_images(args, size, source):
    """(uint8 images at `size`², their names, the skipped files); says the size and why.
    With `--face`, each picture's largest face aligned as `prepare` crops it (the crops
    presets train on); their alignments are kept in `args.aligned` for `--paste-back`."""
    from keras_portrait.data import read_image_files  # noqa: PLC0415

    print(f"translating at {size}² ({source})" + (", the face of each picture" if args.face
                                                    else ""))
    if args.face:
        return _face_crops(args, size)
    with input_errors(ValueError):
        return read_image_files(args.images, size, resize=args.resize)


def _face_crops(args, size):
    from keras_portrait.data.image_files import named_image_files  # noqa: PLC0415
    from keras_portrait.face import face_crop  # noqa: PLC0415

    images, names, skipped, args.aligned = [], [], [], []
    for path, name in named_image_files(args.images):
        try:
            aligned = face_crop(path, size=size)
        except (OSError, ValueError) as error:
            skipped.append((path, f"cannot be read: {error}"))
            continue
        if aligned is None:
            skipped.append((path, "no face found (or none with landmarks)"))
            continue
        images.append(aligned.image)
        names.append(name)
        args.aligned.append((path, aligned))
    if not images:
        raise CommandLineError("no face found in " + ", ".join(args.images))
    return np.stack(images), names, skipped


def _run_model(model):
    """The model called on uint8 pictures, `BATCH` at a time: uint8 outputs."""
    from keras_portrait import to_uint8  # noqa: PLC0415

    def run(images):
        return np.concatenate([
            to_uint8(model(images[start:start + BATCH] / 127.5 - 1.0, training=False))
            for start in range(0, len(images), BATCH)])
    return run


def _file_family(path, runner):
    """The family of an exported file: the one its card names, else the one whose export
    inputs are the file's; None when neither tells."""
    from keras_portrait.export import read_card  # noqa: PLC0415

    try:
        family = read_card(path).get("family")
    except (OSError, ValueError):
        family = None
    for spec in registry.specs():
        if family in (spec.name, spec.model_class.__name__):
            return spec
    names = set(runner.input_names)
    matches = [spec for spec in registry.specs()
               if spec.export_inputs and {item.name for item in spec.export_inputs} == names]
    return matches[0] if len(matches) == 1 else None


def _translate_with_file(args):
    """(images, names, skipped, outputs) of a .tflite file."""
    from keras_portrait import LiteRTRunner  # noqa: PLC0415

    runner = open_tflite(LiteRTRunner, args.model, num_threads=args.threads)
    size = int(runner.input_shape[1])
    if args.image_size and args.image_size != size:
        raise CommandLineError(f"{args.model} takes {size}² images, not {args.image_size}²")
    spec = _file_family(args.model, runner)
    holds = (f"{args.model} is a {spec.model_class.__name__} file" if spec is not None
             else f"{args.model} is not one")
    refuse_other_families(args, spec, "models", holds)
    hooks = commands_of(spec) if spec is not None else NO_COMMANDS
    if hooks.translate_file is not None:
        run = hooks.translate_file(runner, args)
    elif len(runner.input_names) == 1:
        run = lambda images: run_image_file(runner, images)  # noqa: E731
    else:
        raise CommandLineError(
            f"{args.model} takes {', '.join(runner.input_names)}: `translate` runs the files "
            f"of {class_names(families_with('translate_file'))} generators and those that "
            "take a picture alone")
    images, names, skipped = _read_images(args, size, "the file's input size")
    return images, names, skipped, run(images)


def _translate_with_model(args):
    """(images, names, skipped, outputs) of a .keras model."""
    families = translators()
    model = load_model(args.model, model_classes(families),
                       "`keras-portrait --help` lists the commands for the other models")
    spec = registry.of_model(model)
    refuse_other_families(args, spec, "models", f"{args.model} holds a {type(model).__name__}")
    hooks = commands_of(spec)
    run = hooks.translate(model, args) if hooks.translate is not None else _run_model(model)
    size, source = args.image_size, "--image-size"
    if not size and args.preset_size:
        size, source = args.preset_size, "the size the preset was trained at"
    if not size:
        size, source = trained_image_size(model, args.model)
    if not size:
        size, source = 256, ("the default: the model does not record the size it was trained "
                             "at; pass --image-size")
    images, names, skipped = _read_images(args, size, source)
    return images, names, skipped, run(images)


def _sheets(image_grid, images, outputs):
    """A sheet per image: the image, then its row of each output, under "input" and the
    outputs' names (the keys of a dict; "output 1", ... for a list)."""
    if isinstance(outputs, dict):
        labels, outputs = list(outputs), list(outputs.values())
    else:
        labels = [f"output {k + 1}" for k in range(len(outputs))]
    return [image_grid(np.stack([image, *(rows[i] for rows in outputs)]),
                       labels=["input", *labels]) for i, image in enumerate(images)]


def translate(args):
    from keras_portrait import image_grid  # noqa: PLC0415
    from keras_portrait import save_image  # noqa: PLC0415

    args.model, card = _preset_file(args.model, args.int8)
    args.preset_size = None if card is None or args.int8 else int(card["image_size"])
    check_model_file(args.model)
    check_images(args.images, "translate")
    if args.paste_back and not args.face:
        raise CommandLineError("--paste-back puts a translated face back: it needs --face")
    translate_with = (_translate_with_file if args.model.endswith(".tflite")
                      else _translate_with_model)
    images, names, skipped, outputs = translate_with(args)
    if isinstance(outputs, (list, dict)):  # one sheet per image: the input, then each output
        outputs = _sheets(image_grid, images, outputs)
    elif args.paste_back:
        outputs = _pasted_back(args.aligned, outputs)
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


def _preset_file(model, int8):
    """(file, preset card or None): a preset name → its .keras file (its int8 .tflite with
    `int8`) and its card; a path → itself."""
    from keras_portrait import presets  # noqa: PLC0415

    if os.path.exists(model) or model.endswith((".keras", ".tflite")):
        if int8:
            raise CommandLineError("--int8 runs a preset's .tflite file: give a preset name "
                                   "(or the .tflite file itself)")
        return model, None
    found = presets.list()
    if model not in found:
        raise CommandLineError(f"{model!r} is neither a model file nor a preset (presets: "
                               f"{', '.join(found) or 'none'})")
    with input_errors(ValueError):
        return presets.file(model, "tflite" if int8 else "keras"), presets.card(model)


def _pasted_back(aligned, outputs):
    """Each translated face warped back into its picture (`paste_back`, feathered edges)."""
    from keras_portrait.face import paste_back  # noqa: PLC0415
    from keras_portrait.imaging.reading import read_rgb8  # noqa: PLC0415

    return [paste_back(read_rgb8(path), output, crop)
            for (path, crop), output in zip(aligned, outputs)]


def add_translate(parser):
    parser.add_argument("model", help=f"a .keras file of a {class_names(translators(), 'or')}, "
                                      "an exported .tflite file, or a preset's name "
                                      "(`python -c 'import keras_portrait as kp; "
                                      "print(list(kp.presets.list()))'`)")
    parser.add_argument("images", nargs="+", help="image files and folders")
    parser.add_argument("-o", "--output", required=True,
                        help="output folder (or a .png path for a single image)")
    parser.add_argument("--image-size", type=int, default=None,
                        help="side of the images the model sees (default: the size it was "
                             "trained at; a .tflite file takes its own size only)")
    parser.add_argument("--resize", default="crop", choices=["crop", "pad"],
                        help="how a picture that is not square becomes square: crop its "
                             "centre, or pad it (default: %(default)s)")
    parser.add_argument("--face", action="store_true",
                        help="translate the largest face of each picture, aligned as the "
                             "presets' training crops (`keras-portrait prepare`); pictures "
                             "without a face are skipped and named")
    parser.add_argument("--paste-back", action="store_true",
                        help="with --face: write each picture with its translated face put "
                             "back, instead of the face crop")
    parser.add_argument("--int8", action="store_true",
                        help="a preset: run its int8 .tflite file through LiteRT instead of "
                             "its Keras model")
    parser.add_argument("--threads", type=int, default=2,
                        help=".tflite: CPU threads of LiteRT (default: %(default)s)")
    add_family_options(parser, "add_translate_arguments")
