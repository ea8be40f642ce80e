"""What the generic commands share: the registered families and their command-line hooks
(`registry.FamilyCommands`), a parser per family, the families' options of a shared parser,
the framing checks and a family's default data. What the families' hooks share with the
commands (errors, run folders, model files) is `keras_portrait.command_line`."""

import argparse

from keras_portrait import registry
from keras_portrait.command_line import CommandLineError
from keras_portrait.command_line import setting

NO_COMMANDS = registry.FamilyCommands()
FORMATTER = argparse.RawDescriptionHelpFormatter


def commands_of(spec):
    """The `FamilyCommands` of `spec` (a family without any: every hook None)."""
    return spec.cli if spec is not None and spec.cli is not None else NO_COMMANDS


def families_with(hook):
    """The registered specs whose commands have `hook` (e.g. "evaluate")."""
    return [spec for spec in registry.specs() if getattr(commands_of(spec), hook) is not None]


def listing(words, last="and"):
    """"a, b and c"."""
    words = list(words)
    return f" {last} ".join(filter(None, [", ".join(words[:-1]), *words[-1:]]))


def model_classes(specs):
    """The model classes of `specs`, each once, in order."""
    return tuple(dict.fromkeys(spec.model_class for spec in specs))


def class_names(specs, last="and"):
    """The names of the model classes of `specs`: "A, B and C" (`last` "or": "A, B or C")."""
    return listing((kind.__name__ for kind in model_classes(specs)), last)


def example_family(hook, default="FAMILY"):
    """The name of the first family with `hook`, for the help's examples."""
    found = families_with(hook)
    return found[0].name if found else default


def family_parsers(parser, specs, add_generic, hook, what, example):
    """A sub-parser per family of `specs` under `parser` (its positional FAMILY): the generic
    arguments (`add_generic(parser, spec)`), then the family's own (hook `hook`) in a group
    of their own; `what` the command's verb, `example(spec)` a command line. Returns
    {name: parser}."""
    choices = parser.add_subparsers(
        dest="family", required=True, metavar="FAMILY",
        help="the family (`FAMILY --help`: its options)")
    parsers = {}
    for spec in specs:
        sub = choices.add_parser(
            spec.name, help=spec.summary, formatter_class=FORMATTER,
            description=f"{what[0].upper()}{what[1:]} {spec.name}: {spec.summary}.",
            epilog=f"example:\n  {example(spec)}")
        add_generic(sub, spec)
        add_own = getattr(commands_of(spec), hook)
        if add_own is not None:
            add_own(sub.add_argument_group(f"{spec.name} options"))
        parsers[spec.name] = sub
    return parsers


def add_family_options(parser, hook):
    """Adds every family's options of a shared command (hook `hook`, e.g.
    "add_export_arguments"), a group per family, and records their owners for
    `refuse_other_families` (families that share the hook share the group)."""
    groups = {}
    for spec in families_with(hook):
        add = getattr(commands_of(spec), hook)
        if add not in groups:
            group = parser.add_argument_group()
            add(group)
            groups[add] = (group, [])
        groups[add][1].append(spec)
    owners = {}
    for group, specs in groups.values():
        group.title = f"{class_names(specs)} options"
        for action in group._group_actions:
            owners[action.dest] = (action.option_strings[0], action.default,
                                   tuple(spec.name for spec in specs), class_names(specs))
    parser.set_defaults(family_options=owners)


def refuse_other_families(args, spec, what, holds):
    """Refuses the options of other families given for `spec`'s model (None: a model of no
    known family): "--x is for ModelA models; `holds`"."""
    for dest, (option, default, names, owners) in args.family_options.items():
        if (spec is None or spec.name not in names) and getattr(args, dest) != default:
            raise CommandLineError(f"{option} is for {owners} {what}; {holds}")


def check_framing(framing, data, family):
    framed = [spec.name for spec in registry.specs() if spec.face_framing]
    if framing == "face" and (data != "synth" or family not in framed):
        raise CommandLineError("--framing face cuts SynthPortraits renders, for --data synth and "
                               f"the families {', '.join(framed)}; align a folder's faces with "
                               "`keras-portrait prepare`")


def run_framing(args, settings, family):
    """`--framing`, else the run's synth framing (which a folder given to --data leaves out)."""
    data = setting(args, settings, "data", "synth")
    framing = setting(args, settings, "framing", "portrait")
    if args.framing is None and data != "synth":
        framing = "portrait"
    check_framing(framing, data, family)
    args.framing = framing


def family_data(spec, data, image_size, batch_size, seed=0, num_examples=4096, style="photo",
                framing="portrait", shuffle=True):
    """A family's data when it gives no `dataset` hook: its SynthPortraits for "synth", else
    the images of a folder (shuffled and whole batches for training; else in order, all)."""
    import keras_portrait as kp  # noqa: PLC0415

    if data == "synth":
        return kp.data.synth_portraits(
            family=spec.name, image_size=image_size, batch_size=batch_size,
            num_examples=num_examples, seed=seed, style=style, framing=framing,
            shuffle=shuffle, drop_remainder=shuffle)
    return kp.data.image_folder(data, image_size=image_size, batch_size=batch_size, seed=seed,
                                shuffle=shuffle, drop_remainder=shuffle, verbose=shuffle)
