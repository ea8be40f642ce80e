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
