"""BaseGAN under MultiWorkerMirroredStrategy: every family trains alike on two workers and on
one device (models/multiworker_train.py, run in the background by tests/background.py)."""

import os

import numpy as np
import pytest
from background import STRATEGY_FAMILIES


@pytest.mark.slow
@pytest.mark.background_run("multiworker")
@pytest.mark.parametrize("family", STRATEGY_FAMILIES)
def test_multi_worker_mirrored_on_localhost_trains_like_one_device(family, background_run):
    """Two workers on localhost and one device train the family's tiny GAN 3 steps on the same
    global batches of 8: the workers agree exactly, and with the device."""
    first, second, alone = (np.load(os.path.join(background_run[n], f"{family}.npz"))
                            for n in ("worker0", "worker1", "single"))
    assert first.files and first.files == second.files == alone.files
    for key in first.files:
        assert np.all(np.isfinite(first[key])), key
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)
        # Two workers on a global batch of 8 train like one device on that batch.
        np.testing.assert_allclose(first[key], alone[key], atol=1e-5, err_msg=key)
