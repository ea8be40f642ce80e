"""A killed run, started again with the same command, ends where an uninterrupted run ends.

Run as a script (`python test_resume.py RUN_DIR`), this file is the training command itself;
`python test_resume.py --sigkill-then-resume RUN_DIR` kills that command mid-run and runs it
again (`sigkill_then_resume`, a JSON line on stdout).
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

SIZE, EPOCHS, STEPS = 16, 3, 6
# Slows each step down so that the test can kill the process mid-run at a known point.
STEP_SECONDS = 0.1


def _dataset():
    import tensorflow as tf

    images = np.random.default_rng(0).uniform(-1, 1, (STEPS * 4, SIZE, SIZE, 3))
    dataset = tf.data.Dataset.from_tensor_slices(images.astype("float32"))
    return dataset.shuffle(len(images), seed=3, reshuffle_each_iteration=True).batch(4)


def _gan():
    import keras

    from keras_portrait.models import DCGAN

    keras.utils.set_random_seed(0)
    gan = DCGAN(image_size=SIZE, latent_dim=8, filters=4, seed=1)
    gan.compile()
    return gan


def _train(run, callbacks=(), verbose=0):
    from keras_portrait.models.training import train

    return train(
        _gan(), _dataset(), run, EPOCHS, checkpoint_every=1, num_samples=4,
        callbacks=list(callbacks), verbose=verbose,
    )


def _final_state(run):
    import keras

    model = keras.saving.load_model(os.path.join(run, "model.keras"))
    with open(os.path.join(run, "log.json")) as f:
        log = json.load(f)["epochs"]
    return model, log


def _assert_same_run(run, reference, atol):
    model, log = _final_state(run)
    expected, expected_log = _final_state(reference)
    assert [(e["epoch"], e["step"]) for e in log] == [(1, 6), (2, 12), (3, 18)]
    assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 18
    np.testing.assert_array_equal(model.seed_generator.state, expected.seed_generator.state)
    for a, b in zip(model.variables, expected.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=atol, err_msg=a.path)
    for variables in ("g_optimizer", "d_optimizer"):
        for a, b in zip(getattr(model, variables).variables, getattr(expected, variables).variables):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=atol, err_msg=a.path)
    for entry, expected_entry in zip(log, expected_log):
        for name in ("d_loss", "g_loss"):
            assert entry[name] == pytest.approx(expected_entry[name], abs=atol)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run, trained once in this process for both tests: the same `_train`
    call as the script's (its SlowDown callback only sleeps, and verbosity logs nothing that
    is saved)."""
    run = str(tmp_path_factory.mktemp("resume") / "reference")
    _train(run)
    return run


@pytest.mark.slow
def test_crash_mid_epoch_then_same_call_matches_uninterrupted_run(reference, tmp_path):
    import keras

    class Crash(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.steps = getattr(self, "steps", 0) + 1
            if self.steps == 8:  # before the backup of step 8: the backup holds step 7
                raise KeyboardInterrupt

    run = str(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        _train(run, callbacks=[Crash()])
    with open(os.path.join(run, "backup", "state.json")) as f:
        assert json.load(f)["global_step"] == 7  # epoch 2, 1 of its 6 steps done
    _train(run)
    _assert_same_run(run, reference, atol=0.0)


def _command(run):
    return [sys.executable, os.path.abspath(__file__), run]


def _backup_step(run):
    try:
        with open(os.path.join(run, "backup", "state.json")) as f:
            return json.load(f)["global_step"]
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def sigkill_then_resume(run):
    """Starts the training command on `run`, SIGKILLs it once its backup holds step 8 or more,
    then runs the same command again: {"run", "step_at_kill"} and the "returncode", "stdout"
    and "stderr" of the second run, or {"error"}."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    killed = subprocess.Popen(_command(run), env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    # Generous: the run may share the cores with the whole test suite (tests/background.py).
    deadline = time.monotonic() + 600
    while _backup_step(run) < 8:
        if killed.poll() is not None:
            return {"error": "the run ended before its backup of step 8: "
                             + killed.stderr.read().decode()[-3000:]}
        if time.monotonic() > deadline:
            killed.kill()
            return {"error": "no backup of step 8 within 600 s"}
        time.sleep(0.02)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    killed.stderr.close()
    step_at_kill = _backup_step(run)
    resumed = subprocess.run(_command(run), env=env, capture_output=True, text=True, timeout=600)
    return {"run": run, "step_at_kill": step_at_kill, "returncode": resumed.returncode,
            "stdout": resumed.stdout, "stderr": resumed.stderr[-3000:]}


@pytest.mark.slow
@pytest.mark.background_run(
    "resume-sigkill", commands=[[__file__, "--sigkill-then-resume", "{folder}/run"]]
)
def test_sigkill_mid_run_then_same_command_matches_uninterrupted_run(reference, background_run):
    """`sigkill_then_resume`, run in the background by tests/background.py."""
    report = json.loads(background_run["stdout"][0].strip().splitlines()[-1])
    assert "error" not in report, report.get("error")
    run, step_at_kill = report["run"], report["step_at_kill"]
    assert 8 <= step_at_kill < EPOCHS * STEPS, step_at_kill
    assert report["returncode"] == 0, report["stderr"]
    assert f"Resuming {run} at step {step_at_kill}" in report["stdout"]
    _assert_same_run(run, reference, atol=1e-6)


if __name__ == "__main__":
    if sys.argv[1] == "--sigkill-then-resume":
        print(json.dumps(sigkill_then_resume(sys.argv[2])))
        sys.exit(0)

    import keras

    class SlowDown(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(STEP_SECONDS)

    _train(sys.argv[1], callbacks=[SlowDown()], verbose=2)
