"""evaluate_rotation: the report's structure and the figures it must get right."""

import numpy as np

from keras_portrait import RotationGAN
from keras_portrait import evaluate_rotation


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
    assert sheet.dtype == np.uint8 and sheet.shape == (2 * 32 + 3 * 2, 4 * 32 + 5 * 2, 3)


def test_a_model_is_scored_beside_the_render():
    gan = RotationGAN(filters=8, num_blocks=1, spade_hidden=8, discriminator_filters=8,
                      discriminator_layers=3, residual=False, seed=0)
    report, _ = evaluate_rotation(gan, count=2, image_size=32, styles=("painting",),
                                  measure_pose=False)
    scores = report["styles"]["painting"]
    assert scores["model"]["ssim"] != scores["raw_render"]["ssim"]  # an untrained net differs
