"""Writes SynthPortraits to disk as a labelled folder: images/, masks/ and labels.json."""

import json
import os

import cv2
from tqdm import tqdm

from keras_portrait.imaging.metadata import METADATA_FILE
from keras_portrait.imaging.metadata import write_metadata
from keras_portrait.data.synth import SynthPortraits
from keras_portrait.imaging.metadata import metadata_vector


def write_synth_folder(out_dir, count=64, size=128, style=None, seed=0, verbose=True):
    """Renders `count` SynthPortraits samples into `out_dir` and returns the labels written.

    `images/NNNNNN.png` (RGB), `masks/NNNNNN.png` (class ids of
    `keras_portrait.labels.MASK_CLASSES` as 8-bit gray levels), `labels.json` (one record per
    image: identity, expression, intensity, pose, style, attributes) and `metadata.csv` (age,
    gender, glasses in [0, 1]: the mask-folder format, `keras_portrait.imaging.metadata`).

    Args:
        out_dir: str. Output folder (created when missing).
        count: int. Number of portraits. Defaults to `64`.
        size: int. Square side in pixels. Defaults to `128`.
        style: str or None. A SynthPortraits style; None draws one per sample.
        seed: int. The SynthPortraits seed. Defaults to `0`.
        verbose: bool. Show a progress bar. Defaults to `True`.
    """
    if count < 1:
        raise ValueError(f"`count` must be >= 1. Received: count={count}")
    portraits = SynthPortraits(seed=seed)
    for sub in ("images", "masks"):
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    labels, metadata = [], {}
    for index in tqdm(range(count), desc="rendering", disable=not verbose):
        sample = portraits.sample(index, size=size, style=style)
        name = f"{index:06d}.png"
        cv2.imwrite(os.path.join(out_dir, "images", name), sample["image"][..., ::-1])
        cv2.imwrite(os.path.join(out_dir, "masks", name), sample["mask"].astype("uint8"))
        metadata[f"images/{name}"] = metadata_vector(sample["attributes"])
        labels.append(
            {
                "file": f"images/{name}",
                "mask": f"masks/{name}",
                "identity": int(sample["identity"]),
                "expression": sample["expression_name"],
                "intensity": float(sample["intensity"]),
                "pose": [float(v) for v in sample["pose"]],
                "style": sample["style"],
                "attributes": {k: _plain(v) for k, v in sample["attributes"].items()},
            }
        )
    with open(os.path.join(out_dir, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1)
    write_metadata(os.path.join(out_dir, METADATA_FILE), metadata)
    return labels


def _plain(value):
    """A JSON-friendly copy of a label value (numpy scalars and arrays become Python values)."""
    return value.tolist() if hasattr(value, "tolist") else value
