"""Fixtures of the GAN families' tests."""

import numpy as np
import pytest


def _state(gan):
    """Copies of everything training may move: the model's weights (networks, image pools),
    both optimizers' variables and the seed generator's state."""
    variables = list(gan.weights) + [gan.seed_generator.state]
    for optimizer in (gan.g_optimizer, gan.d_optimizer):
        variables += list(optimizer.variables)
    return [np.array(v.numpy(), copy=True) for v in variables]


def _check_validation(gan, train_batch, val_batch):
    """`fit(validation_data=...)` logs a finite `val_<loss>` beside each training loss, and
    `evaluate()` moves no weight, pool, optimizer or seed, returning those same losses."""
    import tensorflow as tf

    train = tf.data.Dataset.from_tensors(train_batch)
    val = tf.data.Dataset.from_tensors(val_batch)
    history = gan.fit(train, validation_data=val, epochs=1, verbose=0).history
    names = sorted(name for name in history if not name.startswith("val_"))
    assert names, history
    assert sorted(history) == sorted(names + [f"val_{name}" for name in names])
    for name in names:
        assert np.isfinite(history[f"val_{name}"][-1]), name
    before = _state(gan)
    logs = gan.evaluate(val, verbose=0, return_dict=True)
    after = _state(gan)
    assert len(before) == len(after)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    # Nothing moved since the validation at the end of `fit`: the same numbers.
    assert sorted(logs) == names
    for name in names:
        np.testing.assert_allclose(logs[name], history[f"val_{name}"][-1], rtol=1e-5,
                                   atol=1e-6, err_msg=name)
    return history


@pytest.fixture
def check_validation():
    """`check_validation(gan, train_batch, val_batch)`: one `fit` step with validation data
    gives finite `val_` losses and `evaluate()` moves nothing (returns the history)."""
    return _check_validation
