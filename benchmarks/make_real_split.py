"""Writes the train/validation/test split of the real pictures: benchmarks/splits/real_faces.json.

Run:
    python benchmarks/make_real_split.py [--data /work/shared/data/real]

Every image file of each source folder (not only those a face was found in: the split does not
depend on the detector) is assigned by `keras_portrait.data.split_files`, which hashes its path
relative to the source folder with the seed, so adding or removing pictures never moves another
one. Files with identical bytes are one group (UTKFace holds a few pictures twice under two
names), keyed by the first of their names. The crops of `keras-portrait prepare` name their
picture in `labels.json`'s "source": `keras_portrait.data.split_crops` selects one split's crops.
Only names are written, never pictures.
"""

import argparse
import collections
import hashlib
import os
import pathlib

from keras_portrait.data import split_files
from keras_portrait.data import write_split
from keras_portrait.imaging.reading import list_images

SOURCES = ("photos_pixabay", "photos_utkface", "paintings_louvre")
DEFAULT_OUT = pathlib.Path(__file__).resolve().parent / "splits" / "real_faces.json"


def source_names(folder):
    """Sorted paths (relative, '/'-separated) of the image files under `folder`."""
    return [os.path.relpath(p, folder).replace(os.sep, "/") for p in list_images(folder)]


def duplicate_groups(folder, names):
    """{name: group key} for files whose bytes another file repeats (key: the first name)."""
    by_digest = collections.defaultdict(list)
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            by_digest[hashlib.sha256(f.read()).hexdigest()].append(name)
    return {name: min(same) for same in by_digest.values() if len(same) > 1 for name in same}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/work/shared/data/real")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fractions", type=float, nargs=3, default=(0.8, 0.1, 0.1))
    args = parser.parse_args()

    splits, duplicates = {}, {}
    for source in SOURCES:
        folder = os.path.join(args.data, source)
        names = source_names(folder)
        groups = duplicate_groups(folder, names)
        splits[source] = split_files(names, args.fractions, args.seed, groups=groups)
        duplicates[source] = sorted(
            sorted(n for n in groups if groups[n] == key) for key in set(groups.values()))
        counts = {part: len(v) for part, v in splits[source].items()}
        print(f"{source}: {len(names)} files, {len(duplicates[source])} duplicate groups, {counts}")
    write_split(
        args.out, splits,
        seed=args.seed,
        fractions=list(args.fractions),
        method=("split_files: each file's path relative to its source folder, hashed with the "
                "seed (sha256) into [0, 1) and cut by the fractions; files with identical bytes "
                "hashed by the first of their names, so they share a split"),
        data="../shared/data/real (relative to the project's root)",
        duplicates=duplicates,
        counts={s: {part: len(v) for part, v in splits[s].items()} for s in SOURCES},
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
