import numpy as np
import pytest
from PIL import Image

from keras_portrait.imaging.image_input import as_rgb8


def test_gray_rgba_float_and_paths_become_rgb8(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert np.array_equal(as_rgb8(gray), np.repeat(gray[:, :, None], 3, axis=-1))
    assert np.array_equal(as_rgb8(gray[:, :, None]), as_rgb8(gray))
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[0, 0, 3] = 255  # opaque red-ish pixel; the others are transparent → white
    out = as_rgb8(rgba)
    assert out[0, 0].tolist() == [200, 0, 0] and out[1, 1].tolist() == [255, 255, 255]
    assert as_rgb8(np.full((2, 2, 3), 0.5, np.float32))[0, 0].tolist() == [128, 128, 128]
    Image.fromarray(np.full((5, 6), 7, np.uint8)).save(tmp_path / "g.png")
    assert as_rgb8(str(tmp_path / "g.png")).shape == (5, 6, 3)


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 2), np.uint8), np.zeros((2, 2, 3), np.int32),
                                 np.zeros((0, 3, 3), np.uint8), np.zeros(5, np.uint8)])
def test_unreadable_arrays_are_errors(bad):
    with pytest.raises(ValueError, match="Expected"):
        as_rgb8(bad)
