import json
import os
import pathlib

import numpy as np
import pytest
from PIL import Image

from keras_portrait.data import image_folder, unpaired
from keras_portrait.data.splits import (
    SPLIT_NAMES, read_split, split_crops, split_files, split_of, write_split,
)

NAMES = [f"{c}.jpg" for c in "abcdefghijkl"]
REAL = "/work/shared/data/real"
REPO = pathlib.Path(__file__).resolve().parents[2]
REAL_SPLIT = REPO / "benchmarks" / "splits" / "real_faces.json"


def test_fixed_names_give_the_recorded_split():
    # sha256("0:a.jpg")[:8] / 2**64 = 0.1762 (< 0.8: train); "0:c.jpg" falls in [0.8, 0.9).
    assert split_files(NAMES) == {
        "train": ["a.jpg", "b.jpg", "d.jpg", "e.jpg", "g.jpg", "i.jpg", "j.jpg", "k.jpg", "l.jpg"],
        "validation": ["c.jpg", "h.jpg"],
        "test": ["f.jpg"],
    }
    assert split_files(reversed(NAMES), (0.5, 0.25, 0.25), seed=1) == {
        "train": ["a.jpg", "c.jpg", "e.jpg", "f.jpg", "g.jpg", "h.jpg", "j.jpg", "k.jpg", "l.jpg"],
        "validation": ["d.jpg"],
        "test": ["b.jpg", "i.jpg"],
    }
    assert split_of("c.jpg") == "validation" and split_of("b.jpg", (0.5, 0.25, 0.25), 1) == "test"


def test_fractions_are_kept_on_many_names():
    names = [f"person_{i:05d}/photo.png" for i in range(10_000)]
    for fractions in ((0.8, 0.1, 0.1), (0.6, 0.0, 0.4)):
        split = split_files(names, fractions, seed=3)
        for part, fraction in zip(SPLIT_NAMES, fractions):
            assert abs(len(split[part]) / len(names) - fraction) < 0.012, (part, fractions)


def test_adding_or_removing_names_keeps_every_other_assignment():
    old = [f"img_{i}.png" for i in range(500)]
    new = old[100:] + [f"new_{i}.png" for i in range(300)]
    where = {n: part for part, names in split_files(old, seed=7).items() for n in names}
    after = {n: part for part, names in split_files(new, seed=7).items() for n in names}
    assert all(after[n] == where[n] for n in old[100:])
    assert split_files(old, seed=8) != split_files(old, seed=7)


def test_a_group_shares_one_split():
    groups = {"a.jpg": "g", "b.jpg": "g", "c.jpg": "g"}
    split = split_files(NAMES, (0.5, 0.25, 0.25), seed=1, groups=groups)
    assert split_of("g", (0.5, 0.25, 0.25), 1) == "train"
    assert {"a.jpg", "b.jpg", "c.jpg"} <= set(split["train"])
    assert split["test"] == ["i.jpg"]  # b.jpg left test with its group; the rest did not move


def test_write_and_read_round_trip(tmp_path):
    flat = split_files(NAMES)
    nested = {"photos": flat, "paintings": split_files(["x/1.png", "y/2.png"])}
    for split in (flat, nested):
        path = tmp_path / "sub" / "split.json"
        write_split(path, split, seed=0, fractions=[0.8, 0.1, 0.1])
        content = read_split(path)
        assert content == {"seed": 0, "fractions": [0.8, 0.1, 0.1], "splits": split}


@pytest.mark.parametrize("fractions", [(0.8, 0.1), (0.8, 0.3, 0.1), (1.2, -0.1, -0.1),
                                       (0.5, 0.5, "x"), None])
def test_bad_fractions_are_refused(fractions):
    with pytest.raises(ValueError, match="fractions"):
        split_files(NAMES, fractions)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unique"):
        split_files(["a.png", "b.png", "a.png"])
    with pytest.raises(ValueError, match="str"):
        split_files(["a.png", 3])
    with pytest.raises(ValueError, match="seed"):
        split_files(NAMES, seed="0")
    with pytest.raises(ValueError, match="splits"):
        write_split(tmp_path / "s.json", split_files(NAMES), splits=1)
    with pytest.raises(ValueError, match="keys"):
        write_split(tmp_path / "s.json", {"train": ["a"], "test": ["b"]})
    (tmp_path / "other.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a split file"):
        read_split(tmp_path / "other.json")


def _prepared_folder(root, sources):
    """A folder as `keras-portrait prepare` writes it: images/<source>.png, labels.json."""
    records = []
    for i, source in enumerate(sources):
        file = "images/" + os.path.splitext(source)[0] + ".png"
        os.makedirs(os.path.dirname(os.path.join(root, file)), exist_ok=True)
        Image.fromarray(np.full((20, 20, 3), 10 * i, np.uint8)).save(os.path.join(root, file))
        records.append({"file": file, "source": source, "face_index": 0})
    with open(os.path.join(root, "labels.json"), "w") as f:
        json.dump(records, f)
    return str(root)


def test_split_crops_restrict_the_folder_readers(tmp_path):
    sources = [f"{c}.jpg" for c in "abcdef"]
    folder = _prepared_folder(tmp_path / "faces", sources[:4])  # e, f: no face found
    split = split_files(sources, (0.5, 0.25, 0.25), seed=1)
    assert split == {"train": ["a.jpg", "c.jpg", "e.jpg", "f.jpg"], "validation": ["d.jpg"],
                     "test": ["b.jpg"]}
    train = split_crops(folder, split, "train")
    assert train == [os.path.join(folder, "images", n) for n in ("a.png", "c.png")]
    dataset = image_folder(folder, image_size=8, batch_size=1, shuffle=False, verbose=False,
                           files=train)
    levels = [round((float(x.numpy().mean()) + 1) * 127.5) for x in dataset]
    assert levels == [0, 20]  # a and c, not b or d
    relative = image_folder(folder, image_size=8, shuffle=False, verbose=False,
                            files=["images/d.png"])
    assert len(list(relative)) == 1
    pairs = unpaired(folder, folder, image_size=8, batch_size=1, verbose=False,
                     files_a=train, files_b=split_crops(folder, split, "test"))
    assert [len(r.usable) for r in pairs.scan_reports] == [2, 1] and len(list(pairs)) == 2


def test_split_crops_refuses_crops_of_unlisted_sources(tmp_path):
    folder = _prepared_folder(tmp_path / "faces", ["a.jpg", "new.jpg"])
    with pytest.raises(ValueError, match="in no split"):
        split_crops(folder, split_files(["a.jpg", "b.jpg"]), "train")
    with pytest.raises(ValueError, match="part"):
        split_crops(folder, split_files(["a.jpg", "new.jpg"]), "val")


@pytest.mark.skipif(not os.path.isdir(REAL), reason=f"the real pictures ({REAL}) are absent")
def test_real_split_lists_every_picture_once_as_split_files_would():
    content = read_split(REAL_SPLIT)
    for source, split in content["splits"].items():
        folder = os.path.join(REAL, source)
        on_disk = sorted(os.path.relpath(os.path.join(d, f), folder).replace(os.sep, "/")
                         for d, _, files in os.walk(folder) for f in files)
        assert sorted(n for part in split.values() for n in part) == on_disk, source
        groups = {n: min(same) for same in content["duplicates"][source] for n in same}
        assert split_files(on_disk, content["fractions"], content["seed"], groups) == split
