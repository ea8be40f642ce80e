import cv2
import numpy as np
import pytest
import tensorflow as tf

from keras_portrait.data import SynthPortraits
from keras_portrait.data import mask_folder
from keras_portrait.data import write_synth_folder
from keras_portrait.imaging.metadata import metadata_vector


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("mask_folder")
    write_synth_folder(str(path), count=3, size=32, verbose=False)
    return path


def test_reads_images_masks_and_metadata_in_csv_order(folder):
    (batch,) = list(mask_folder(str(folder), 16, 3, shuffle=False))
    portraits = SynthPortraits(seed=0)
    samples = [portraits.sample(i, size=32) for i in range(3)]
    np.testing.assert_allclose(batch["metadata"], [metadata_vector(s["attributes"])
                                                   for s in samples], atol=1e-5)
    assert batch["image"].shape == (3, 16, 16, 3) and batch["mask"].dtype == tf.int32
    # Images: area-resized and scaled to [-1, 1]; masks: nearest, class ids kept.
    first = cv2.imread(str(folder / "images" / "000000.png"))[:, :, ::-1]
    expected = cv2.resize(first, (16, 16), interpolation=cv2.INTER_AREA) / 127.5 - 1.0
    np.testing.assert_allclose(batch["image"][0], expected, atol=1e-5)
    mask = cv2.imread(str(folder / "masks" / "000000.png"), cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(batch["mask"][0], mask[::2, ::2])


def test_shuffled_batches_drop_the_partial_one(folder):
    batches = list(mask_folder(str(folder), 16, 2, seed=1))
    assert len(batches) == 1 and len(batches[0]["image"]) == 2


def test_unreadable_pictures_are_skipped_with_a_warning(folder, tmp_path):
    broken = tmp_path / "broken"
    write_synth_folder(str(broken), count=3, size=32, verbose=False)
    (broken / "images" / "000001.png").write_bytes(b"broken")
    (broken / "masks" / "000002.png").unlink()
    with pytest.warns(UserWarning, match=r"skipped 2 of 3 .*images/000001.png, images/000002"):
        batches = list(mask_folder(str(broken), 16, 3, shuffle=False))
    assert len(batches[0]["image"]) == 1
    (broken / "images" / "000000.png").write_bytes(b"broken")
    with pytest.raises(ValueError, match="none of the 3 images"), pytest.warns(UserWarning):
        mask_folder(str(broken), 16, 3)


def test_metadata_errors(folder, tmp_path):
    with pytest.raises(ValueError, match="no metadata CSV.*file,age,gender,glasses"):
        mask_folder(str(tmp_path), 16, 2)
    csv = tmp_path / "other.csv"
    csv.write_text("file,age,gender,glasses\nimages/000000.png,0.2,1,0\n"
                   "images/000000.png,0.5,2,0\n")
    with pytest.raises(ValueError, match=r"line 3: images/000000.png is listed twice"):
        mask_folder(str(folder), 16, 2, metadata_file=str(csv))
    csv.write_text("file,age,gender,glasses\nimages/000002.png,0.2,1,0\n")
    (batch,) = list(mask_folder(str(folder), 16, 2, metadata_file=str(csv), shuffle=False))
    np.testing.assert_allclose(batch["metadata"], [[0.2, 1.0, 0.0]])
