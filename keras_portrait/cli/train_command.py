"""`keras-portrait train FAMILY`: a parser per family (the options every family takes, then
the family's own, its paper's defaults from `FamilySpec.train_defaults`), its data, model and
optimizers, then `kp.train` into the run folder."""

import json
import os
import sys

import numpy as np

from keras_portrait import registry
from keras_portrait.cli.common import check_framing
from keras_portrait.cli.common import commands_of
from keras_portrait.cli.common import families_with
from keras_portrait.cli.common import family_data
from keras_portrait.cli.common import family_parsers
from keras_portrait.command_line import RUN_FILE
from keras_portrait.command_line import CommandLineError
from keras_portrait.command_line import check_images
from keras_portrait.command_line import input_errors


def add_train(parser):
    specs = families_with("build")
    parsers = family_parsers(parser, specs, _add_arguments, "add_train_arguments", "train",
                             lambda spec: f"keras-portrait train {spec.name} --data synth "
                                          f"--epochs 10 --out runs/{spec.name}")
    for spec in specs:
        parsers[spec.name].set_defaults(**spec.train_defaults)  # the family's paper defaults


def _add_arguments(parser, spec):
    """The options every family's `train` takes."""
    from keras_portrait.data import FRAMINGS  # noqa: PLC0415
    from keras_portrait.data import STYLES  # noqa: PLC0415

    folder = commands_of(spec).data_help or "a folder of images"
    framed = ", ".join(s.name for s in registry.specs() if s.face_framing)
    add = parser.add_argument
    add("--data", required=True,
        help=f"'synth' (SynthPortraits, rendered on the fly), or {folder}")
    add("--out", required=True, help="the run folder: model, sample grids, log and backup")
    add("--epochs", type=int, required=True,
        help="total epochs of the run (rerun with more to train further)")
    add("--image-size", type=int, default=64,
        help="side of the training images in pixels (default: %(default)s)")
    add("--batch-size", type=int, default=32, help="examples per step (default: %(default)s)")
    add("--steps-per-epoch", type=int, default=None,
        help="steps per epoch (default: one pass over the data)")
    add("--seed", type=int, default=0,
        help="seed of the initial weights, the noise and the shuffle (default: %(default)s)")
    add("--filters", type=int, default=64,
        help="generator width: filters of its first layer (default: %(default)s)")
    add("--num-examples", type=int, default=4096,
        help="--data synth: examples per epoch (default: %(default)s)")
    add("--style-a", default="photo", choices=STYLES,
        help="--data synth: the SynthPortraits style (default: %(default)s)")
    add("--framing", default="portrait", choices=FRAMINGS,
        help="--data synth: whole portraits, or the face alone (forehead to chin, the framing "
             f"of expression datasets; for {framed})")
    add("--learning-rate", type=float, default=None,
        help="Adam's learning rate of both players (default: %(default)s; None: the model's "
             "own optimizers)")
    add("--decay-epochs", type=int, default=None,
        help="last epochs of linear decay of the learning rate to 0 (default: 0, or the "
             "family's paper schedule)")
    add("--jit-compile", action="store_true", help="XLA-compile the training step (one device)")
    add("--checkpoint-every", type=int, default=None,
        help="steps between backups (default: every epoch end)")
    add("--sample-every", type=int, default=1,
        help="epochs between sample grids (default: %(default)s)")
    add("--num-samples", type=int, default=64,
        help="examples per sample grid (default: %(default)s)")
    add("--log-dir", default=None,
        help="also log the losses and grids for TensorBoard into this folder")


def run_train(args):
    import keras  # noqa: PLC0415

    import keras_portrait as kp  # noqa: PLC0415

    spec = registry.get(args.family)
    hooks = commands_of(spec)
    if hooks.check_train is not None:
        hooks.check_train(args)
    if args.decay_epochs is None:
        args.decay_epochs = 0
    if args.decay_epochs and args.decay_epochs >= args.epochs:
        raise CommandLineError("--decay-epochs must be smaller than --epochs")
    check_framing(args.framing, args.data, args.family)
    # Same seed, same initial weights: a rerun that finds no backup starts like the first run.
    keras.utils.set_random_seed(args.seed)
    with input_errors():  # the readers' checks of the folders, labels and metadata files
        dataset = _dataset(args)
    model = _build(args, spec, dataset)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, RUN_FILE), "w") as f:
        json.dump({k: v for k, v in vars(args).items() if k != "handler"}, f, indent=1)
    folders = [folder for folder, _ in _data_folders(args)]
    print(f"data: {' and '.join(folders) or 'SynthPortraits, rendered on the fly'}")
    try:
        kp.train(
            model, dataset, args.out, args.epochs,
            steps_per_epoch=args.steps_per_epoch, checkpoint_every=args.checkpoint_every,
            sample_every=args.sample_every, num_samples=args.num_samples,
            log_dir=args.log_dir, verbose=2,  # a line per epoch, not a bar redrawn for minutes
        )
    except kp.NonFiniteLossError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"model, sample grids and log.json written to {args.out}")
    return 0


def _data_folders(args):
    """(folder, option) of each folder `train` reads: --data and the family's
    `data_options`; none for synth."""
    if args.data == "synth":
        return []
    options = commands_of(registry.get(args.family)).data_options
    folders = [(getattr(args, option.lstrip("-").replace("-", "_")), option) for option in options]
    return [(args.data, "--data")] + [(folder, option) for folder, option in folders if folder]


def _dataset(args):
    """The training batches of `args.family`: its hook's, else its SynthPortraits for
    `--data synth` and the images of the folder otherwise."""
    for folder, option in _data_folders(args):
        check_images(folder, option)
    spec = registry.get(args.family)
    hooks = commands_of(spec)
    if hooks.dataset is not None:
        return hooks.dataset(args)
    return family_data(spec, args.data, args.image_size, args.batch_size, args.seed,
                       args.num_examples, args.style_a, args.framing)


def _build(args, spec, dataset):
    """The family's model, compiled, with the fixed examples of its grids when it takes real
    inputs (a family with `export_inputs`)."""
    hooks = commands_of(spec)
    model = hooks.build(args, dataset)
    model.compile(jit_compile=args.jit_compile, **_optimizers(args, model, dataset))
    if spec.export_inputs:
        if hooks.sample_batch is not None:
            batch = hooks.sample_batch(args)
        else:  # a second copy of the data: iterating the training dataset moves its shuffle
            batch = _first_examples(_dataset(args), args.num_samples)
        model.set_sample_batch(batch)
    return model


def _first_examples(dataset, count):
    """The first `count` examples of a batched dataset (any element structure), as arrays."""
    import tensorflow as tf  # noqa: PLC0415

    batches, seen = [], 0
    for batch in dataset:
        batches.append(tf.nest.map_structure(np.asarray, batch))
        seen += len(tf.nest.flatten(batches[-1])[0])
        if seen >= count:
            break
    return tf.nest.map_structure(lambda *parts: np.concatenate(parts)[:count], *batches)


def _optimizers(args, model, dataset):
    """The model's own optimizers, unless --learning-rate or --decay-epochs asks for others:
    then Adam with the model's settings (`OPTIMIZERS`) at that rate, decaying linearly to zero
    over the last --decay-epochs.

    The discriminator's optimizer updates `discriminator_steps` times per step, so its
    schedule counts that many more steps per epoch.
    """
    import keras  # noqa: PLC0415

    import keras_portrait as kp  # noqa: PLC0415

    if args.learning_rate is None and not args.decay_epochs:
        return {}
    settings = model.OPTIMIZERS
    rates = [args.learning_rate or own["learning_rate"] for own in settings]
    if args.decay_epochs:
        steps = args.steps_per_epoch or int(dataset.cardinality())
        if steps < 1:
            raise CommandLineError("--decay-epochs needs --steps-per-epoch for this data")
        constant = args.epochs - args.decay_epochs
        rates = [kp.LinearDecay(rate, constant, args.decay_epochs, steps * per_step)
                 for rate, per_step in zip(rates, (1, model.discriminator_steps))]
    return {name: keras.optimizers.Adam(**{**own, "learning_rate": rate})
            for name, own, rate in zip(("g_optimizer", "d_optimizer"), settings, rates)}
