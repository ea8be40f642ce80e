import numpy as np
import pytest
from PIL import Image

from keras_portrait.data import read_image_files


def test_reads_files_and_folders_and_reports_unreadable_ones(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    wide = np.zeros((20, 40, 3), np.uint8)
    wide[:, 10:30] = 200  # the centre square of a crop is all 200
    Image.fromarray(wide).save(folder / "wide.png")
    Image.fromarray(np.full((16, 16, 3), 50, np.uint8)).save(folder / "sub" / "gray.jpg")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    single = tmp_path / "single.png"
    Image.fromarray(np.full((8, 8, 4), 255, np.uint8)).save(single)

    images, names, skipped = read_image_files([str(folder), str(single)], image_size=10)
    assert images.shape == (3, 10, 10, 3) and images.dtype == np.uint8
    assert names == ["sub/gray.jpg", "wide.png", "single.png"]
    assert np.all(images[1][:, 1:-1] == 200)  # (antialiasing blends the outer columns)
    assert abs(int(images[0].mean()) - 50) <= 2
    assert [path.rsplit("/", 1)[-1] for path, _ in skipped] == ["broken.jpg"]


def test_pad_keeps_the_whole_image(tmp_path):
    wide = np.zeros((20, 40, 3), np.uint8)
    wide[:, :20] = 255
    Image.fromarray(wide).save(tmp_path / "wide.png")
    images, _, _ = read_image_files([str(tmp_path / "wide.png")], 20, resize="pad")
    # Both halves survive: the left half white, the right half black.
    assert images[0, 10, :8].min() > 240 and images[0, 10, 12:].max() < 15


def test_missing_input_and_nothing_readable_are_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        read_image_files([str(tmp_path / "nope")], 8)
    (tmp_path / "bad.png").write_bytes(b"")
    with pytest.raises(ValueError, match="No readable image"):
        read_image_files([str(tmp_path)], 8)
