"""Mask-conditioned training data from a folder: images, their face masks and a metadata CSV."""

import os
import warnings

import cv2
import numpy as np
import tensorflow as tf

from keras_portrait.imaging.metadata import METADATA_FILE
from keras_portrait.imaging.metadata import read_metadata

MASK_FOLDER_LAYOUT = (
    "a folder written by `keras-portrait prepare` (or `render`): images/*.png, masks/*.png "
    "(class ids as gray levels) and a metadata CSV (default DIR/metadata.csv): a header row "
    "'file,age,gender,glasses', then one row per image, file relative to DIR (images/NAME.png; "
    "its mask is masks/NAME.png) and the values in [0, 1] (age scaled to [0, 1], gender 0 "
    "female … 1 male, glasses 0 or 1)"
)


def mask_folder(folder, image_size, batch_size, seed=0, metadata_file=None, shuffle=True):
    """`{"image", "mask", "metadata"}` batches of a prepared folder, read into memory.

    Every image listed in the metadata CSV is read with its mask, resized to `image_size`
    (area for images, nearest for masks) and scaled to [-1, 1]; a listed image or mask that
    cannot be read is skipped with one warning naming each. The layout is
    `MASK_FOLDER_LAYOUT`.

    Args:
        folder: str. The prepared folder.
        image_size: int. Side of the square images and masks.
        batch_size: int. Examples per batch.
        seed: int. Seed of the shuffle. Defaults to `0`.
        metadata_file: str or None. The metadata CSV; None reads `folder/metadata.csv`.
        shuffle: bool. Shuffle and drop the last partial batch (training), or keep the
            CSV's order and every example. Defaults to `True`.

    Raises:
        ValueError: no metadata CSV, a bad CSV (every bad row named), or no readable image.
    """
    path = metadata_file or os.path.join(folder, METADATA_FILE)
    if not os.path.isfile(path):
        raise ValueError(f"no metadata CSV at {path!r}. Expected {MASK_FOLDER_LAYOUT}")
    try:
        table = read_metadata(path)
    except ValueError as error:
        raise ValueError(f"{error}. Expected {MASK_FOLDER_LAYOUT}") from None
    images, masks, metadata, unreadable = [], [], [], []
    for file, values in table.items():
        name = file if os.path.dirname(file) else f"images/{file}"
        image = cv2.imread(os.path.join(folder, name), cv2.IMREAD_COLOR)
        mask_name = os.path.join("masks", os.path.relpath(name, "images"))
        mask = cv2.imread(os.path.splitext(os.path.join(folder, mask_name))[0] + ".png",
                          cv2.IMREAD_GRAYSCALE)
        if image is None or mask is None:
            unreadable.append(name)
            continue
        image = cv2.resize(image[:, :, ::-1], (image_size, image_size),
                           interpolation=cv2.INTER_AREA)
        images.append(image.astype(np.float32) / 127.5 - 1.0)
        masks.append(cv2.resize(mask, (image_size, image_size),
                                interpolation=cv2.INTER_NEAREST).astype(np.int32))
        metadata.append(values)
    if unreadable:
        warnings.warn(
            f"{folder}: skipped {len(unreadable)} of {len(table)} images whose image or mask "
            f"cannot be read: {', '.join(unreadable)}", stacklevel=2,
        )
    if not images:
        raise ValueError(f"{folder}: none of the {len(table)} images of {path} and their masks "
                         f"can be read. Expected {MASK_FOLDER_LAYOUT}")
    data = tf.data.Dataset.from_tensor_slices({
        "image": np.stack(images), "mask": np.stack(masks),
        "metadata": np.asarray(metadata, np.float32),
    })
    if shuffle:
        data = data.shuffle(len(images), seed=seed)
    return data.batch(batch_size, drop_remainder=shuffle)
