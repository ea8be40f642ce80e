"""Trained models that ship with the package: `saved_models/<preset>/` (DESIGN.md §7).

A preset folder holds `card.json` (family, sizes, training data and its terms, steps, CPU hours,
the command that made it, its figures against its baselines), the trained model (`.keras`) and
its int8 `.tflite`. The folders live in `keras_portrait/saved_models/` (the checkout's
`saved_models/` points there), so a checkout and an installed package find the same presets;
`KERAS_PORTRAIT_PRESETS` (a folder, or several separated by `os.pathsep`) adds folders of
your own, searched first.

    import keras_portrait as kp
    kp.presets.list()                        # {name: card}
    gan = kp.CycleGAN.from_preset("cyclegan-photo2painting-128")
"""

import json
import os

from keras_portrait import registry

CARD = "card.json"
ENVIRONMENT = "KERAS_PORTRAIT_PRESETS"
PACKAGED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "saved_models")


def folders():
    """The folders searched for presets, in order: `KERAS_PORTRAIT_PRESETS`, then the package's."""
    extra = [f for f in os.environ.get(ENVIRONMENT, "").split(os.pathsep) if f]
    return [*extra, PACKAGED]


def _preset_dirs():
    found = {}
    for folder in folders():
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name not in found and os.path.isfile(os.path.join(folder, name, CARD)):
                found[name] = os.path.join(folder, name)
    return found


def list():  # noqa: A001  (`kp.presets.list()` reads as the issue and DESIGN.md name it)
    """Every preset found: `{name: card}` (see `card`)."""
    return {name: card(name) for name in _preset_dirs()}


def path(name):
    """The folder of preset `name`; a ValueError listing the presets found otherwise."""
    dirs = _preset_dirs()
    if name not in dirs:
        raise ValueError(f"Unknown preset {name!r}. Found: {', '.join(dirs) or 'none'} "
                         f"(searched {', '.join(folders())})")
    return dirs[name]


def card(name):
    """The card of preset `name` (a dict; `card["family"]` names its registered family)."""
    with open(os.path.join(path(name), CARD)) as f:
        return json.load(f)


def file(name, kind="keras"):
    """The path of preset `name`'s model file: `kind` "keras" or "tflite" (its int8 file), as
    the card's `files` names them."""
    files = card(name).get("files", {})
    if kind not in files:
        raise ValueError(f"Preset {name!r} has no {kind!r} file. It has: {', '.join(files)}")
    return os.path.join(path(name), files[kind])


def load(name, family=None):
    """The trained model of preset `name` (`keras.saving.load_model`), checked to be of
    `family` (a registered family name) when given."""
    import keras  # noqa: PLC0415  (this module stays importable without TensorFlow)

    preset_card = card(name)
    if family is not None and preset_card.get("family") != family:
        same = [n for n, c in list().items() if c.get("family") == family]
        raise ValueError(f"Preset {name!r} is a {preset_card.get('family')!r} model, not a "
                         f"{family!r} one. Presets of {family!r}: {', '.join(same) or 'none'}")
    model = keras.saving.load_model(file(name, "keras"), safe_mode=True)
    spec = registry.of_model(model)
    if family is not None and (spec is None or spec.name != family):
        raise ValueError(f"Preset {name!r}'s file holds a {type(model).__name__}, not a "
                         f"{family!r} model.")
    return model


MODEL_FILE = "model.keras"


def slim_copy(model):
    """A fresh model of `model`'s class and config carrying its trained networks' weights:
    no optimizer state and no training buffers (a CycleGAN's image pools build again on the
    first batch), so a preset ships its networks only. `model` must be a GAN of a registered
    family (its networks are `generators` + `discriminators`)."""
    fresh = type(model).from_config(model.get_config())
    for name in (*type(model).GENERATORS, *type(model).DISCRIMINATORS):
        trained, copy = getattr(model, name, None), getattr(fresh, name, None)
        if trained is not None and copy is not None:
            copy.set_weights(trained.get_weights())
    return fresh


def save(model, folder, card, exports=(), image_size=None, num_threads=2, per_channel=True,
         range_percentile=None):
    """Writes a preset folder: `model.keras` (`slim_copy`), one int8 .tflite per entry of
    `exports` with its export card, and `card.json`.

    Args:
        model: a trained GAN of a registered family.
        folder: str. The preset's folder, `<family>-<task>-<size>` by convention (created).
        card: dict. The preset's card: family, sizes, training data and its terms, steps, CPU
            hours, command, figures. `family` defaults to the model's; `files` is filled in.
        exports: sequence of `(key, network, representative_data, stem)`: `network` is the
            model (its family's generator) or one of its networks (an image-to-image
            generator), calibrated on `representative_data` (images in [-1, 1]); the int8
            file is `<stem>_int8.tflite`, listed in `card["files"][key]` ("tflite" is the one
            `file(name, "tflite")` returns). The fp32 file is written beside it only to
            measure, and not kept: `card["int8"][key]` has its size ratio, parity and latency.
        image_size: int. Side of the .tflite files' images.
        num_threads: int. LiteRT threads for the cards' latency. Defaults to `2`.
        per_channel: bool. int8 weights with a scale per output channel, else one per weight
            tensor (`export_generator`). Defaults to `True`.
        range_percentile: float or None. int8 activation ranges without each large tensor's
            rarest values (`export_generator`); None: min and max. Defaults to `None`.

    Returns:
        The card written.
    """
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from keras_portrait.export import export_generator  # noqa: PLC0415

    spec = registry.of_model(model)
    if spec is None:
        raise ValueError(f"A preset holds a model of a registered family; "
                         f"{type(model).__name__} is not one.")
    os.makedirs(folder, exist_ok=True)
    card = {"family": spec.name, **card}
    files = {"keras": MODEL_FILE}
    slim_copy(model).save(os.path.join(folder, MODEL_FILE))
    int8 = {}
    for key, network, data, stem in exports:
        with tempfile.TemporaryDirectory() as scratch:
            written = export_generator(network, scratch, image_size=image_size,
                                       formats=("fp32", "int8"), representative_data=data,
                                       name=stem, num_threads=num_threads,
                                       card={"preset": os.path.basename(folder)},
                                       per_channel=per_channel,
                                       range_percentile=range_percentile)
            path = written["int8"]["path"]
            for source in (path, path + ".json"):
                if os.path.exists(source):
                    shutil.copy(source, folder)
            files[key] = os.path.basename(path)
            int8[key] = {
                "file_size_bytes": written["int8"]["file_size_bytes"],
                "weights": written["int8"]["quantization"]["weights"],
                "activation_ranges": written["int8"]["quantization"]["activation_ranges"],
                "size_vs_fp32": written["int8"]["file_size_bytes"]
                / written["fp32"]["file_size_bytes"],
                "parity_vs_keras": written["int8"].get("parity_vs_keras"),
                "fp32_parity_vs_keras": written["fp32"].get("parity_vs_keras"),
                "latency": {fmt: written[fmt].get("latency") for fmt in ("fp32", "int8")},
            }
    card["files"] = files
    if int8:
        card["int8"] = int8
    with open(os.path.join(folder, CARD), "w") as f:
        json.dump(card, f, indent=1)
    return card
