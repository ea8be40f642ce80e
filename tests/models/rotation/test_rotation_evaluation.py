"""evaluate_rotation: the report's structure and the figures it must get right."""

import numpy as np
import pytest
from sheets import check_labelled

from keras_portrait import RotationGAN
from keras_portrait import evaluate_rotation
from keras_portrait.models.rotation.rotation_evaluation import hole_regions
from keras_portrait.models.rotation.rotation_evaluation import region_errors


class _Copy:
    """A 'model' that returns the raw render: its scores must equal the render's."""

    @staticmethod
    def clean(renders, holes):
        return renders


def test_report_and_sheet():
    report, sheet = evaluate_rotation(_Copy(), count=2, image_size=32, styles=("photo",),
                                      target_yaws=(30.0,), measure_pose=False, sheet_rows=2)
    photo = report["styles"]["photo"]
    assert photo["model"] == photo["raw_render"]
    assert 0.0 < photo["hole_fraction"]["mean"] < 0.5
    # Filling the black holes brings the render closer to the truth.
    assert photo["inpainted_render"]["psnr"]["mean"] > photo["raw_render"]["psnr"]["mean"]
    for scores in (photo["unturned_source"], photo["raw_render"]):
        assert scores["ssim"]["n"] == 2 and -1.0 <= scores["ssim"]["mean"] <= 1.0
        assert np.isfinite(scores["psnr"]["mean"])
    assert sheet.dtype == np.uint8  # source | render | model | truth
    check_labelled(sheet, rows=2, columns=4, tile=32)
    # The raw render's holes are black: far darker than the truth; Telea's fill is not.
    raw, filled = photo["raw_render"]["regions"], photo["inpainted_render"]["regions"]
    holes = [name for name in ("small_holes", "large_holes") if raw[name] is not None]
    assert holes and raw["known"] == filled["known"]  # the fill leaves rendered pixels alone
    for name in holes:
        assert raw[name]["bias"] < -50 and raw[name]["dark_fraction"] > 0.5
        assert filled[name]["bias"] > raw[name]["bias"] + 30


def test_holes_split_by_size_and_errors_per_region():
    holes = np.zeros((1, 12, 12), bool)
    holes[0, 1, 1:4] = True  # 3 pixels: small
    holes[0, 5:10, 5:10] = True  # 25 pixels: large
    holes[0, 0, 11] = True  # 1 pixel, diagonal to nothing: small
    small, large = hole_regions(holes, small_area=12)
    assert small.sum() == 4 and large.sum() == 25 and not (small & large).any()
    assert large[0, 5:10, 5:10].all()

    truth = np.full((1, 12, 12, 3), 100, np.uint8)
    outputs = truth.copy()
    outputs[small] = 40  # 60 levels darker: specks
    outputs[large] = 110  # 10 levels lighter
    outputs[0, 11, 0] = 97  # one rendered pixel 3 levels darker
    regions = region_errors(outputs, truth, holes)
    np.testing.assert_allclose(regions["small_holes"]["bias"], -60.0, atol=1e-9)
    np.testing.assert_allclose(regions["small_holes"]["rms"], 60.0, atol=1e-9)
    assert regions["small_holes"]["dark_fraction"] == 1.0 and regions["small_holes"]["pixels"] == 4
    np.testing.assert_allclose(regions["large_holes"]["bias"], 10.0, atol=1e-9)
    assert regions["large_holes"]["dark_fraction"] == 0.0
    known = regions["known"]
    assert known["pixels"] == 144 - 29
    np.testing.assert_allclose(known["bias"], -3.0 / known["pixels"], atol=1e-9)
    np.testing.assert_allclose(known["rms"], np.sqrt(9.0 / known["pixels"]), atol=1e-9)
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        hole_regions(holes[0])  # one mask needs its batch axis
    # No small holes at all: that region is None, not NaN.
    assert region_errors(outputs, truth, large)["small_holes"] is None


def test_a_model_is_scored_beside_the_render():
    gan = RotationGAN(filters=8, num_blocks=1, spade_hidden=8, discriminator_filters=8,
                      discriminator_layers=3, residual=False, seed=0)
    report, _ = evaluate_rotation(gan, count=2, image_size=32, styles=("painting",),
                                  measure_pose=False)
    scores = report["styles"]["painting"]
    assert scores["model"]["ssim"] != scores["raw_render"]["ssim"]  # an untrained net differs
