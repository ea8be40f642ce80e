"""`.keras` files saved by the code of commit e75113e still load (tests/fixtures/legacy/).

The files were written once by tests/fixtures/make_legacy_files.py, run on that commit; they
are never regenerated. A file names its classes by their registered names
(`keras_portrait>CycleGAN`) and by the modules they lived in then: moving the package's files
around must keep them loading, with the same outputs and the training state the old code
itself restored (optimizer step counts, the seed generator's state, CycleGAN's image pools).
"""

import os

import keras
import numpy as np
import pytest

# Registers the package's classes: the files name them by their registered names.
import keras_portrait

LEGACY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "fixtures", "legacy")
GAN_STATE = {"g_iterations", "d_iterations", "seed_state"}
# What make_legacy_files.py found the old code restoring on loading its own file (it stores
# only that in the .npz): the uncompiled classifier has no optimizer and no seed generator.
RESTORED = {
    "dcgan": GAN_STATE,
    "wgan_gp": GAN_STATE,
    "cycle_gan": GAN_STATE | {"pool_counts"},
    "stargan": GAN_STATE,
    "gaugan": GAN_STATE,
    "rotation_gan": GAN_STATE,
    "image_classifier": set(),
}
# Compiled with LinearDecay schedules, as the CLI does with --decay-epochs.
DECAYED = ("cycle_gan", "stargan")


def test_every_family_has_a_file():
    files = {name[: -len(".keras")] for name in os.listdir(LEGACY) if name.endswith(".keras")}
    assert files == set(RESTORED)


def _inputs(expected):
    arrays = [expected[f"input_{i}"] for i in range(len(expected.files))
              if f"input_{i}" in expected.files]
    return arrays[0] if len(arrays) == 1 else arrays


# GauGAN's file takes seconds to load: Keras makes its ~560 variables one by one.
@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=pytest.mark.slow) if name == "gaugan" else name
     for name in sorted(RESTORED)],
)
def test_old_file_loads_with_its_outputs_and_state(name):
    expected = np.load(os.path.join(LEGACY, f"{name}.npz"))
    assert str(expected["commit"]) == "e75113e"
    model = keras.saving.load_model(os.path.join(LEGACY, f"{name}.keras"), safe_mode=True)

    class_name = str(expected["class_name"])
    assert type(model).__name__ == class_name
    assert isinstance(model, getattr(keras_portrait, class_name))
    output = keras.ops.convert_to_numpy(model(_inputs(expected), training=False))
    np.testing.assert_allclose(output, expected["output"], atol=1e-5)

    stored = set(expected.files) - {"class_name", "commit", "keras_version", "output"}
    assert {key for key in stored if not key.startswith("input_")} == RESTORED[name]
    if "g_iterations" in stored:
        assert int(model.g_optimizer.iterations.numpy()) == int(expected["g_iterations"])
        assert int(model.d_optimizer.iterations.numpy()) == int(expected["d_iterations"])
    if "seed_state" in stored:
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.seed_generator.state),
                                      expected["seed_state"])
    if "pool_counts" in stored:
        counts = [int(pool.count.numpy()) for pool in (model.pool_a, model.pool_b)]
        np.testing.assert_array_equal(counts, expected["pool_counts"])
    if name in DECAYED:
        for optimizer in (model.g_optimizer, model.d_optimizer):
            schedule = optimizer.get_config()["learning_rate"]
            assert schedule["registered_name"] == "keras_portrait>LinearDecay", schedule
