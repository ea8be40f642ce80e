import numpy as np
import pytest

from keras_portrait.grids import image_grid
from keras_portrait.grids import to_uint8


def _images(n, size=8):
    return np.stack([np.full((size, size, 3), 10 * (i + 1), np.uint8) for i in range(n)])


def test_grid_places_images_row_by_row_with_padding():
    grid = image_grid(_images(4), columns=2, padding=1)
    assert grid.shape == (1 + 8 + 1 + 8 + 1, 19, 3)
    assert grid[1, 1, 0] == 10 and grid[1, 10, 0] == 20 and grid[10, 1, 0] == 30
    assert grid[0, 0, 0] == 255 and grid[9, 5, 0] == 255  # padding


def test_labels_add_a_titled_band_over_the_columns():
    plain = image_grid(_images(6), columns=3)
    titled = image_grid(_images(6), labels=["input", "output", "truth"])
    band = titled.shape[0] - plain.shape[0]
    assert band > 0 and titled.shape[1] == plain.shape[1]
    np.testing.assert_array_equal(titled[band:], plain)
    # Each title is drawn in black over its own column only.
    for column in range(3):
        x = 2 + column * 10
        assert titled[:band, x:x + 8].min() < 128
    with pytest.raises(ValueError, match="labels"):
        image_grid(_images(6), columns=2, labels=["a", "b", "c"])


def test_to_uint8_maps_the_unit_range():
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 1.0, 2.0])), [0, 128, 255, 255])
