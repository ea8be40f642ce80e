"""The keras_portrait demo on the embedded SynthPortraits: no download, a few minutes on 2 cores.

Writes into --out: a contact sheet of SynthPortraits (identities × expressions, poses, styles,
attributes), a small labelled dataset of portraits with their masks, and the folder scan's report
over that dataset. Run it with `make demo`.
"""

import argparse
import os
import time

import cv2

from keras_portrait.data import contact_sheet, scan_folder, write_synth_folder


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo_out")
    parser.add_argument("--count", type=int, default=200, help="portraits in the small dataset")
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    written = []

    start = time.perf_counter()
    sheet_path = os.path.join(args.out, "synth_portraits_sheet.png")
    cv2.imwrite(sheet_path, contact_sheet(seed=0)[..., ::-1])
    written.append((sheet_path, f"contact sheet ({time.perf_counter() - start:.1f} s)"))

    start = time.perf_counter()
    data_dir = os.path.join(args.out, "synth_dataset")
    write_synth_folder(data_dir, count=args.count, size=args.size)
    written.append((data_dir, f"{args.count} portraits + masks + labels.json "
                              f"({time.perf_counter() - start:.1f} s)"))

    report_path = os.path.join(args.out, "scan_report.json")
    report = scan_folder(os.path.join(data_dir, "images"), report_path=report_path, verbose=False)
    print(report.summary())
    written.append((report_path, "folder scan report of the dataset"))

    print("\nThe demo wrote:")
    for path, what in written:
        print(f"  {path}: {what}")


if __name__ == "__main__":
    main()
