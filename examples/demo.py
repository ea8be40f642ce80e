"""The keras_portrait demo on the embedded SynthPortraits: no download, a few minutes on 2 cores.

Writes into --out:
- synth_portraits_sheet.png: SynthPortraits' contact sheet (identities × expressions, poses,
  styles, attributes);
- synth_dataset/: a small labelled dataset (images/, masks/, labels.json) and the folder scan's
  report over it (scan_report.json);
- dcgan/: a DCGAN trained on SynthPortraits at 64² for about --train-minutes: sample grids of
  every epoch, log.json, model.keras.
Run it with `make demo`; rerunning continues the DCGAN run where it stopped (more epochs with
--epochs).
"""

import argparse
import os
import time

import keras_portrait as kp


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo_out")
    parser.add_argument("--count", type=int, default=200, help="portraits in the small dataset")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=7,
                        help="DCGAN epochs of 64 steps (a few minutes on 2 cores)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    written = []

    start = time.perf_counter()
    sheet_path = os.path.join(args.out, "synth_portraits_sheet.png")
    kp.save_image(sheet_path, kp.data.contact_sheet())
    written.append((sheet_path, f"contact sheet ({time.perf_counter() - start:.0f} s)"))

    start = time.perf_counter()
    data_dir = os.path.join(args.out, "synth_dataset")
    kp.data.write_synth_folder(data_dir, count=args.count, size=args.size)
    written.append((data_dir, f"{args.count} portraits + masks + labels.json "
                              f"({time.perf_counter() - start:.0f} s)"))
    report_path = os.path.join(args.out, "scan_report.json")
    report = kp.data.scan_folder(os.path.join(data_dir, "images"), report_path=report_path,
                                 verbose=False)
    print(report.summary())
    written.append((report_path, "folder scan report of the dataset"))

    start = time.perf_counter()
    run_dir = os.path.join(args.out, "dcgan")
    # A half-width DCGAN: face-like samples (heads, hair, shoulders) appear after about 400
    # steps of batch 32; at 128 steps the samples are still noise.
    dataset = kp.data.synth_portraits(family="dcgan", image_size=64, batch_size=32,
                                      num_examples=2048, cache=True, seed=0)
    gan = kp.DCGAN(image_size=64, latent_dim=100, filters=32, seed=0)
    kp.train(gan, dataset, run_dir, epochs=args.epochs, steps_per_epoch=64, num_samples=36)
    written.append((run_dir, f"DCGAN 64², {args.epochs} epochs of 64 steps: samples_epoch_*.png, "
                             f"log.json, model.keras ({time.perf_counter() - start:.0f} s)"))

    print("\nThe demo wrote:")
    for path, what in written:
        print(f"  {path}: {what}")


if __name__ == "__main__":
    main()
