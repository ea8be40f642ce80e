"""What the `keras-portrait` modules share: run folders, their settings, FaceNet, reports."""

import json
import os

from keras_portrait import save_image

MODEL_FILE = "model.keras"  # written by `train` into the run folder
RUN_FILE = "run.json"  # the `train` arguments of a run, defaults of `evaluate` and `export`


def run_settings(path):
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


def setting(args, settings, name, default=None):
    value = getattr(args, name, None)
    return value if value is not None else settings.get(name, default)


def run_data(args, settings):
    """`--data`, else the run's: `evaluate` and `export` read their images from it."""
    data = setting(args, settings, "data")
    if data is None:
        raise SystemExit("error: pass --data (synth or a folder): the run has no run.json")
    return data


def facenet(path):
    from keras_portrait.face import load_facenet  # noqa: PLC0415

    try:
        return load_facenet(path)
    except (FileNotFoundError, ImportError) as error:
        raise SystemExit(f"error: {error}") from None


def write_evaluation(out, report, sheets):
    """`report` as OUT/evaluation.json and each `{name: sheet}` as OUT/evaluation_NAME.png."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=1)
    for name, sheet in sheets.items():
        save_image(os.path.join(out, f"evaluation_{name}.png"), sheet)
