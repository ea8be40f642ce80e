"""Stable train/validation/test splits by file name, kept in JSON files (`write_split`).

A name's split depends only on the name (or its group), the seed and the fractions: the name is
hashed with the seed into [0, 1) and the fractions cut that interval. Adding or removing files
never moves another file to another split, so a split written once stays valid while the data
grows, and crops regenerated from the same pictures land in the same splits.

The readers take one split's files: `image_folder(folder, files=split["train"])` for the
names of a folder's own files, `image_folder(prepared, files=split_crops(prepared, split,
"train"))` for the face crops `keras-portrait prepare` made of them.
"""

import collections
import hashlib
import json
import os

SPLIT_NAMES = ("train", "validation", "test")


def split_files(names, fractions=(0.8, 0.1, 0.1), seed=0, groups=None):
    """Splits `names` by hashing each one with `seed`: `{"train", "validation", "test"}` → names.

    Args:
        names: iterable of str. Unique file names, e.g. paths relative to the data's folder.
        fractions: (train, validation, test) floats in [0, 1] summing to 1. Defaults to
            `(0.8, 0.1, 0.1)`.
        seed: int. Another seed gives another, independent split. Defaults to `0`.
        groups: dict or None. A name's group key (str): names of a group are hashed by the
            key, so they share a split (duplicates of one picture, pictures of one person).
            Names not in it are their own group. Defaults to `None`.

    Returns:
        dict of the three split names → sorted lists of names.
    """
    fractions = _check_fractions(fractions)
    _check_seed(seed)
    names = list(names)
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise ValueError(f"`names` must be str. Received: {bad[:3]}")
    repeated = sorted(n for n, count in collections.Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(f"`names` must be unique. Received repeated names: {repeated[:5]}")
    groups = {} if groups is None else groups
    split = {part: [] for part in SPLIT_NAMES}
    for name in sorted(names):
        split[_assign(str(groups.get(name, name)), fractions, seed)].append(name)
    return split


def split_of(name, fractions=(0.8, 0.1, 0.1), seed=0):
    """The split (`"train"`, `"validation"` or `"test"`) of one name (or group key)."""
    return _assign(name, _check_fractions(fractions), _check_seed(seed))


def write_split(path, split, **info):
    """Writes `split` and `info` (seed, fractions, how it was made, ...) as JSON at `path`.

    Args:
        path: str. The JSON file; its folder is created.
        split: dict. Split names → lists of names, or sources → such dicts (one split per
            source folder).
        **info: JSON-safe values written beside `"splits"`.
    """
    if "splits" in info:
        raise ValueError("`info` cannot have a key 'splits': that is where `split` is written.")
    _check_split(split)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({**info, "splits": _sorted(split)}, f, indent=1)
        f.write("\n")


def read_split(path):
    """Reads a file of `write_split`: the info keys plus `"splits"`, checked."""
    with open(path) as f:
        content = json.load(f)
    if not isinstance(content, dict) or "splits" not in content:
        raise ValueError(f"{path!r} is not a split file (no 'splits' key).")
    _check_split(content["splits"])
    return content


def split_crops(prepared_folder, split, part):
    """Paths of the crops of a `keras-portrait prepare` folder whose source picture is in
    `split[part]`: usable as `files` of `keras_portrait.data.image_folder`.

    Crops are matched by the `"source"` of the folder's `labels.json`, so the crops of one
    picture are always in one split, whichever detector made them.

    Args:
        prepared_folder: str. Has `labels.json` (records with `"file"` and `"source"`).
        split: dict. Split names → source names (relative to the folder prepare read).
        part: str. One of `"train"`, `"validation"`, `"test"`.

    Returns:
        sorted list of absolute paths of crops.

    Raises:
        ValueError: a crop's source is in no split (the split is older than the data: write
            it again; a stable split keeps every other assignment).
    """
    if part not in SPLIT_NAMES:
        raise ValueError(f"`part` must be one of {SPLIT_NAMES}. Received: part={part!r}")
    if not isinstance(split, dict) or set(split) != set(SPLIT_NAMES):
        received = sorted(split) if isinstance(split, dict) else split
        raise ValueError(f"`split` must have exactly the keys {SPLIT_NAMES} (one source's "
                         f"split). Received: {received!r}")
    _check_split(split)
    with open(os.path.join(prepared_folder, "labels.json")) as f:
        records = json.load(f)
    listed = {name for names in split.values() for name in names}
    unlisted = sorted({r["source"] for r in records} - listed)
    if unlisted:
        raise ValueError(f"{len(unlisted)} sources of crops in {prepared_folder!r} are in no "
                         f"split, e.g. {unlisted[:3]}: write the split again from the sources.")
    wanted = set(split[part])
    root = os.path.abspath(prepared_folder)
    return sorted(os.path.join(root, r["file"]) for r in records if r["source"] in wanted)


def _assign(key, fractions, seed):
    digest = hashlib.sha256(f"{seed}:{key}".encode("utf-8")).digest()
    position = int.from_bytes(digest[:8], "big") / 2.0**64
    bound = 0.0
    for part, fraction in zip(SPLIT_NAMES[:-1], fractions[:-1]):
        bound += fraction
        if position < bound:
            return part
    return SPLIT_NAMES[-1]


def _check_fractions(fractions):
    try:
        values = tuple(float(f) for f in fractions)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 3 or min(values) < 0 or max(values) > 1 or abs(sum(values) - 1) > 1e-6:
        raise ValueError("`fractions` must be 3 numbers in [0, 1] (train, validation, test) "
                         f"summing to 1. Received: fractions={fractions!r}")
    return values


def _check_seed(seed):
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"`seed` must be an int. Received: seed={seed!r}")
    return seed


def _check_split(split):
    """A split is {train, validation, test} → names, or a dict of such splits (per source)."""
    if not isinstance(split, dict):
        raise ValueError(f"A split must be a dict. Received: {type(split).__name__}")
    if set(split) == set(SPLIT_NAMES):
        if not all(isinstance(v, list) and all(isinstance(n, str) for n in v)
                   for v in split.values()):
            raise ValueError("Each split must be a list of names (str).")
        return
    for key, value in split.items():
        if not isinstance(value, dict) or set(value) != set(SPLIT_NAMES):
            raise ValueError(f"A split needs exactly the keys {SPLIT_NAMES}, or one such split "
                             f"per source. Received key {key!r} with {type(value).__name__}.")
        _check_split(value)


def _sorted(split):
    return {k: sorted(v) if isinstance(v, list) else _sorted(v) for k, v in split.items()}
