"""`keras-portrait check`, `render` and `prepare`: folders of pictures and SynthPortraits."""

import sys

from keras_portrait.command_line import add_face_crop_arguments
from keras_portrait.command_line import check_face_models
from keras_portrait.command_line import check_images
from keras_portrait.command_line import input_errors


def check(args):
    from keras_portrait.data import scan_folder  # noqa: PLC0415

    check_images(args.folder, "check")
    report = scan_folder(
        args.folder, report_path=args.report, verbose=False, require_usable=False
    )
    print(report.summary())
    if args.report:
        print(f"report written to {args.report}")
    return 0 if report.usable else 1


def render(args):
    from keras_portrait.data import write_synth_folder  # noqa: PLC0415

    write_synth_folder(args.out, count=args.count, size=args.size, style=args.style, seed=args.seed)
    print(f"wrote {args.count} portraits, their masks, labels.json and metadata.csv to "
          f"{args.out}")
    return 0


def prepare(args):
    from keras_portrait.face import prepare_folder  # noqa: PLC0415

    check_images(args.src, "prepare")
    check_face_models()
    with input_errors():
        report = prepare_folder(
            args.src, args.dst, size=args.size, all_faces=args.all_faces,
            template=args.template, masks=not args.no_masks, min_score=args.min_score,
            metadata=args.metadata,
        )
    for item in report["skipped"]:
        print(f"skipped {item['source']}: {item['reason']}", file=sys.stderr)
    if "metadata" in report:
        meta = report["metadata"]
        for file in meta["crops_without_metadata"]:
            print(f"no metadata row for {file}: left out of metadata.csv", file=sys.stderr)
        print(f"metadata.csv: {meta['crops_with_metadata']} crops "
              f"({len(meta['crops_without_metadata'])} without a row, "
              f"{len(meta['rows_without_crop'])} rows without a crop)")
    print(f"{report['crops']} face crops from {report['sources']} images written to "
          f"{args.dst} ({len(report['skipped'])} images skipped, see prepare_report.json)")
    return 0 if report["crops"] else 1


def add_prepare(parser):
    parser.add_argument("src", help="folder of pictures (searched recursively)")
    parser.add_argument("dst", help="dataset folder; rerun to resume")
    add_face_crop_arguments(parser)
    parser.add_argument("--all-faces", action="store_true",
                        help="crop every face of a picture, not only the largest")
    parser.add_argument("--no-masks", action="store_true",
                        help="skip the 7-class face masks (faster; the mask-to-portrait "
                             "family needs them)")
    parser.add_argument("--metadata", default=None,
                        help="CSV 'file,age,gender,glasses' of the pictures (file relative to "
                             "SRC, age in years, gender 0-1 or female/male, glasses 0/1 or "
                             "yes/no): writes DST/metadata.csv, the metadata the mask-to-"
                             "portrait family trains on")


def add_check(parser):
    parser.add_argument("folder", help="folder of images (searched recursively)")
    parser.add_argument("--report", default=None,
                        help="also write the full report, every file with its verdict, to "
                             "this JSON file")


def add_render(parser):
    from keras_portrait.data import STYLES  # noqa: PLC0415

    parser.add_argument("out", help="output folder")
    parser.add_argument("--count", type=int, default=64,
                        help="number of portraits (default: %(default)s)")
    parser.add_argument("--size", type=int, default=128,
                        help="side of the portraits in pixels (default: %(default)s)")
    parser.add_argument("--style", default=None, choices=STYLES,
                        help="the style of every portrait (default: drawn at random for each)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the sitters and their poses (default: %(default)s)")
