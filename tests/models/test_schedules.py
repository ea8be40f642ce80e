import keras
import numpy as np
import pytest

from keras_portrait.models.schedules import LinearDecay


def test_values_by_hand():
    # 2 constant epochs then 4 epochs of decay, 10 steps per epoch, rate 1e-3: constant up to
    # step 20, then 1e-3 · (1 − (step/10 − 2)/4), zero from step 60 on.
    schedule = LinearDecay(1e-3, constant_epochs=2, decay_epochs=4, steps_per_epoch=10)
    expected = {0: 1e-3, 19: 1e-3, 20: 1e-3, 25: 1e-3 * (1 - 0.5 / 4), 30: 0.75e-3,
                40: 0.5e-3, 55: 0.125e-3, 60: 0.0, 1000: 0.0}
    for step, value in expected.items():
        assert float(schedule(step)) == pytest.approx(value, rel=1e-6, abs=1e-12), step


def test_paper_defaults():
    schedule = LinearDecay()
    assert schedule.initial_learning_rate == 2e-4
    assert (schedule.constant_epochs, schedule.decay_epochs) == (100, 100)
    assert float(schedule(150)) == pytest.approx(1e-4)


def test_serialization_round_trip_inside_an_optimizer():
    schedule = LinearDecay(2e-4, constant_epochs=3, decay_epochs=5, steps_per_epoch=7)
    rebuilt = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert isinstance(rebuilt, LinearDecay) and rebuilt.get_config() == schedule.get_config()
    optimizer = keras.optimizers.Adam(schedule, beta_1=0.5)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(restored.learning_rate, LinearDecay) or isinstance(
        restored._learning_rate, LinearDecay
    )
    for step in (0, 21, 30, 56):
        np.testing.assert_allclose(float(rebuilt(step)), float(schedule(step)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"initial_learning_rate": 0.0}, "initial_learning_rate"),
        ({"constant_epochs": -1}, "constant_epochs"),
        ({"decay_epochs": 0}, "decay_epochs"),
        ({"steps_per_epoch": 0}, "steps_per_epoch"),
    ],
)
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LinearDecay(**kwargs)
