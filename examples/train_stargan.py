"""Train a StarGAN that turns a face into any of seven expressions, then evaluate and export it.

On your own faces (a folder with one sub-folder per expression, the layout of CK+/KDEF/MUG-style
and FER-style datasets: neutral/, happy/, sad/, surprise/, fear/, disgust/, angry/):

    keras-portrait prepare raw_faces/ faces/ --size 128      # detect + align (keeps sub-folders)
    python examples/train_stargan.py --data faces/images --out runs/sg --image-size 128

Without a folder it trains on SynthPortraits, which renders every sitter in every expression, so
the evaluation scores each translation against the true render of that sitter and expression:

    python examples/train_stargan.py --out runs/sg_synth --image-size 64 --epochs 20 \
        --framing face      # the face alone, as expression datasets frame it

Rerunning the same command resumes an interrupted run exactly (the `backup/` in the run folder).
The learning rate is constant for the first half of the epochs, then decays linearly to zero, as
in the paper.
"""

import argparse
import json
import os

import keras
import numpy as np

import keras_portrait as kp


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="folder with one sub-folder per expression")
    parser.add_argument("--out", required=True, help="run folder (rerun to resume)")
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--num-blocks", type=int, default=6)
    parser.add_argument("--residual", action="store_true",
                        help="the generator corrects its input (not the paper; docs/stargan.md)")
    parser.add_argument("--discriminator-layers", type=int, default=None,
                        help="default: 6 at 128², one fewer per halving of the size")
    parser.add_argument("--synth-examples", type=int, default=4096)
    parser.add_argument("--framing", choices=kp.data.FRAMINGS, default="portrait",
                        help="SynthPortraits framing: whole portraits or the face alone")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    size = args.image_size
    layers = args.discriminator_layers or max(1, int(np.log2(size)) - 1)

    if args.data:
        dataset = kp.data.labeled(args.data, image_size=size, batch_size=args.batch_size,
                                  seed=args.seed)
    else:
        dataset = kp.data.synth_portraits(family="stargan", image_size=size,
                                          batch_size=args.batch_size,
                                          num_examples=args.synth_examples, seed=args.seed,
                                          framing=args.framing)
    steps = args.steps_per_epoch or int(dataset.cardinality())
    gan = kp.StarGAN(num_domains=7, image_size=size, filters=args.filters,
                     num_blocks=args.num_blocks, residual=args.residual,
                     discriminator_layers=layers, seed=args.seed)
    half = max(args.epochs // 2, 1)

    def adam(updates_per_step):
        schedule = kp.LinearDecay(1e-4, constant_epochs=args.epochs - half, decay_epochs=half,
                                  steps_per_epoch=steps * updates_per_step)
        return keras.optimizers.Adam(schedule, beta_1=0.5, beta_2=0.999)

    gan.compile(g_optimizer=adam(1), d_optimizer=adam(gan.discriminator_steps))
    images, _ = next(iter(dataset))
    gan.set_sample_images(np.asarray(images)[:8])
    kp.train(gan, dataset, args.out, epochs=args.epochs, steps_per_epoch=steps, num_samples=8)

    # Held-out SynthPortraits sitters, each with its true render in every expression.
    report, sheet = kp.evaluate_expressions(gan, count=32, seed=args.seed + 1000,
                                         framing=args.framing)
    with open(os.path.join(args.out, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=1)
    kp.save_image(os.path.join(args.out, "evaluation.png"), sheet)

    cards = kp.export_generator(gan, os.path.join(args.out, "export"), image_size=size,
                                formats=("fp32",), representative_data=dataset.take(8),
                                name="expressions")
    for fmt, card in cards.items():
        print(f"{fmt}: {card['path']}, max |diff| vs Keras {card['parity_vs_keras']['max_abs']:.4f}")


if __name__ == "__main__":
    main()
