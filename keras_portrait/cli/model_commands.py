"""`keras-portrait sample`, `evaluate` and `export`: a trained model of any registered family,
its family found by the registry (`registry.of_model`) and its hooks called where it differs."""

from keras_portrait import registry
from keras_portrait.cli.common import add_family_options
from keras_portrait.cli.common import class_names
from keras_portrait.cli.common import commands_of
from keras_portrait.cli.common import families_with
from keras_portrait.cli.common import family_data
from keras_portrait.cli.common import family_parsers
from keras_portrait.cli.common import model_classes
from keras_portrait.cli.common import refuse_other_families
from keras_portrait.cli.common import run_framing
from keras_portrait.command_line import export_folder
from keras_portrait.command_line import input_errors
from keras_portrait.command_line import load_model
from keras_portrait.command_line import print_cards
from keras_portrait.command_line import run_data
from keras_portrait.command_line import run_settings

DEFAULT_SAMPLES = 64


def samplers():
    """The families `sample` draws from: their generator draws from noise (no
    `export_inputs`), or their hooks make its inputs (`sample_inputs`)."""
    return [spec for spec in registry.specs()
            if commands_of(spec).sample_inputs is not None or not spec.export_inputs]


def exported():
    """The families `export` takes: those with `export_inputs`."""
    return [spec for spec in registry.specs() if spec.export_inputs]


def add_sample(parser):
    parser.add_argument("model", help=f"a .keras file written by `train`: a "
                                      f"{class_names(samplers(), 'or')}")
    parser.add_argument("-n", type=int, default=None,
                        help="number of examples (default: as many as the family's training "
                             f"grids, {DEFAULT_SAMPLES} when it sets none)")
    parser.add_argument("-o", "--output", required=True, help="the PNG grid to write")
    parser.add_argument("--seed", type=int, default=0,
                        help="noise seed; for a model that paints from real examples (e.g. "
                             "masks), the SynthPortraits seed of the examples (default: "
                             "%(default)s)")
    parser.add_argument("--data", default="synth",
                        help="for a model that paints from real examples: where they come "
                             "from, 'synth' or a prepared folder (default: %(default)s)")


def run_sample(args):
    import keras_portrait as kp  # noqa: PLC0415

    families = samplers()
    model = load_model(args.model, model_classes(families),
                       f"`sample` draws from {class_names(families)} models; use `translate` "
                       "on your pictures (`keras-portrait --help` lists every command)")
    spec = registry.of_model(model)
    count = args.n or spec.train_defaults.get("num_samples", DEFAULT_SAMPLES)
    hooks = commands_of(spec)
    if hooks.sample_inputs is not None:
        inputs = hooks.sample_inputs(model, args, count)
    else:
        inputs = model.sample_inputs(count, args.seed)
    kp.save_image(args.output, model.sample_grid(inputs))
    print(f"{count} samples written to {args.output}")
    return 0


def add_evaluate(parser):
    family_parsers(parser, families_with("evaluate"), _add_evaluate_arguments,
                   "add_evaluate_arguments", "score a run of",
                   lambda spec: f"keras-portrait evaluate {spec.name} runs/{spec.name} "
                                "--count 32")


def _add_evaluate_arguments(parser, spec):
    """The options every family's `evaluate` takes."""
    from keras_portrait.data import FRAMINGS  # noqa: PLC0415

    parser.add_argument("run", help="a run folder of `train` (or its .keras file)")
    parser.add_argument("--data", default=None,
                        help="'synth' or a folder (default: the run's data)")
    parser.add_argument("--image-size", type=int, default=None,
                        help="side of the evaluation images (default: the run's)")
    parser.add_argument("--count", type=int, default=64,
                        help="examples scored (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=None,
                        help="synth seed (default: the run's + 1000, i.e. unseen sitters)")
    parser.add_argument("--sheet-rows", type=int, default=8,
                        help="examples shown in the PNG sheets, a row each (default: "
                             "%(default)s)")
    parser.add_argument("--framing", default=None, choices=FRAMINGS,
                        help="synth framing of the held-out images (default: the run's)")
    parser.add_argument("--out", default=None,
                        help="folder of evaluation.json and the sheets (default: the run "
                             "folder)")


def run_evaluate(args):
    model_path, settings = run_settings(args.run)
    run_framing(args, settings, args.family)
    spec = registry.get(args.family)
    model = load_model(model_path, (spec.model_class,), "name the run's family after `evaluate`")
    return commands_of(spec).evaluate(args, model, model_path, settings)


def add_export(parser):
    from keras_portrait.data import FRAMINGS  # noqa: PLC0415
    from keras_portrait.export import FORMATS  # noqa: PLC0415

    parser.add_argument("run", help=f"a run folder (or its .keras file) of a "
                                    f"{class_names(exported(), 'or')}")
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS,
                        help="what to write: a TensorFlow SavedModel, and .tflite files in "
                             "float32, float16, int8 weights (int8_dynamic) or all int8 "
                             "(int8, calibrated on the run's images); default: all")
    parser.add_argument("--image-size", type=int, default=None,
                        help="side of the exported model's input (default: the run's)")
    parser.add_argument("--input-type", default="uint8", choices=["uint8", "float"],
                        help="what the files take and give: uint8 pixels 0-255, or float "
                             "pixels in [0, 1] (default: %(default)s)")
    parser.add_argument("--data", default=None,
                        help="int8: the calibration images, 'synth' or a folder (default: "
                             "the run's)")
    parser.add_argument("--calibration-images", type=int, default=128,
                        help="int8: images the quantization is calibrated on (default: "
                             "%(default)s)")
    parser.add_argument("--framing", default=None, choices=FRAMINGS,
                        help="synth framing of the calibration images (default: the run's)")
    parser.add_argument("--per-tensor", action="store_true",
                        help="int8: one weight scale per weight tensor instead of one per "
                             "output channel (a smaller file for a network of many narrow "
                             "layers: measured 0.262 of fp32 instead of 0.275)")
    parser.add_argument("--out", default=None,
                        help="folder of the exported files (default: RUN/export)")
    add_family_options(parser, "add_export_arguments")


def run_export(args):
    model_path, settings = run_settings(args.run)
    families = exported()
    model = load_model(model_path, model_classes(families),
                       f"`export` takes {class_names(families)} runs")
    spec = registry.of_model(model)
    refuse_other_families(args, spec, "runs", f"{model_path} holds a {type(model).__name__}")
    run_framing(args, settings, spec.name)
    hooks = commands_of(spec)
    if hooks.export is not None:
        return hooks.export(args, model, model_path, settings)
    return _export_generator(args, spec, model, model_path, settings)


def _export_generator(args, spec, model, model_path, settings):
    """`export_generator` of a family without an `export` hook: int8 calibrated on its data
    (`family_data`) from the run's."""
    import keras_portrait as kp  # noqa: PLC0415

    calibration = None
    if "int8" in args.formats:
        count = args.calibration_images
        size = args.image_size or settings.get("image_size", 64)
        calibration = family_data(spec, run_data(args, settings), size, min(16, count),
                                  settings.get("seed", 0), count,
                                  settings.get("style_a", "photo"), args.framing, shuffle=False)
    with input_errors(ValueError):
        cards = kp.export_generator(
            model, export_folder(args, model_path),
            image_size=args.image_size or settings.get("image_size"), formats=args.formats,
            input_type=args.input_type, representative_data=calibration,
            per_channel=not args.per_tensor,
            card={"run": model_path},
        )
    print_cards(cards)
    return 0
