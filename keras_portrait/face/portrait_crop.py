"""One face of a picture, cropped as `keras-portrait prepare` crops its training data.

The presets were trained on FFHQ-aligned crops made by `prepare_folder` (aligned at 256², then
resized): `face_crop` makes the same crop of a user's picture, so that a preset sees what it
was trained on, and keeps the similarity that maps it back (`paste_back`).
"""

import dataclasses

import cv2
import numpy as np

from keras_portrait.face.prepare import face_meshes
from keras_portrait.imaging.alignment import Aligned
from keras_portrait.imaging.alignment import align
from keras_portrait.imaging.image_input import as_rgb8

PREPARED_SIZE = 256  # the side of `prepare_folder`'s crops (its default), which presets train on


def face_crop(image, size=256, template="ffhq", min_score=0.5):
    """The picture's largest face whose 468 landmarks are found, aligned and cropped.

    Args:
        image: a path or an (H, W, 3) array (read by `as_rgb8`).
        size: int. Side of the crop. The crop is made at `PREPARED_SIZE` (256, as `prepare`
            makes its crops) and resized with area interpolation. Defaults to `256`.
        template: str. `"ffhq"` (head and hair) or `"tight"`. Defaults to `"ffhq"`.
        min_score: float. Face detection threshold. Defaults to `0.5`.

    Returns:
        An `Aligned` (its `image` is the `size`² uint8 crop, its `matrix` maps the picture onto
        it), or None when no face is found or none has landmarks.
    """
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"`size` must be an int >= 8. Received: size={size!r}")
    image = as_rgb8(image)
    found = face_meshes(image, min_score=min_score)
    if not found or found[0][1] is None:
        return None
    aligned = align(image, found[0][1], size=PREPARED_SIZE, template=template)
    if size == PREPARED_SIZE:
        return aligned
    crop = cv2.resize(aligned.image, (int(size), int(size)), interpolation=cv2.INTER_AREA)
    # Continuous crop coordinates scale linearly with the side.
    matrix = np.asarray(aligned.matrix, np.float64) * (size / PREPARED_SIZE)
    return dataclasses.replace(aligned, image=crop, matrix=matrix, size=int(size))


__all__ = ["Aligned", "PREPARED_SIZE", "face_crop"]
