"""`keras-portrait` for GauGAN: its training data, model, export and `synthesize`."""

import os
import sys
import warnings

import cv2
import numpy as np

from keras_portrait import GauGAN
from keras_portrait import LiteRTRunner
from keras_portrait import export_generator
from keras_portrait import save_image
from keras_portrait.cli.common import write_evaluation
from keras_portrait.data.metadata import METADATA_NAMES
from keras_portrait.export import read_card

FOLDER_HELP = (
    "gaugan: a folder written by `keras-portrait prepare` (or `render`): images/*.png, "
    "masks/*.png (class ids as gray levels) and a metadata CSV (default DIR/metadata.csv, or "
    "--metadata-file): a header row 'file,age,gender,glasses', then one row per image, file "
    "relative to DIR (images/NAME.png; its mask is masks/NAME.png) and the values in [0, 1] "
    "(age scaled to [0, 1], gender 0 female … 1 male, glasses 0 or 1)"
)


def dataset(data, image_size, batch_size, seed=0, num_examples=4096, style="photo",
            metadata_file=None, shuffle=True):
    """GauGAN's `{"image", "mask", "metadata"}` batches: SynthPortraits, or a prepared folder."""
    from keras_portrait.data import synth_portraits  # noqa: PLC0415

    if data == "synth":
        return synth_portraits(family="gaugan", image_size=image_size, batch_size=batch_size,
                               num_examples=num_examples, seed=seed, style=style,
                               shuffle=shuffle)
    return folder_dataset(data, image_size, batch_size, seed, metadata_file, shuffle)


def folder_dataset(folder, image_size, batch_size, seed=0, metadata_file=None, shuffle=True):
    """`kp.data.mask_folder`: its errors as the command's exit message, its warnings on stderr."""
    from keras_portrait.data.mask_folder import mask_folder  # noqa: PLC0415

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = mask_folder(folder, image_size, batch_size, seed, metadata_file, shuffle)
        except ValueError as error:
            raise SystemExit(f"error: {error}") from None
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    return data


def build(args):
    """The compiled GauGAN of the `train` arguments, with its sample-sheet examples."""
    try:
        model = GauGAN(
            image_size=args.image_size, code_dim=args.code_dim, filters=args.filters,
            encoder_filters=args.encoder_filters,
            discriminator_filters=args.discriminator_filters,
            discriminator_layers=args.discriminator_layers, spade_hidden=args.spade_hidden,
            discriminator_steps=args.discriminator_steps,
            metadata_weight=args.metadata_weight, critic_filters=args.critic_filters,
            edit_l1_weight=args.edit_l1_weight, seed=args.seed,
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    model.compile(jit_compile=args.jit_compile)
    # A separate copy of the data: iterating the training dataset would move its shuffle.
    samples = dataset(args.data, args.image_size, args.num_samples, args.seed, args.num_samples,
                      args.style_a, args.metadata_file, shuffle=False)
    model.set_sample_batch(next(iter(samples)))
    return model


def export(args, model, model_path, settings):
    """`export RUN` for a GauGAN run: generator files (mask, code, metadata) + style encoder."""
    out = args.out or os.path.join(os.path.dirname(model_path), "export")
    calibration = None
    if "int8" in args.formats:
        data = args.data or settings.get("data")
        if data is None:
            raise SystemExit("error: pass --data (synth or a folder): the run has no run.json")
        count = args.calibration_images
        calibration = dataset(data, model.image_size, min(16, count), settings.get("seed", 0),
                              count, settings.get("style_a", "photo"),
                              settings.get("metadata_file"), shuffle=False)
    try:
        cards = export_generator(
            model, out, image_size=args.image_size, formats=args.formats,
            input_type=args.input_type, representative_data=calibration,
            card={"family": "GauGAN", "run": model_path},
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    for fmt, card in cards.items():
        parity = card["parity_vs_keras"]
        print(f"{fmt}: {card['path']}, max |diff| vs Keras {parity['max_abs']:.4g}")
    inputs = next(iter(cards.values()))["inputs"]
    print("inputs: " + ", ".join(f"{i['name']} {i['dtype']}{tuple(i['shape'])}" for i in inputs))
    return 0


def sample_inputs(model, data, count, seed):
    """`count` examples of `data` (synth: the SynthPortraits of `seed`) for `model.sample_grid`
    (`sample` of a GauGAN: a model that paints from masks cannot draw its own inputs)."""
    examples = dataset(data, model.image_size, count, seed, count, shuffle=False)
    model.set_sample_batch(next(iter(examples)))
    return model.sample_inputs(count)


def evaluate(args, model, model_path, settings):
    """`evaluate gaugan RUN`: `evaluate_synthesis` on held-out SynthPortraits sitters."""
    from keras_portrait.models.gaugan.evaluation import evaluate_synthesis  # noqa: PLC0415

    seed = args.seed if args.seed is not None else settings.get("seed", 0) + 1000
    try:
        report, sheets = evaluate_synthesis(model, count=args.count, seed=seed,
                                            image_size=args.image_size,
                                            sheet_rows=args.sheet_rows)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    report = {"model": model_path, **report}
    out = args.out or os.path.dirname(model_path)
    write_evaluation(out, report, sheets)
    fidelity = report["mask_fidelity"]
    print(f"mask mIoU {fidelity['synthesized'].get('miou', float('nan')):.3f} "
          f"(true renders {fidelity['true_render'].get('miou', float('nan')):.3f}), "
          f"own-style SSIM {report['reconstruction']['ssim']['mean']:.3f}")
    if "glasses" in report:
        print(f"glasses toggled: {report['glasses']}")
        print(f"age 0 → 1: {report['age']}")
    print(f"evaluation.json and evaluation_{'/'.join(sheets)}.png written to {out}")
    return 0


def _metadata(pairs, names):
    """The metadata vector of `--metadata name=value ...` (unnamed entries 0)."""
    vector = np.zeros(len(names), np.float32)
    for pair in pairs or ():
        name, _, value = pair.partition("=")
        if name not in names or not value:
            raise SystemExit(f"error: --metadata takes NAME=VALUE with NAME one of "
                             f"{', '.join(names)}. Received: {pair!r}")
        try:
            vector[list(names).index(name)] = float(value)
        except ValueError:
            raise SystemExit(f"error: --metadata {pair!r}: the value is not a number") from None
    return vector


def _read_mask(path, size):
    mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise SystemExit(f"error: cannot read the mask {path!r} (a PNG of class ids)")
    return cv2.resize(mask, (size, size), interpolation=cv2.INTER_NEAREST)


def _read_style(path, size):
    """The style image as uint8 RGB at `size`²."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"error: cannot read the style image {path!r}")
    return cv2.resize(image[:, :, ::-1], (size, size), interpolation=cv2.INTER_AREA)


def draw_code(code_dim, seed):
    """The N(0, 1) style code of `seed`, as `GauGAN.style_codes(count=1, seed=seed)` draws it."""
    return np.random.default_rng(seed).standard_normal((1, code_dim)).astype(np.float32)


def _synthesize_with_model(args):
    import keras  # noqa: PLC0415

    model = keras.saving.load_model(args.model, safe_mode=True)
    if not isinstance(model, GauGAN):
        raise SystemExit(f"error: {args.model} holds a {type(model).__name__}, not a GauGAN")
    names = (METADATA_NAMES if model.metadata_dim == len(METADATA_NAMES)
             else [f"metadata{i}" for i in range(model.metadata_dim)])
    mask = _read_mask(args.mask, model.image_size)
    style = None
    if args.style:
        style = _read_style(args.style, model.image_size).astype(np.float32) / 127.5 - 1.0
    return model.synthesize(mask, _metadata(args.metadata, names), style_images=style,
                            seed=args.seed)[0]


def _synthesize_with_file(args):
    runner = LiteRTRunner(args.model, num_threads=args.threads)
    details = runner.inputs_details
    if "mask" not in details or "code" not in details:
        raise SystemExit(f"error: {args.model} is not a GauGAN file (inputs mask, code)")
    size = int(details["mask"]["shape"][1])
    code_dim = int(details["code"]["shape"][-1])
    inputs = {}
    if "metadata" in details:
        try:
            card_inputs = {i["name"]: i for i in read_card(args.model)["inputs"]}
            names = card_inputs["metadata"]["names"]
        except (OSError, ValueError, KeyError):
            from keras_portrait.data import METADATA_NAMES as names  # noqa: PLC0415,N811
        inputs["metadata"] = _metadata(args.metadata, names)[None]
    elif args.metadata:
        raise SystemExit(f"error: {args.model} takes no metadata")
    if args.style:
        encoder_path = args.style_encoder or os.path.join(
            os.path.dirname(args.model), "style_encoder_fp32.tflite")
        if not os.path.isfile(encoder_path):
            raise SystemExit(f"error: --style needs the style encoder file: none at "
                             f"{encoder_path!r} (pass --style-encoder)")
        encoder = LiteRTRunner(encoder_path, num_threads=args.threads)
        image = _read_style(args.style, size)
        if encoder.input_dtype != np.uint8:
            image = image.astype(np.float32) / 255.0
        inputs["code"] = encoder(image[None])
    else:
        inputs["code"] = draw_code(code_dim, args.seed)
    output = runner(_read_mask(args.mask, size)[None], **inputs)[0]
    if output.dtype != np.uint8:
        output = np.round(np.clip(output, 0, 1) * 255).astype(np.uint8)
    return output


def synthesize(args):
    synthesize_with = (_synthesize_with_file if args.model.endswith(".tflite")
                       else _synthesize_with_model)
    image = synthesize_with(args)
    save_image(args.output, image)
    print(f"portrait written to {args.output}")
    return 0


def add_synthesize(parser):
    parser.add_argument("model", help="a GauGAN .keras file, or an exported generator .tflite")
    parser.add_argument("--mask", required=True,
                        help="PNG of class ids (gray levels 0-6: background, skin, hair, eyes, "
                             "brows, nose, mouth), as `prepare` and `render` write them")
    parser.add_argument("--metadata", nargs="+", default=None, metavar="NAME=VALUE",
                        help="e.g. age=0.3 gender=1 glasses=1 (values in [0, 1]; unnamed: 0)")
    parser.add_argument("--style", default=None,
                        help="an image whose style (encoder mean) to use; default: a code "
                             "drawn N(0, 1) from --seed")
    parser.add_argument("--style-encoder", default=None,
                        help=".tflite: the style encoder file (default: "
                             "style_encoder_fp32.tflite beside MODEL)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawn style code")
    parser.add_argument("-o", "--output", required=True, help="the PNG to write")
    parser.add_argument("--threads", type=int, default=2, help="LiteRT threads")
