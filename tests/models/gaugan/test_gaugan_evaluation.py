import json

import keras
import numpy as np
import pytest
from sheets import check_labelled

from keras_portrait.data import SynthPortraits
from keras_portrait.labels import MASK_CLASSES
from keras_portrait.models import GauGAN
from keras_portrait.models.gaugan.gaugan_evaluation import evaluate_synthesis

TINY = {"image_size": 32, "code_dim": 8, "filters": 2, "encoder_filters": 4,
        "discriminator_filters": 4, "discriminator_layers": 3, "spade_hidden": 8}
COUNT, SEED = 3, 1000


def _true_masks():
    portraits = SynthPortraits(seed=SEED)
    return [portraits.sample(i, size=32, style="photo", yaw_range=(-30.0, 30.0))["mask"]
            for i in range(COUNT)]


def _reads_true_masks():
    """A stand-in mask reader that answers the input masks, whatever the images."""
    masks = _true_masks()
    return lambda images: masks[: len(images)]


def _glasses_only_gan():
    """A generator painting -0.5 everywhere, +1 where the glasses metadata is 1: ignores the
    mask, the code and the age."""
    mask = keras.Input((32, 32, len(MASK_CLASSES)))
    code = keras.Input((8,))
    metadata = keras.Input((3,))
    image = keras.layers.Lambda(
        lambda t: keras.ops.zeros_like(t[0][..., :3]) - 0.5 + t[1][:, None, None, 2:3]
    )([mask, metadata])
    generator = keras.Model([mask, code, metadata], image)
    return GauGAN(**TINY, generator=generator, seed=0)


@pytest.fixture(scope="module")
def untrained():
    keras.utils.set_random_seed(0)
    gan = GauGAN(**TINY, seed=0)
    return gan, evaluate_synthesis(gan, count=COUNT, seed=SEED, mask_fn=_reads_true_masks())


def test_report_keys_ranges_and_json(untrained):
    _, (report, _) = untrained
    json.dumps(report)
    assert report["count"] == COUNT and report["image_size"] == 32
    assert set(report) >= {"mask_fidelity", "reconstruction", "glasses", "age"}
    assert -1 <= report["reconstruction"]["ssim"]["mean"] <= 1
    assert report["reconstruction"]["psnr"]["n"] == COUNT
    for part in ("changed_outside", "changed_inside"):
        assert 0 <= report["glasses"][part]["mean"] <= 1
    for name in ("skin", "hair"):
        assert 0 <= report["age"][name]["mean_abs_change"]["mean"] <= 1
        assert -1 <= report["age"][name]["color_shift_cosine"]["mean"] <= 1
    assert -2 <= report["age"]["ssim_gain"]["mean"] <= 2


def test_masks_read_back_exactly_give_miou_one(untrained):
    _, (report, _) = untrained
    for side in ("synthesized", "true_render"):
        figures = report["mask_fidelity"][side]
        assert figures["count"] == COUNT and figures["no_face"] == 0
        assert figures["miou"] == pytest.approx(1.0)
        assert set(figures["iou"]) <= set(MASK_CLASSES) and "skin" in figures["iou"]


def test_sheet_layouts(untrained):
    _, (_, sheets) = untrained
    # fidelity: mask | true | own style | read mask, one row per sitter; 32 px + 2 px padding.
    check_labelled(sheets["fidelity"], rows=COUNT, columns=4, tile=32)
    # control: mask + 5 ages; mask, glasses off/on, true off/on; mask + 5 random styles; each
    # row under its own labels (the glasses row leaves its last column blank, unlabelled).
    control = sheets["control"]
    assert control.dtype == np.uint8 and control.shape[0] % 3 == 0
    part = control.shape[0] // 3
    for k, labelled in enumerate((range(6), range(5), range(6))):
        check_labelled(control[k * part : (k + 1) * part], rows=1, columns=6, tile=32,
                       labelled=labelled)


def test_no_face_found_is_counted_not_scored():
    gan = _glasses_only_gan()
    report, sheets = evaluate_synthesis(gan, count=2, seed=SEED,
                                        mask_fn=lambda images: [None] * len(images))
    assert report["mask_fidelity"]["synthesized"] == {"count": 0, "no_face": 2}
    # Gray tiles stand for the missing masks.
    band = check_labelled(sheets["fidelity"], rows=2, columns=4, tile=32)
    assert np.all(sheets["fidelity"][band + 2 : band + 34, 3 * 34 + 2 : 4 * 34] == 128)


def test_glasses_only_generator_changes_every_pixel_and_nothing_with_age():
    report, _ = evaluate_synthesis(_glasses_only_gan(), count=2, seed=SEED,
                                   mask_fn=_reads_true_masks())
    glasses = report["glasses"]
    # Every pixel moves by 127.5 of 255 > 0.1: the change is not where the glasses are.
    assert glasses["changed_inside"]["mean"] == pytest.approx(1.0)
    assert glasses["changed_outside"]["mean"] == pytest.approx(1.0)
    assert glasses["contrast"] == pytest.approx(0.0)
    for name in ("skin", "hair"):
        assert report["age"][name]["mean_abs_change"]["mean"] == 0.0
    assert report["age"]["ssim_gain"]["mean"] == pytest.approx(0.0)


def test_without_metadata_only_fidelity_is_scored():
    gan = GauGAN(**{**TINY, "metadata_dim": 0}, seed=0)
    report, sheets = evaluate_synthesis(gan, count=1, seed=SEED, mask_fn=_reads_true_masks())
    assert "glasses" not in report and "age" not in report
    assert set(sheets) == {"fidelity"}
