import json
import os

import cv2
import numpy as np
import pytest

from keras_portrait import cli
from keras_portrait.data import SynthPortraits
from keras_portrait.data import labeled
from keras_portrait.face import prepare
from keras_portrait.face.detection import Face
from keras_portrait.face.prepare import face_meshes
from keras_portrait.face.prepare import prepare_folder

pytest.importorskip("ai_edge_litert")


def _folder(tmp_path):
    """Two portraits (one in a sub-folder, one painted), a picture without a face, a broken
    file and a non-image file."""
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    portraits = SynthPortraits(seed=3)
    truth = {}
    for name, style, yaw in (("a.png", "photo", 10.0), ("sub/b.jpg", "painting", -20.0)):
        render = portraits.render(identity=2, yaw=yaw, style=style, size=256)
        cv2.imwrite(str(src / name), render["image"][:, :, ::-1])
        truth[name] = render["pose"]
    cv2.imwrite(str(src / "wall.png"), np.full((200, 300, 3), 128, np.uint8))
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    (src / "notes.txt").write_text("not an image")
    return src, truth


def test_prepare_writes_a_dataset_and_reports_what_it_skipped(tmp_path):
    src, truth = _folder(tmp_path)
    dst = tmp_path / "dst"
    # Metadata for a.png and for wall.png (no face), none for sub/b.jpg.
    (tmp_path / "meta.csv").write_text("file,age,gender,glasses\na.png,49,male,yes\n"
                                       "wall.png,30,0,0\n")
    report = prepare_folder(str(src), str(dst), size=64, progress=False,
                            metadata=str(tmp_path / "meta.csv"))
    assert report["sources"] == 4 and report["crops"] == 2
    assert report["metadata"] == {"crops_with_metadata": 1,
                                  "crops_without_metadata": ["images/sub/b.png"],
                                  "rows_without_crop": ["wall.png"]}
    assert (dst / "metadata.csv").read_text().splitlines() == [
        "file,age,gender,glasses", "images/a.png,0.5,1,1"]
    assert sorted((s["source"], s["reason"].split(":")[0]) for s in report["skipped"]) == [
        ("broken.png", "unreadable"), ("wall.png", "no face found")]
    with open(dst / "labels.json") as f:
        records = {r["source"]: r for r in json.load(f)}
    assert set(records) == {"a.png", "sub/b.jpg"}
    for source, record in records.items():
        crop = cv2.imread(str(dst / record["file"]))
        mask = cv2.imread(str(dst / record["mask"]), cv2.IMREAD_UNCHANGED)
        points = np.load(dst / record["landmarks"])
        assert crop.shape == (64, 64, 3) and mask.shape == (64, 64) and points.shape == (468, 3)
        assert set(np.unique(mask)) >= {1, 3, 6}  # skin, eyes, mouth at least
        # The crop is aligned (eyes level): its pose keeps the yaw, loses the roll.
        assert abs(record["pose"][0] - truth[source][0]) < 10
        assert abs(record["pose"][2]) < 5
        assert len(record["landmarks_68"]) == 68 and np.array(record["matrix"]).shape == (2, 3)
    assert records["sub/b.jpg"]["file"] == "images/sub/b.png"
    # labels.csv is a labelled dataset of the crops and their poses.
    dataset = labeled(str(dst / "labels.csv"), image_size=64, batch_size=2, shuffle=False,
                      verbose=False)
    images, poses = next(iter(dataset))
    assert images.shape == (2, 64, 64, 3) and dataset.attribute_names == ["yaw", "pitch", "roll"]


def test_prepare_checks_the_metadata_before_reading_a_picture(tmp_path):
    src, _ = _folder(tmp_path)
    (tmp_path / "bad.csv").write_text("file,age,gender,glasses\na.png,49,robot,1\n")
    with pytest.raises(SystemExit, match=r"line 2 \(a.png\): gender 'robot'"):
        cli.main(["prepare", str(src), str(tmp_path / "dst"), "--metadata",
                  str(tmp_path / "bad.csv")])
    assert not (tmp_path / "dst").exists()
    with pytest.raises(ValueError, match="one person per picture"):
        prepare_folder(str(src), str(tmp_path / "dst"), all_faces=True,
                       metadata=str(tmp_path / "bad.csv"))


def test_prepare_resumes_after_an_interruption(tmp_path, capsys):
    src, _ = _folder(tmp_path)
    dst = tmp_path / "dst"
    args = ["prepare", str(src), str(dst), "--size", "48", "--no-masks"]
    assert cli.main(args) == 0
    assert "2 face crops from 4 images" in capsys.readouterr().out
    journal = dst / "prepare_log.jsonl"
    lines = journal.read_text().splitlines()
    # A kill while writing the last entry leaves a cut line: that source is redone, the others
    # are not.
    journal.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:10])
    os.remove(dst / "images" / "a.png")
    assert cli.main(args) == 0
    redone = [line for line in journal.read_text().splitlines() if line.startswith('{"source"')]
    sources = [json.loads(line)["source"] for line in redone if line.endswith("}")]
    assert sources == ["a.png", "broken.png", "sub/b.jpg", "wall.png"]
    assert redone[:3] == lines[:3]
    # a.png was finished before the interruption, so it was not redone: its crop stays removed.
    assert not (dst / "images" / "a.png").exists()
    assert (dst / "images" / "sub" / "b.png").exists() and not (dst / "masks").exists()


def _fake_face(side):
    return Face(np.array([0, 0, side, side], np.float32), 0.9, np.zeros((5, 2), np.float32))


def test_face_meshes_takes_the_largest_face_the_landmark_model_accepts(monkeypatch):
    big, middle, small = _fake_face(90), _fake_face(60), _fake_face(30)
    meshes = {90: None, 60: np.ones((468, 3), np.float32), 30: np.zeros((468, 3), np.float32)}
    asked = []

    def fake_landmarks(image, face):
        asked.append(face.width)
        return meshes[face.width]

    monkeypatch.setattr(prepare, "face_landmarks", fake_landmarks)
    monkeypatch.setattr(prepare, "detect_faces", lambda image, **kwargs: [big, middle, small])
    image = np.zeros((8, 8, 3), np.uint8)
    [(face, points)] = face_meshes(image)
    assert face is middle and points is meshes[60]
    assert asked == [90, 60]  # the smaller face is never measured
    found = face_meshes(image, all_faces=True)
    assert [(f, p) for f, p in found] == [(big, None), (middle, meshes[60]), (small, meshes[30])]
    meshes[60] = meshes[30] = None
    assert face_meshes(image) == [(big, None)]  # all rejected: the largest, reported
    monkeypatch.setattr(prepare, "detect_faces", lambda image, **kwargs: [])
    assert face_meshes(image) == []


def test_prepare_crops_a_small_face_of_a_scene(tmp_path):
    render = SynthPortraits(seed=3).render(identity=2, yaw=10.0, style="painting", size=256)
    side = round(256 * 40 / np.ptp(render["landmarks_2d"][:, 0]))  # a 40 px wide face
    scene = np.full((500, 500, 3), 120, np.uint8)
    scene[200:200 + side, 150:150 + side] = cv2.resize(render["image"], (side, side),
                                                       interpolation=cv2.INTER_AREA)
    (tmp_path / "src").mkdir()
    cv2.imwrite(str(tmp_path / "src" / "scene.png"), scene[:, :, ::-1])
    report = prepare_folder(str(tmp_path / "src"), str(tmp_path / "dst"), size=64, masks=False,
                            progress=False)
    assert report["crops"] == 1 and report["skipped"] == []
    with open(tmp_path / "dst" / "labels.json") as f:
        [record] = json.load(f)
    box = np.array(record["box"])
    assert np.all(box[:2] >= [150, 200]) and np.all(box[2:] <= [150 + side, 200 + side])
    assert abs(record["pose"][0] - 10.0) < 15 and abs(record["pose"][2]) < 5
