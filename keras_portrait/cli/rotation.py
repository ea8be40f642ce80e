"""`keras-portrait` for face rotation: Rotate-and-Render pairs of a folder."""

import sys


def add_make_pairs(parser):
    parser.add_argument("src", help="folder of portraits, photos or paintings (recursive)")
    parser.add_argument("dst", help="pairs folder; rerun to resume")
    parser.add_argument("--size", type=int, default=256, help="side of the aligned crops")
    parser.add_argument("--pairs-per-image", type=int, default=2)
    parser.add_argument("--yaw-range", type=float, nargs=2, default=(-60.0, 60.0),
                        metavar=("LOW", "HIGH"), help="yaw of the turned view, degrees")
    parser.add_argument("--min-turn", type=float, default=15.0, help="smallest turn, degrees")
    parser.add_argument("--template", default="ffhq", choices=["ffhq", "tight"])
    parser.add_argument("--min-score", type=float, default=0.5, help="detection threshold")
    parser.add_argument("--seed", type=int, default=0)


def make_pairs(args):
    from keras_portrait.face.rotation_pairs import make_rotation_pairs  # noqa: PLC0415

    report = make_rotation_pairs(
        args.src, args.dst, size=args.size, pairs_per_image=args.pairs_per_image,
        yaw_range=tuple(args.yaw_range), min_turn=args.min_turn, template=args.template,
        min_score=args.min_score, seed=args.seed)
    for item in report["skipped"]:
        print(f"skipped {item['source']}: {item['reason']}", file=sys.stderr)
    print(f"{report['pairs']} rotation pairs from {report['images']} of {report['sources']} "
          f"images written to {args.dst} ({len(report['skipped'])} skipped, see "
          f"rotation_pairs_report.json)")
    return 0 if report["pairs"] else 1
