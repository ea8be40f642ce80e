import numpy as np
import pytest

from keras_portrait.face import face_crop
from keras_portrait.face import paste_back
from harness import face_photos

pytest.importorskip("ai_edge_litert")


def test_the_crop_at_another_size_is_the_prepared_crop_resized_with_its_matrix_scaled():
    photo = face_photos("female_015248", size=512)[0]
    full = face_crop(photo, size=256)
    small = face_crop(photo, size=64)
    assert full is not None and small is not None
    assert small.image.shape == (64, 64, 3) and small.size == 64
    np.testing.assert_allclose(small.matrix, full.matrix * 0.25, atol=1e-9)
    # The same face: the 256² crop shrunk by 4 is the 64² crop, up to interpolation.
    shrunk = full.image.reshape(64, 4, 64, 4, 3).mean(axis=(1, 3))
    assert np.abs(shrunk - small.image.astype(float)).mean() < 3.0


def test_the_crop_pastes_back_where_it_came_from():
    photo = face_photos("female_015248", size=512)[0]
    aligned = face_crop(photo, size=128)
    back = paste_back(photo, aligned.image, aligned, feather=0.1)
    # Pasting the unedited crop back changes the picture little (resampling only).
    assert np.abs(back.astype(int) - photo.astype(int)).mean() < 4.0


def test_a_picture_without_a_face_gives_none_and_bad_sizes_are_refused():
    wall = np.full((200, 300, 3), 128, np.uint8)
    assert face_crop(wall, size=64) is None
    with pytest.raises(ValueError, match="`size` must be an int >= 8"):
        face_crop(wall, size=4)
