"""Image files named on a command line (files and folders) as square uint8 arrays, for inference."""

import os

import numpy as np

from keras_portrait.data.decode import fit_square
from keras_portrait.imaging.reading import read_rgb8
from keras_portrait.imaging.reading import list_images


def named_image_files(inputs):
    """`(path, name)` of each image among `inputs` (files, and folders searched recursively):
    `name` is the path below the folder given, or the file's name — what a result is written
    under. A FileNotFoundError names an input that does not exist."""
    files = []
    for item in inputs:
        if os.path.isdir(item):
            root = os.path.abspath(item)
            files += [(path, os.path.relpath(path, root)) for path in list_images(root)]
        elif os.path.isfile(item):
            files.append((item, os.path.basename(item)))
        else:
            raise FileNotFoundError(f"No such file or folder: {item!r}")
    return files


def read_image_files(inputs, image_size, resize="crop"):
    """Reads files and folders (searched recursively) into `image_size`² uint8 RGB images.

    A file that cannot be read is skipped and reported, never fatal: translating a folder with
    one broken file still translates the others.

    Args:
        inputs: sequence of str. Image files and folders.
        image_size: int. Side of the square outputs (see `fit_square` for `resize`).
        resize: str. "crop" (centre square) or "pad" (mirror-padded). Defaults to `"crop"`.

    Returns:
        `(images, names, skipped)`: the uint8 (N, image_size, image_size, 3) array, for each
        image a relative name to write its result under (its path below the folder given,
        or its file name), and the `(path, reason)` of every skipped file.

    Raises:
        FileNotFoundError: when an input does not exist.
        ValueError: when no image could be read.
    """
    images, names, skipped = [], [], []
    for path, name in named_image_files(inputs):
        try:
            image = read_rgb8(path, min_side=image_size)
        except Exception as error:  # noqa: BLE001 — any unreadable file is reported, not fatal
            skipped.append((path, f"{type(error).__name__}: {error}"))
            continue
        if min(image.shape[:2]) < 1:
            skipped.append((path, "empty image"))
            continue
        square = fit_square(image, image_size, resize=resize)
        images.append(np.round(np.asarray(square)).astype(np.uint8))
        names.append(name)
    if not images:
        raise ValueError(
            f"No readable image in {list(inputs)}; skipped: "
            + ("; ".join(f"{p} ({r})" for p, r in skipped) or "none found")
        )
    return np.stack(images), names, skipped
