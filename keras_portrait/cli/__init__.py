"""The `keras-portrait` command: parses arguments and calls the public API, nothing more.

It names no family: `train`, `sample`, `evaluate`, `export` and `translate` iterate the
registry (`keras_portrait.registry`) and call a family's hooks (`FamilySpec.cli`, a
`registry.FamilyCommands` in `models/<family>/<family>_cli.py`) where it differs; a family's
own commands come from the same hooks. `train` lives in `cli/train_command.py`, `sample`,
`evaluate` and `export` in `cli/model_commands.py`, `translate` in `cli/translate.py`,
`check`, `render` and `prepare` in `cli/data_commands.py`; what they share in `cli/common.py`
and, with the families' hooks, `keras_portrait/command_line.py`.
"""

import argparse
import collections.abc
import sys

from keras_portrait import registry
from keras_portrait.cli import data_commands
from keras_portrait.cli import model_commands
from keras_portrait.cli import train_command
from keras_portrait.cli import translate
from keras_portrait.cli.common import FORMATTER
from keras_portrait.cli.common import commands_of
from keras_portrait.cli.common import example_family
from keras_portrait.command_line import CommandLineError
from keras_portrait.registry import Command


def description():
    """The text of `keras-portrait --help`: the registered families and a quick start."""
    width = max((len(name) for name in registry.names()), default=0)
    families = "\n".join(f"  {spec.name:<{width}}  {spec.summary}" for spec in registry.specs())
    first = example_family("translate")
    return f"""\
Portrait GANs in Keras: train them, score them, export them and run them on pictures.

The families (keras-portrait train FAMILY):
{families}
Each trains on SynthPortraits, rendered on the fly (--data synth), or on a folder of your own
pictures.

from nothing to a translated picture:
  keras-portrait train {first} --data synth --num-examples 500 --epochs 10 --out runs/{first}
  keras-portrait translate runs/{first}/model.keras photo.jpg -o translated.png

your own pictures:
  keras-portrait check pictures/               # can every file be read?
  keras-portrait prepare pictures/ faces/      # aligned face crops and masks

`keras-portrait COMMAND --help` describes a command, with an example.
"""


def _generic_commands():
    """The commands every family shares, name → `Command` (examples named after the first
    registered family each fits)."""
    sampler = next((spec.name for spec in model_commands.samplers()), "FAMILY")
    exported = next((spec.name for spec in model_commands.exported()), "FAMILY")
    translator = next((spec.name for spec in translate.translators()), "FAMILY")
    return {
        "check": Command(
            "check that every image of a folder can be read and list the files that cannot",
            "keras-portrait check pictures/ --report check.json",
            data_commands.add_check, data_commands.check),
        "render": Command(
            "render labelled SynthPortraits into a folder: images, face masks, labels.json and "
            "metadata.csv", "keras-portrait render synth_faces/ --count 200 --style painting",
            data_commands.add_render, data_commands.render),
        "prepare": Command(
            "detect, align and crop the faces of a folder of pictures into a dataset (crops, "
            "masks, landmarks, poses)", "keras-portrait prepare pictures/ faces/ --size 256",
            data_commands.add_prepare, data_commands.prepare),
        "train": Command(
            "train a GAN into a run folder (rerun the command to resume)",
            f"keras-portrait train {example_family('build')} --data synth --epochs 20 "
            "--out runs/first", train_command.add_train, train_command.run_train),
        "sample": Command(
            "draw a grid of pictures with a trained model that draws its own inputs (noise) or "
            "its family's examples", f"keras-portrait sample runs/{sampler}/model.keras -n 16 "
            "-o grid.png", model_commands.add_sample, model_commands.run_sample),
        "evaluate": Command(
            "score a trained model: evaluation.json and PNG sheets",
            f"keras-portrait evaluate {example_family('evaluate')} runs/first --count 32",
            model_commands.add_evaluate, model_commands.run_evaluate),
        "export": Command(
            "export a run's generator as a SavedModel and .tflite files (LiteRT)",
            f"keras-portrait export runs/{exported} --formats fp32 int8",
            model_commands.add_export, model_commands.run_export),
        "translate": Command(
            "translate pictures with an image-to-image model (.keras, or an exported .tflite)",
            f"keras-portrait translate runs/{translator}/model.keras me.jpg -o translated.png",
            translate.add_translate, translate.translate),
    }


class _Commands(collections.abc.Mapping):
    """The commands, name → `Command`: the generic ones, then each registered family's own
    (read at each use, so that a family registered later brings its commands)."""

    def _table(self):
        table = _generic_commands()
        for spec in registry.specs():
            for name, command in commands_of(spec).commands.items():
                if table.setdefault(name, command) is not command:
                    raise ValueError(f"The command {name!r} of family {spec.name!r} is already "
                                     "another's")
        return table

    def __getitem__(self, name):
        return self._table()[name]

    def __iter__(self):
        return iter(self._table())

    def __len__(self):
        return len(self._table())


COMMANDS = _Commands()


def build_parser():
    """The `keras-portrait` argument parser, with a sub-parser per command."""
    root = argparse.ArgumentParser(prog="keras-portrait", description=description(),
                                   formatter_class=FORMATTER)
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        what = command.summary
        command.add_arguments(commands.add_parser(
            name, help=what, description=what[0].upper() + what[1:] + ".",
            epilog=f"example:\n  {command.example}", formatter_class=FORMATTER,
        ))
    return root


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except CommandLineError as error:
        print(error, file=sys.stderr)
        raise
    except FileNotFoundError as error:
        # A missing input, or the model file of an optional package (the message names the pip
        # command that installs it).
        if error.filename is not None and error.strerror:
            error = f"{error.strerror}: {error.filename!r}"
        failure = CommandLineError(error)
        print(failure, file=sys.stderr)
        raise failure from None


if __name__ == "__main__":
    sys.exit(main())
