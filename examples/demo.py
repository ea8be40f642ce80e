"""The keras_portrait demo on the embedded SynthPortraits: no download, a few minutes on 2 cores.

Writes into --out:
- synth_portraits_sheet.png: SynthPortraits' contact sheet (identities × expressions, poses,
  styles, attributes);
- synth_dataset/: a small labelled dataset (images/, masks/, labels.json) and the folder scan's
  report over it (scan_report.json);
- dcgan/: a DCGAN trained on SynthPortraits at 64²: sample grids of every epoch, log.json,
  model.keras.
- cyclegan/: a reduced CycleGAN photo → painting at 64²: sample grids, evaluation.json and
  evaluation_*.png on held-out sitters (against their true painting renders), export/ with the
  fp32 and int8 .tflite files and their cards, tflite_sheet.png (held-out photos run through the
  .tflite files by LiteRT: input | Keras | TFLite fp32 | TFLite int8 | true painting) and
  tflite_parity.json.
Run it with `make demo`; rerunning continues the runs where they stopped (more epochs with
--epochs / --cyclegan-epochs).
"""

import argparse
import json
import os
import time

import numpy as np

import keras_portrait as kp


CYCLEGAN_SIZE = 64
CYCLEGAN_STEPS = 100
CYCLEGAN_EPOCHS = 3


def _cyclegan(run_dir, epochs):
    """Photo → painting on SynthPortraits, its evaluation, its TFLite files run through LiteRT."""
    dataset = kp.data.synth_portraits(family="cyclegan", image_size=CYCLEGAN_SIZE, batch_size=4,
                                      num_examples=1024, cache=True, seed=0)
    # Held-out sitters (another seed), each with its true painting render.
    photos, paintings = kp.data.synth_style_pairs(16, CYCLEGAN_SIZE, seed=1000)
    gan = kp.CycleGAN(filters=16, num_blocks=4, discriminator_filters=16, seed=0)
    # One device: XLA makes these small steps about 1.5x faster (1.3 s vs 1.8-2 s on 2 cores).
    gan.compile(jit_compile=True)
    gan.set_sample_images(photos[:8])
    kp.train(gan, dataset, run_dir, epochs=epochs, steps_per_epoch=CYCLEGAN_STEPS, num_samples=8,
             verbose=2)

    report, sheets = kp.evaluate_translation(gan, photos, paintings, paired=True)
    with open(os.path.join(run_dir, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=1)
    for direction, sheet in sheets.items():
        kp.save_image(os.path.join(run_dir, f"evaluation_{direction}.png"), sheet)

    cards = kp.export_generator(
        gan, os.path.join(run_dir, "export"), image_size=CYCLEGAN_SIZE, formats=("fp32", "int8"),
        representative_data=dataset.map(lambda a, b: a).take(32),
        card={"direction": "photo→painting"}, name="photo_to_painting",
    )
    inputs = kp.to_uint8(photos)
    columns = [inputs, gan.translate(photos)]
    parity = {}
    for fmt in ("fp32", "int8"):
        runner = kp.LiteRTRunner(cards[fmt]["path"])
        outputs = runner(inputs)
        columns.append(outputs)
        difference = np.abs(outputs.astype(int) - columns[1].astype(int))
        parity[fmt] = {"file": cards[fmt]["path"], "bytes": cards[fmt]["file_size_bytes"],
                       "max_abs_diff_vs_keras_uint8": int(difference.max()),
                       "mean_abs_diff_vs_keras_uint8": float(difference.mean()),
                       "card_parity": cards[fmt]["parity_vs_keras"]}
    parity["int8_size_vs_fp32"] = parity["int8"]["bytes"] / parity["fp32"]["bytes"]
    with open(os.path.join(run_dir, "tflite_parity.json"), "w") as f:
        json.dump(parity, f, indent=1)
    columns.append(kp.to_uint8(paintings))
    rows = np.stack(columns, axis=1)[:8]
    kp.save_image(os.path.join(run_dir, "tflite_sheet.png"),
                  kp.image_grid(rows.reshape(-1, *rows.shape[2:]), columns=len(columns)))
    print(f"CycleGAN held-out photo → painting: SSIM vs the true painting "
          f"{report['a2b']['translation_vs_truth']['ssim']['mean']:.3f} (untranslated photo: "
          f"{report['a2b']['input_vs_truth']['ssim']['mean']:.3f}); TFLite fp32 max |diff| "
          f"{parity['fp32']['max_abs_diff_vs_keras_uint8']}/255, int8 "
          f"{parity['int8']['max_abs_diff_vs_keras_uint8']}/255 at "
          f"{parity['int8_size_vs_fp32']:.2f}× the fp32 size")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo_out")
    parser.add_argument("--count", type=int, default=200, help="portraits in the small dataset")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=7,
                        help="DCGAN epochs of 64 steps (a few minutes on 2 cores)")
    parser.add_argument("--cyclegan-epochs", type=int, default=CYCLEGAN_EPOCHS,
                        help=f"CycleGAN epochs of {CYCLEGAN_STEPS} steps")
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

    start = time.perf_counter()
    run_dir = os.path.join(args.out, "cyclegan")
    _cyclegan(run_dir, args.cyclegan_epochs)
    written.append((run_dir, f"CycleGAN photo → painting 64², {args.cyclegan_epochs} epochs: "
                             "samples, evaluation, .tflite files, tflite_sheet.png "
                             f"({time.perf_counter() - start:.0f} s)"))

    print("\nThe demo wrote:")
    for path, what in written:
        print(f"  {path}: {what}")


if __name__ == "__main__":
    main()
