import keras
import numpy as np
import pytest
from sheets import check_labelled

from keras_portrait import metrics
from keras_portrait.models.cycle_gan import CycleGAN, evaluate_translation


def _gan(a2b, b2a):
    def wrap(fn, name):
        inputs = keras.Input((None, None, 3))
        return keras.Model(inputs, keras.layers.Lambda(fn)(inputs), name=name)

    return CycleGAN(filters=4, num_blocks=1, discriminator_filters=4,
                    generator_a2b=wrap(a2b, "g_ab"), generator_b2a=wrap(b2a, "g_ba"))


def _images(seed, n=3, size=24):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


def test_an_identity_translation_scores_as_the_untranslated_input():
    gan = _gan(lambda x: x, lambda x: x)
    a, b = _images(0), _images(1)
    embedder = lambda x: keras.ops.mean(x, axis=(1, 2))  # noqa: E731
    report, sheets = evaluate_translation(gan, a, b, paired=True, embedder=embedder)
    assert report["count"] == 3 and report["paired"]
    for direction in ("a2b", "b2a"):
        figures = report[direction]
        assert figures["translation_vs_input"]["ssim"]["mean"] == pytest.approx(1.0)
        # PSNR of identical images is infinite: counted, not averaged.
        assert figures["translation_vs_input"]["psnr"] == {"n": 3, "non_finite": 3}
        assert figures["translation_vs_truth"] == figures["input_vs_truth"]
        assert figures["identity_similarity"]["mean"] == pytest.approx(1.0)
        # input | translation | reconstruction | truth, 3 rows of 24 px + 2 px padding.
        check_labelled(sheets[direction], rows=3, columns=4, tile=24)
    expected = metrics.ssim(a, b).mean()
    assert report["a2b"]["input_vs_truth"]["ssim"]["mean"] == pytest.approx(expected)


def test_a_perfect_translation_matches_the_truth():
    # Domain B is domain A negated; the generators negate.
    gan = _gan(lambda x: -x, lambda x: -x)
    a = _images(2)
    report, sheets = evaluate_translation(gan, a, -a, paired=True, sheet_rows=2)
    assert report["a2b"]["translation_vs_truth"]["ssim"]["mean"] == pytest.approx(1.0)
    assert report["a2b"]["reconstruction_vs_input"]["ssim"]["mean"] == pytest.approx(1.0)
    assert report["a2b"]["input_vs_truth"]["ssim"]["mean"] < 0.1
    check_labelled(sheets["a2b"], rows=2, columns=4, tile=24)


def test_unpaired_and_one_domain_reports():
    gan = _gan(lambda x: 0.5 * x, lambda x: 2.0 * x)
    report, sheets = evaluate_translation(gan, _images(3) * 0.5)
    assert set(sheets) == {"a2b"} and "b2a" not in report
    check_labelled(sheets["a2b"], rows=3, columns=3, tile=24)  # no truth column unpaired
    assert "translation_vs_truth" not in report["a2b"]
    # 0.5x then 2x: the cycle closes exactly (up to float rounding).
    assert report["a2b"]["reconstruction_vs_input"]["ssim"]["mean"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="paired"):
        evaluate_translation(gan, _images(3), paired=True)
