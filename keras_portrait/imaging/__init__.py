"""The floor that `data/` and `face/` stand on: reading pictures, the canonical face mesh,
rasterization, alignment geometry and the per-image metadata files."""

from keras_portrait.imaging.reading import list_images
from keras_portrait.imaging.reading import read_rgb8
