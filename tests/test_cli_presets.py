"""`keras-portrait translate` with a preset's name, `--face` and `--paste-back`."""

import json
import os

import cv2
import numpy as np
import pytest
from harness import FACE_PHOTOS
from harness import face_photos

import keras_portrait as kp
from keras_portrait import cli
from keras_portrait import presets

pytest.importorskip("ai_edge_litert")

NAME = "tiny-photo2painting-32"


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("presets")
    gan = kp.CycleGAN(filters=4, num_blocks=1, discriminator_filters=4, seed=0)
    gan(np.zeros((1, 32, 32, 3), np.float32))
    (folder / NAME).mkdir()
    gan.save(str(folder / NAME / "model.keras"))
    card = {"family": "cyclegan", "image_size": 32, "files": {"keras": "model.keras"}}
    (folder / NAME / "card.json").write_text(json.dumps(card))
    return folder, gan


@pytest.fixture
def with_preset(preset, monkeypatch):
    monkeypatch.setenv(presets.ENVIRONMENT, str(preset[0]))
    return preset[1]


def _photo_file(tmp_path, canvas=None):
    photo = face_photos("female_015248", size=256 if canvas is None else 128)[0]
    if canvas is not None:  # the photo small in the middle of a grey picture
        big = np.full((canvas, canvas, 3), 128, np.uint8)
        start = (canvas - 128) // 2
        big[start:start + 128, start:start + 128] = photo
        photo = big
    path = str(tmp_path / "me.png")
    cv2.imwrite(path, photo[:, :, ::-1])
    return path, photo


def test_a_preset_translates_the_aligned_face_at_its_size(with_preset, tmp_path, capsys):
    path, photo = _photo_file(tmp_path)
    out = str(tmp_path / "painting.png")
    assert cli.main(["translate", NAME, path, "--face", "-o", out]) == 0
    assert "32² (the size the preset was trained at), the face of each picture" in \
        capsys.readouterr().out
    crop = kp.face.face_crop(photo, size=32)
    expected = with_preset.translate(crop.image[None].astype(np.float32) / 127.5 - 1)[0]
    np.testing.assert_array_equal(cv2.imread(out)[:, :, ::-1], expected)


def test_paste_back_writes_the_whole_picture(with_preset, tmp_path):
    path, photo = _photo_file(tmp_path, canvas=512)
    out = str(tmp_path / "pasted.png")
    assert cli.main(["translate", NAME, path, "--face", "--paste-back", "-o", out]) == 0
    pasted = cv2.imread(out)[:, :, ::-1]
    assert pasted.shape == photo.shape
    # The face changed, the corners (outside the crop) did not.
    assert np.abs(pasted.astype(int) - photo).mean() > 1
    np.testing.assert_array_equal(pasted[:16, :16], photo[:16, :16])


@pytest.mark.parametrize("args, message", [
    (["nope", "IMG", "-o", "x.png"], "'nope' is neither a model file nor a preset"),
    ([NAME, "IMG", "--int8", "-o", "x.png"], "has no 'tflite' file"),
    ([NAME, "IMG", "--paste-back", "-o", "x.png"], "--paste-back puts a translated face back"),
    (["model.keras", "IMG", "--int8", "-o", "x.png"], "--int8 runs a preset's .tflite file"),
])
def test_bad_preset_arguments_are_one_line_errors(with_preset, tmp_path, capsys, args, message):
    image = str(tmp_path / "img.png")
    cv2.imwrite(image, np.zeros((40, 40, 3), np.uint8))
    args = [image if a == "IMG" else a for a in args]
    with pytest.raises(SystemExit) as raised:
        cli.main(["translate", *args])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_pictures_without_a_face_are_skipped_and_named(with_preset, tmp_path, capsys):
    if not os.path.isdir(FACE_PHOTOS):
        pytest.skip(f"the face photos are not in {FACE_PHOTOS}")
    path, _ = _photo_file(tmp_path)
    wall = str(tmp_path / "wall.png")
    cv2.imwrite(wall, np.full((120, 160, 3), 128, np.uint8))
    out = str(tmp_path / "out")
    assert cli.main(["translate", NAME, path, wall, "--face", "-o", out]) == 0
    captured = capsys.readouterr()
    assert f"skipped {wall}: no face found" in captured.err
    assert os.listdir(out) == ["me.png"]
    with pytest.raises(SystemExit) as raised:
        cli.main(["translate", NAME, wall, "--face", "-o", out])
    assert raised.value.code == 2
    assert "error: no face found in" in capsys.readouterr().err
