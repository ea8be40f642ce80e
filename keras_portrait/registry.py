"""The GAN families of the package, one `FamilySpec` each: the one place data, export and the
command line learn what a family is.

A family is a folder `models/<family>/` holding its networks, model class, evaluation and a
`FamilySpec`; `models/families.py` registers the package's own specs. This module sits at the
bottom of the package (it imports nothing of it), so that `data/`, `export/` and `cli/` look
families up here, at call time, without importing `models/` — a new family is one folder and
one `register` call, and nothing else in the package names it.
"""

import dataclasses
from typing import Any, Callable, Mapping, Optional, Sequence

_SPECS = {}


@dataclasses.dataclass(frozen=True)
class ExportInput:
    """One input (or the vector output) of an exported network, described by its kind.

    `export/` builds the file's boundary per kind, not per family: the input's dtype and shape
    in the file, its conversion inside the graph, how calibration and parity examples are read
    from the data or drawn, and its entry in the card.

    Args:
        name: str. The input's name in the SavedModel signature and the card.
        kind: str. One of `INPUT_KINDS`: `"image"` (an RGB picture, uint8 [0, 255] or float
            [0, 1] at the boundary, [-1, 1] inside), `"mask"` (uint8 class ids, H x W, one-hot
            inside), `"holes"` (uint8, H x W, nonzero where the image has no content; a 0/1
            float map H x W x 1 inside), `"label"` (float32 one-hot or multi-hot vector of
            `length`; the data may give class ids), `"vector"` (float32 values of `length`,
            e.g. a style code or metadata; an input of length 0 is left out of the file).
        length: int, callable `model -> int` or None. The length of a `"vector"` or `"label"`,
            the class count of a `"mask"`. Defaults to `None`.
        names: sequence of str, callable `model -> sequence` or None. The names of the entries
            for the card: a mask's classes, a label's domains, a vector's values (used when
            they match `length`; else `class0, …` / `<name>0, …`). Defaults to `None`.
        label_type: str, callable `model -> str` or None. For a `"label"`: `"class"` (one-hot)
            or `"attributes"` (multi-hot). Defaults to `None` (`"class"`).
        value_range: tuple or None. For a `"vector"`: the `(low, high)` range of its values
            (drawn uniformly when the data has none), or None for N(0, 1) values. Defaults to
            `None`.
        key: str or None. The input's key in dict data (`{"image", "mask", ...}` batches)
            when it is not `name`. Defaults to `None`.
        card: mapping. Fields added to the input's card entry, e.g. `{"meaning": ...}`.
    """

    name: str
    kind: str
    length: Any = None
    names: Any = None
    label_type: Any = None
    value_range: Optional[tuple] = None
    key: Optional[str] = None
    card: Mapping[str, Any] = dataclasses.field(default_factory=dict)


INPUT_KINDS = ("image", "mask", "holes", "label", "vector")


@dataclasses.dataclass(frozen=True)
class ExportPart:
    """A network a family exports beside its generator (e.g. a style encoder).

    Args:
        name: str. The stem of its files and the prefix of its results, `<name>_<format>`.
        network: callable `model -> network`. The network its files run: it takes the inputs'
            in-graph values (one tensor, or a list in the order of `inputs`).
        inputs: sequence of `ExportInput`. Its inputs, in order.
        output: `ExportInput` or None. What it gives: None for an image (in the type of the
            image inputs), else a `"vector"` (its name, `length` and card fields).
        formats: sequence of str or None. The formats it is exported in, of those asked for;
            None for all. Defaults to `None`.
        card: mapping. Fields added to its cards, e.g. `{"role": "style_encoder"}`.
        parity_units: str or None. The units of its parity figures when its output is not an
            image. Defaults to `None`.
    """

    name: str
    network: Callable
    inputs: Sequence[ExportInput]
    output: Optional[ExportInput] = None
    formats: Optional[Sequence[str]] = None
    card: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    parity_units: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Command:
    """A `keras-portrait` subcommand: `keras-portrait NAME ...`.

    Args:
        summary: str. What it does, one line (the command list of `--help`).
        example: str. A whole command line that uses it (its `--help` shows it).
        add_arguments: callable `(parser)`. Adds its arguments to its `argparse` parser.
        run: callable `(args) -> int`. Runs it on the parsed arguments; returns the exit status.
    """

    summary: str
    example: str
    add_arguments: Callable
    run: Callable


@dataclasses.dataclass(frozen=True)
class FamilyCommands:
    """A family's part of the `keras-portrait` command (`FamilySpec.cli`); every hook optional.

    `cli/` runs the commands (`train`, `sample`, `evaluate`, `export`, `translate`) for every
    registered family and calls these hooks where a family differs. They live in the family's
    folder (`models/<family>/<family>_cli.py`); they raise `command_line.CommandLineError` for
    bad input and import `keras_portrait.command_line` and the public API, never `cli/`.
    `args` is the parsed `argparse.Namespace` of the command.

    `train FAMILY` (one parser per family: the generic options, then the family's):
        add_train_arguments: callable `(parser)`: the family's own `train` options. The
            family's `FamilySpec.train_defaults` become the defaults of the options they name.
        data_help: str. What `--data` names besides `synth` (e.g. "a folder of class
            sub-folders"). Defaults to a folder of images.
        data_options: sequence of str. Options beside `--data` that name folders `train`
            reads (e.g. `"--data-b"`): checked for images and shown.
        check_train: callable `(args)`: completes and checks the arguments (defaults that
            depend on others, refused combinations) before the data is read.
        dataset: callable `(args) -> tf.data.Dataset`: the training batches. None: the
            family's SynthPortraits for `--data synth`, else a folder of images.
        build: callable `(args, dataset) -> model`: the model to train, not compiled. A family
            without it does not train from the command line. `train` compiles it (Adam at
            `--learning-rate` with the model's other `OPTIMIZERS` settings when a rate or a
            decay is asked, else the model's own optimizers).
        sample_batch: callable `(args) -> batch`: the fixed examples of the training grids
            of a model that takes real inputs (a family with `export_inputs`), passed to its
            `set_sample_batch`. None: the first `--num-samples` examples of a second copy of
            the training data.

    `sample MODEL` (families whose generator draws from noise, and those with this hook):
        sample_inputs: callable `(model, args, count) -> inputs`: the inputs of
            `model.sample_grid`, e.g. `count` masks of `args.data` (`--seed`). None: the
            model's `sample_inputs(count, seed)`.

    `evaluate FAMILY RUN` (families with `evaluate`):
        add_evaluate_arguments: callable `(parser)`: the family's own options.
        evaluate: callable `(args, model, model_path, settings) -> int`: scores the run's
            model; `settings` are the run's `train` arguments (run.json).

    `export RUN` (families with `export_inputs`; the options of every family in one parser):
        add_export_arguments: callable `(parser)`: the family's own options (distinct from
            the other families'; given for a model of another family, they are refused).
        export: callable `(args, model, model_path, settings) -> int`. None: `export_generator`
            of the model, int8 calibrated on the run's data.

    `translate MODEL IMAGES` (families with `translate`, or whose generator takes one image):
        add_translate_arguments: callable `(parser)`: the family's own options (as export's).
        translate: callable `(model, args) -> function`: checks the arguments, then returns
            the function of uint8 images (N, H, W, 3) giving uint8 outputs (N, H, W, 3), or a
            list of such outputs (a sheet per image: the input, then each). None: the model
            called on the images.
        translate_file: callable `(runner, args) -> function`: the same for an exported
            .tflite file (`LiteRTRunner`) of the family. None: the file run on the images.
        image_size: callable `model -> (int, str) or None`: the side the model was trained
            at and where it comes from, when the model records it in its own way (read after
            its `image_size` attribute and the run's run.json).

    Commands of the family's own:
        commands: mapping name → `Command`. Whole subcommands (e.g. a mask-to-portrait
            `synthesize`), listed after the generic ones.
    """

    add_train_arguments: Optional[Callable] = None
    data_help: Optional[str] = None
    data_options: Sequence[str] = ()
    check_train: Optional[Callable] = None
    dataset: Optional[Callable] = None
    build: Optional[Callable] = None
    sample_batch: Optional[Callable] = None
    sample_inputs: Optional[Callable] = None
    add_evaluate_arguments: Optional[Callable] = None
    evaluate: Optional[Callable] = None
    add_export_arguments: Optional[Callable] = None
    export: Optional[Callable] = None
    add_translate_arguments: Optional[Callable] = None
    translate: Optional[Callable] = None
    translate_file: Optional[Callable] = None
    image_size: Optional[Callable] = None
    commands: Mapping[str, Command] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class FamilySpec:
    """What a GAN family is, for the parts of the package that iterate the families.

    Args:
        name: str. The family's name on the command line and in `synth_portraits(family=...)`.
        model_class: type. The `BaseGAN` subclass.
        summary: str. One line for users (command-line help).
        synth_element: callable `(source, index, options) -> tuple of numpy arrays`: element
            `index` of the family's SynthPortraits dataset, flat. `source.sample(index, style)`
            renders a framed sample; `options` holds `synth_portraits`' keyword arguments.
        synth_signature: callable `(image_size, options) -> tuple of tf.TensorSpec`: the
            shapes and dtypes of `synth_element`'s arrays.
        structure: callable `(parts) -> element`: the flat parts as the element the model's
            `train_step` takes (an image batch, a tuple, a dict).
        synth_options: mapping. The family's own `synth_portraits` keyword arguments and their
            defaults (e.g. a second domain's style).
        face_framing: bool. Whether its SynthPortraits elements can be cut to the face
            (`framing="face"`): images and labels only, no masks or poses of the whole render.
        train_defaults: mapping. The paper's defaults the command line uses for this family
            (`batch_size`, `learning_rate`, `discriminator_steps`, ...).
        export_inputs: sequence of `ExportInput`. The exported generator's inputs, in order;
            empty for a family that is not exported (a noise-to-image generator).
        export_network: callable `model -> network` or None. The network the generator's files
            run, called on the inputs' in-graph values; None for the model itself (its
            `call()` is its generator's inference path).
        export_parts: sequence of `ExportPart`. Networks exported beside the generator.
        export_samples: callable `(model, examples, seed) -> (examples, sources)` or None.
            Completes the calibration and parity examples (dict input name → array, one row per
            example) with what only the family knows how to make, e.g. style codes from the
            examples' images; `sources` (dict) goes into the parity figures of the cards.
        export_size: callable `(model, image_size) -> int` or None. The side of the files for
            the `image_size` asked (None: the family's default), or a ValueError; None for
            "`image_size`, default 256".
        export_inputs_by_name: bool. The generator's cards list a file's inputs (when it
            takes more than an image and a label) as a dict name → entry rather than a list
            of entries: the layout the family's cards had before both were written by one
            function, which apps may read. Defaults to `False`.
        presets: sequence of str. The names of its trained presets in `saved_models/`.
        cli: `FamilyCommands` or None. The family's part of the `keras-portrait` command
            (its hooks and own commands); None: none beyond the generic ones.
    """

    name: str
    model_class: type
    summary: str
    synth_element: Callable
    synth_signature: Callable
    structure: Callable = tuple
    synth_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    face_framing: bool = False
    train_defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    export_inputs: Sequence[ExportInput] = ()
    export_network: Optional[Callable] = None
    export_parts: Sequence[ExportPart] = ()
    export_samples: Optional[Callable] = None
    export_size: Optional[Callable] = None
    export_inputs_by_name: bool = False
    presets: Sequence[str] = ()
    cli: Optional[FamilyCommands] = None


def register(spec):
    """Adds (or replaces) a family. Returns the spec."""
    if not isinstance(spec, FamilySpec):
        raise TypeError(f"Expected a FamilySpec. Received: {type(spec).__name__}")
    if spec.cli is not None and not isinstance(spec.cli, FamilyCommands):
        raise TypeError(f"`cli` of family {spec.name!r} must be a FamilyCommands or None. "
                        f"Received: {type(spec.cli).__name__}")
    items = list(spec.export_inputs)
    for part in spec.export_parts:
        items.extend(part.inputs)
        if part.output is not None and part.output.kind != "vector":
            raise ValueError(f"The output of export part {part.name!r} of family {spec.name!r} "
                             f"must be a \"vector\" (or None for an image). "
                             f"Received: {part.output.kind!r}")
    for item in items:
        if item.kind not in INPUT_KINDS:
            raise ValueError(f"Unknown export input kind {item.kind!r} of family {spec.name!r}. "
                             f"Valid: {', '.join(INPUT_KINDS)}")
    _SPECS[spec.name] = spec
    return spec


def unregister(name):
    """Removes a family (tests register temporary ones)."""
    _SPECS.pop(name, None)


def names():
    """The registered family names, in registration order."""
    return tuple(_SPECS)


def specs():
    """The registered specs, in registration order."""
    return tuple(_SPECS.values())


def get(name):
    """The spec of family `name`; a ValueError listing the valid names otherwise."""
    try:
        return _SPECS[name]
    except KeyError:
        raise ValueError(f"Unknown family {name!r}. Valid: {', '.join(_SPECS)}") from None


def of_model(model):
    """The spec of `model`'s family (the most derived registered class it is an instance of),
    or None."""
    matches = [spec for spec in _SPECS.values() if isinstance(model, spec.model_class)]
    if not matches:
        return None
    return max(matches, key=lambda spec: len(spec.model_class.__mro__))
