"""`make_rotation_pairs` / `keras-portrait make-rotation-pairs`: a folder of portraits → pairs,
with skipped pictures reported and resumable runs; `draw_turn`."""

import csv
import json
import shutil

import cv2
import numpy as np
import pytest

from keras_portrait import cli
from keras_portrait.data import SynthPortraits
from keras_portrait.models.rotation import rotation_pairs
from keras_portrait.face.rotation_pairs import draw_turn
from keras_portrait.face.rotation_pairs import make_rotation_pairs

pytest.importorskip("ai_edge_litert")


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    """A photo, a painting in a sub-folder, a picture without a face and a broken file."""
    src = tmp_path_factory.mktemp("portraits")
    (src / "sub").mkdir()
    portraits = SynthPortraits(seed=3)
    for name, style, yaw in (("a.png", "photo", 10.0), ("sub/b.jpg", "painting", -15.0)):
        render = portraits.render(identity=2, yaw=yaw, style=style, size=192)
        cv2.imwrite(str(src / name), render["image"][:, :, ::-1])
    cv2.imwrite(str(src / "wall.png"), np.full((120, 160, 3), 128, np.uint8))
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    return src


def test_pairs_are_written_and_skips_reported(src, tmp_path):
    dst = tmp_path / "pairs"
    report = make_rotation_pairs(str(src), str(dst), size=64, pairs_per_image=2,
                                 progress=False)
    assert (report["sources"], report["images"], report["pairs"]) == (4, 2, 4)
    assert sorted((s["source"], s["reason"].split(":")[0]) for s in report["skipped"]) == [
        ("broken.png", "unreadable"), ("wall.png", "no face found")]
    assert 0.01 < report["mean_hole_fraction"] < 0.5
    with open(dst / "pairs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and rows[2]["target"] == "targets/sub/b.png"
    for row in rows:
        render = cv2.imread(str(dst / row["render"]))
        holes = cv2.imread(str(dst / row["holes"]), cv2.IMREAD_UNCHANGED)
        target = cv2.imread(str(dst / row["target"]))
        assert render.shape == target.shape == (64, 64, 3) and holes.shape == (64, 64)
        assert set(np.unique(holes)) <= {0, 255} and (render[holes > 0] == 0).all()
        # The turn is at least 15 degrees within ±60; where there is texture it is the target's.
        assert 15.0 <= abs(float(row["turned_yaw"]) - float(row["source_yaw"]))
        assert abs(float(row["turned_yaw"])) <= 60.0 + 1e-6
        kept = np.abs(render.astype(int) - target)[holes == 0]
        assert kept.mean() < 12.0, kept.mean()
    # The reader gives float batches with 1 where the holes are.
    dataset = rotation_pairs(str(dst), batch_size=4, shuffle=False)
    batch = next(iter(dataset))
    assert batch["render"].shape == (4, 64, 64, 3) and batch["holes"].shape == (4, 64, 64, 1)
    holes = cv2.imread(str(dst / rows[0]["holes"]), cv2.IMREAD_UNCHANGED) > 0
    np.testing.assert_array_equal(batch["holes"][0, ..., 0].numpy() > 0.5, holes)
    assert -1.0 <= float(np.min(batch["target"])) and float(np.max(batch["target"])) <= 1.0
    # A folder of pairs folders (one per source, found recursively) or a list reads as one.
    parent = tmp_path / "sources"
    for name in ("photos", "paintings/louvre"):
        shutil.copytree(dst, parent / name)
    for path in (str(parent), [str(parent / "photos"), str(parent / "paintings/louvre")]):
        assert sum(1 for _ in rotation_pairs(path, batch_size=None, shuffle=False)) == 8
    with pytest.raises(FileNotFoundError, match="make-rotation-pairs"):
        rotation_pairs(str(tmp_path / "nothing"))


def test_resumed_run_writes_what_one_run_writes(src, tmp_path, capsys):
    dst = tmp_path / "pairs"
    args = ["make-rotation-pairs", str(src), str(dst), "--size", "48", "--pairs-per-image",
            "1"]
    assert cli.main(args) == 0
    assert "2 rotation pairs from 2 of 4 images" in capsys.readouterr().out
    first = (dst / "pairs.csv").read_text()
    journal = dst / "rotation_pairs_log.jsonl"
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:10])  # a kill mid-line
    assert cli.main(args) == 0
    assert (dst / "pairs.csv").read_text() == first
    entries = [json.loads(line) for line in journal.read_text().splitlines()
               if line.endswith("}")]
    assert [e["source"] for e in entries] == ["a.png", "broken.png", "sub/b.jpg", "wall.png"]


def test_missing_files_are_skipped_with_a_warning(src, tmp_path):
    dst = tmp_path / "pairs"
    make_rotation_pairs(str(src), str(dst), size=48, pairs_per_image=1, progress=False)
    with open(dst / "pairs.csv", newline="") as f:
        first = next(csv.DictReader(f))
    (dst / first["render"]).unlink()
    with pytest.warns(UserWarning, match="1 rotation pair"):
        dataset = rotation_pairs(str(dst), batch_size=None)
    assert len(dataset.missing) == 1 and len(list(dataset)) == 1
    with pytest.raises(FileNotFoundError, match="make-rotation-pairs"):
        rotation_pairs(str(tmp_path / "nowhere"))


def test_draw_turn_keeps_away_from_the_source_yaw():
    rng = np.random.default_rng(0)
    yaws = [draw_turn(rng, 10.0, (-60.0, 60.0), 15.0) for _ in range(500)]
    assert min(abs(y - 10.0) for y in yaws) >= 15.0
    assert min(yaws) >= -60 and max(yaws) <= 60
    assert -60 < min(yaws) < -50 and 50 < max(yaws) < 60  # both sides drawn
    # When the whole range is too close, the farther end is taken.
    assert draw_turn(rng, 5.0, (0.0, 10.0), 15.0) == 0.0


def test_pairs_with_the_hair_sheet(src, tmp_path):
    """`--hair`: the same pictures and turns, with the hair beyond the outline turned too: the
    background it covered opens as holes, so the pairs' holes differ from the plain ones."""
    plain = make_rotation_pairs(str(src), str(tmp_path / "plain"), size=96, progress=False)
    assert cli.main(["make-rotation-pairs", str(src), str(tmp_path / "hair"), "--size", "96",
                     "--hair"]) == 0
    with open(tmp_path / "hair" / "rotation_pairs_report.json") as f:
        hair = json.load(f)
    assert (hair["images"], hair["pairs"]) == (plain["images"], plain["pairs"])
    differ = 0
    with open(tmp_path / "plain" / "pairs.csv", newline="") as f:
        for row in csv.DictReader(f):
            a = cv2.imread(str(tmp_path / "plain" / row["holes"]), cv2.IMREAD_UNCHANGED)
            b = cv2.imread(str(tmp_path / "hair" / row["holes"]), cv2.IMREAD_UNCHANGED)
            differ += int((a != b).sum())
    assert differ > 20
