"""evaluate_rotation_pairs: masked figures against their formulas, fills, buckets, the report."""

import csv
import os

import cv2
import numpy as np
import pytest
from sheets import check_labelled

from keras_portrait.face.rotation_pairs import PAIRS
from keras_portrait.face.rotation_pairs import PAIR_COLUMNS
from keras_portrait.models.rotation.rotation_pairs_evaluation import classical_fills
from keras_portrait import evaluate_rotation_pairs
from keras_portrait.models.rotation.rotation_pairs_evaluation import masked_psnr
from keras_portrait.models.rotation.rotation_pairs_evaluation import masked_ssim
from keras_portrait.models.rotation.rotation_pairs_evaluation import read_rotation_pairs
from keras_portrait.models.rotation.rotation_pairs_evaluation import turn_bucket

SIDE = 32


def _portrait(rng):
    """A smooth picture with some structure (a gradient and a disc)."""
    y, x = np.mgrid[:SIDE, :SIDE] / SIDE
    image = np.stack([200 * x + 20, 150 * y + 40, 100 * (x + y) / 2 + 60], -1)
    cv2.circle(image, (int(rng.integers(10, 22)), 16), 6, (30, 60, 90), -1)
    return image.astype(np.uint8)


def _write_pairs(folder, turns, rng):
    """A pairs folder as `make_rotation_pairs` writes it: the render is the picture with a
    hole (black) in the right half and one-grey-level noise elsewhere."""
    for sub in ("targets", "renders", "holes"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    with open(os.path.join(folder, PAIRS), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(PAIR_COLUMNS)
        for k, turn in enumerate(turns):
            target = _portrait(rng)
            holes = np.zeros((SIDE, SIDE), bool)
            holes[8:24, 20 : 22 + k % 6] = True
            render = np.clip(target.astype(int) + rng.integers(-1, 2, target.shape), 0, 255)
            render = np.where(holes[..., None], 0, render).astype(np.uint8)
            names = [f"renders/{k}.png", f"holes/{k}.png", f"targets/{k}.png"]
            for name, image in zip(names, (render, holes.astype(np.uint8) * 255, target)):
                cv2.imwrite(os.path.join(folder, name), image[..., ::-1] if image.ndim == 3
                            else image)
            writer.writerow(names + [5.0, 5.0 - turn])
    return folder


class _Truth:
    """A 'model' that returns the originals: hole PSNR inf, SSIM 1."""

    def __init__(self, targets):
        self.targets = targets

    def clean(self, renders, holes):
        assert renders.dtype == np.uint8 and holes.dtype == bool
        return self.targets


def test_masked_psnr_and_ssim_against_their_formulas():
    a = np.full((2, 16, 16, 3), 100, np.uint8)
    b = a.copy()
    masks = np.zeros((2, 16, 16), bool)
    masks[0, 4:8, 4:8] = True  # error 10 on every channel there, 50 elsewhere (outside)
    b[0] += 50
    b[0, 4:8, 4:8] = 110
    values = masked_psnr(a, b, masks)
    assert values[0] == pytest.approx(10 * np.log10(255.0**2 / 100.0))
    assert np.isnan(values[1])  # an empty mask
    same = masked_ssim(a, a, masks)
    assert same[0] == pytest.approx(1.0) and np.isnan(same[1])
    # A constant offset of the luminance lowers SSIM's luminance term only.
    assert masked_ssim(a, b, masks)[0] < 1.0


def test_classical_fills_keep_known_pixels_and_fill_holes():
    rng = np.random.default_rng(0)
    image = np.full((1, SIDE, SIDE, 3), 120, np.uint8)
    image += rng.integers(0, 3, image.shape).astype(np.uint8)
    holes = np.zeros((1, SIDE, SIDE), bool)
    holes[0, 10:20, 10:20] = True
    fills = classical_fills(image, holes)
    assert set(fills) == {"raw_render", "pushpull", "telea"}
    assert (fills["raw_render"][0][holes[0]] == 0).all()
    for name in ("pushpull", "telea"):
        out = fills[name]
        assert out.dtype == np.uint8 and out.shape == image.shape
        np.testing.assert_array_equal(out[0][~holes[0]], image[0][~holes[0]])
        # A flat picture's hole is filled with its colour, within a grey level or two.
        assert np.abs(out[0][holes[0]].astype(int) - 121).max() <= 2, name


def test_turn_buckets():
    assert [turn_bucket(t) for t in (0, 15, 15.1, 30, 44, 45, 46, 80)] == [
        "0-15", "0-15", "15-30", "15-30", "30-45", "30-45", "45+", "45+"]
    assert turn_bucket(12, edges=(10,)) == "10+"


def test_report_by_bucket_and_sheet(tmp_path):
    rng = np.random.default_rng(1)
    folder = _write_pairs(str(tmp_path / "pairs"), [5, 10, 20, 40, 50, 25], rng)
    data = read_rotation_pairs(folder)
    report, sheet = evaluate_rotation_pairs(folder, models={"truth": _Truth(data["targets"])},
                                            sheet_rows=3)
    assert report["pairs"] == 6 and report["skipped"] == 0
    assert {k: v["pairs"] for k, v in report["buckets"].items()} == {
        "0-15": 2, "15-30": 2, "30-45": 1, "45+": 1}
    assert report["all"]["pairs"] == 6
    for entry in list(report["buckets"].values()) + [report["all"]]:
        methods = entry["methods"]
        assert set(methods) == {"raw_render", "pushpull", "telea", "truth"}
        raw, pushpull, truth = methods["raw_render"], methods["pushpull"], methods["truth"]
        # The model that returns the originals is perfect over the holes and the face.
        assert truth["hole_psnr"]["non_finite"] == entry["pairs"]
        assert truth["hole_ssim"]["mean"] == pytest.approx(1.0)
        assert truth["face_ssim"]["mean"] == pytest.approx(1.0)
        # Black holes are far worse than a fill; the fill leaves the known pixels alone.
        assert pushpull["hole_psnr"]["mean"] > raw["hole_psnr"]["mean"] + 5
        assert raw["regions"]["large_holes"]["dark_fraction"] > 0.5
        assert raw["regions"]["known"] == pushpull["regions"]["known"]
        assert "identity" not in raw  # no embedder given
    # render | pull-push | Telea | truth | original, three pairs spread over the turns.
    check_labelled(sheet, rows=3, columns=5, tile=SIDE)


def test_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="make-rotation-pairs"):
        read_rotation_pairs(str(tmp_path))
    folder = _write_pairs(str(tmp_path / "pairs"), [10, 20], np.random.default_rng(2))
    os.remove(os.path.join(folder, "renders", "1.png"))
    data = read_rotation_pairs(folder)
    assert data["skipped"] == 1 and len(data["turns"]) == 1
    with pytest.raises(ValueError, match="may not be named"):
        evaluate_rotation_pairs(folder, models={"telea": _Truth(data["targets"])})
