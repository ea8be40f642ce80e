"""`keras-portrait synthesize`: a portrait painted from a face mask by a GauGAN, its .keras
file or its exported .tflite files (generator and style encoder)."""

import os

import cv2
import numpy as np

from keras_portrait.command_line import CommandLineError
from keras_portrait.command_line import check_model_file
from keras_portrait.command_line import load_model
from keras_portrait.command_line import open_tflite
from keras_portrait.imaging.metadata import METADATA_NAMES


def _metadata(pairs, names):
    """The metadata vector of `--metadata name=value ...` (unnamed entries 0)."""
    vector = np.zeros(len(names), np.float32)
    for pair in pairs or ():
        name, _, value = pair.partition("=")
        if name not in names or not value:
            raise CommandLineError(f"--metadata takes NAME=VALUE with NAME one of "
                                   f"{', '.join(names)}. Received: {pair!r}")
        try:
            vector[list(names).index(name)] = float(value)
        except ValueError:
            raise CommandLineError(f"--metadata {pair!r}: the value is not a number") from None
    return vector


def _read_mask(path, size):
    mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise CommandLineError(f"cannot read the mask {path!r} (a PNG of class ids)")
    return cv2.resize(mask, (size, size), interpolation=cv2.INTER_NEAREST)


def _read_style(path, size):
    """The style image as uint8 RGB at `size`²."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise CommandLineError(f"cannot read the style image {path!r}")
    return cv2.resize(image[:, :, ::-1], (size, size), interpolation=cv2.INTER_AREA)


def draw_code(code_dim, seed):
    """The N(0, 1) style code of `seed`, as `GauGAN.style_codes(count=1, seed=seed)` draws it."""
    return np.random.default_rng(seed).standard_normal((1, code_dim)).astype(np.float32)


def _synthesize_with_model(args):
    from keras_portrait.models.gaugan.gaugan import GauGAN  # noqa: PLC0415

    model = load_model(args.model, (GauGAN,), "`synthesize` paints from masks with GauGAN "
                       "models; use `translate` or `rotate` on pictures")
    names = (METADATA_NAMES if model.metadata_dim == len(METADATA_NAMES)
             else [f"metadata{i}" for i in range(model.metadata_dim)])
    mask = _read_mask(args.mask, model.image_size)
    style = None
    if args.style:
        style = _read_style(args.style, model.image_size).astype(np.float32) / 127.5 - 1.0
    return model.synthesize(mask, _metadata(args.metadata, names), style_images=style,
                            seed=args.seed)[0]


def _file_metadata(args, details):
    """The metadata input of a .tflite generator, named as its card names them."""
    import keras_portrait as kp  # noqa: PLC0415

    if "metadata" not in details:
        if args.metadata:
            raise CommandLineError(f"{args.model} takes no metadata")
        return {}
    try:
        card_inputs = {i["name"]: i for i in kp.export.read_card(args.model)["inputs"]}
        names = card_inputs["metadata"]["names"]
    except (OSError, ValueError, KeyError):
        names = METADATA_NAMES
    return {"metadata": _metadata(args.metadata, names)[None]}


def _file_code(args, size, code_dim):
    """The style code: the style encoder's on `--style`, else drawn from `--seed`."""
    import keras_portrait as kp  # noqa: PLC0415

    if not args.style:
        return draw_code(code_dim, args.seed)
    encoder_path = args.style_encoder or os.path.join(
        os.path.dirname(args.model), "style_encoder_fp32.tflite")
    if not os.path.isfile(encoder_path):
        raise CommandLineError(f"--style needs the style encoder file: none at "
                               f"{encoder_path!r} (pass --style-encoder)")
    encoder = open_tflite(kp.LiteRTRunner, encoder_path, num_threads=args.threads)
    image = _read_style(args.style, size)
    if encoder.input_dtype != np.uint8:
        image = image.astype(np.float32) / 255.0
    return encoder(image[None])


def _synthesize_with_file(args):
    import keras_portrait as kp  # noqa: PLC0415

    runner = open_tflite(kp.LiteRTRunner, args.model, num_threads=args.threads)
    details = runner.inputs_details
    if "mask" not in details or "code" not in details:
        raise CommandLineError(f"{args.model} is not a GauGAN file (inputs mask, code)")
    size = int(details["mask"]["shape"][1])
    inputs = _file_metadata(args, details)
    inputs["code"] = _file_code(args, size, int(details["code"]["shape"][-1]))
    output = runner(_read_mask(args.mask, size)[None], **inputs)[0]
    if output.dtype != np.uint8:
        output = np.round(np.clip(output, 0, 1) * 255).astype(np.uint8)
    return output


def synthesize(args):
    import keras_portrait as kp  # noqa: PLC0415

    check_model_file(args.model)
    synthesize_with = (_synthesize_with_file if args.model.endswith(".tflite")
                       else _synthesize_with_model)
    image = synthesize_with(args)
    kp.save_image(args.output, image)
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
    parser.add_argument("--threads", type=int, default=2,
                        help=".tflite: CPU threads of LiteRT (default: %(default)s)")
