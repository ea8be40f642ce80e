"""Subprocess checks that run in the background, beside the in-process tests.

Some checks train or export in fresh processes: the MirroredStrategy runs
(models/strategy_equivalence.py: logical devices must be set before TensorFlow starts), the
MultiWorkerMirroredStrategy run (models/multiworker_train.py: TF_CONFIG), the SIGKILL-and-resume
run (models/test_resume.py) and the GauGAN command-line run (test_cli.py). Most of their time
is single-threaded Python (tracing train steps, exporting), so a suite that waited for each in
turn would leave one of its two cores idle for minutes. Instead, as soon as collection ends,
conftest.py starts one thread that runs the checks the selected tests need, one after the
other, at a lower priority (`nice`: the in-process tests are the critical path, and these
checks have minutes of slack before their tests come): first one strategy_equivalence.py
process for every family (one TensorFlow import for all), then the others in the order of
their tests. A test marked `background_run(name, ...)` takes the `background_run` fixture and
waits for its own result only; what it asserts is unchanged.

Names: a family of strategy_equivalence.py (result {"max_abs_diff", "pool_count" for
cyclegan}); "multiworker" (result {"worker0", "worker1", "single"}: folders of
<family>.npz weights, every family of STRATEGY_FAMILIES); any other
name with `commands=[[arg, ...], ...]`: `python arg ...` for each command in turn, "{folder}" in
an argument replaced by a fresh folder of the job (result {"folder", "stdout": [one per
command]}).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
# The families of models/tiny_training.py: strategy_equivalence.py trains those selected in
# one process; each multiworker_train.py process trains them all.
STRATEGY_FAMILIES = ("cyclegan", "dcgan", "wgan-gp", "gaugan", "stargan", "rotation")
MULTIWORKER = "multiworker"
# How long a test waits for its result, and a background process may run.
WAIT_SECONDS = 1800


class JobFailed(Exception):
    pass


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class BackgroundRuns:
    """Runs the background checks `jobs` ({name: marker kwargs}, in order) on one thread."""

    def __init__(self, jobs):
        self.jobs = dict(jobs)
        self.folder = tempfile.mkdtemp(prefix="keras_portrait_background_")
        self.results = {}  # name → the job's result, or an error message (str)
        self.condition = threading.Condition()
        self.processes = []
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="background-runs", daemon=True)
        self.thread.start()

    # --- waiting ------------------------------------------------------------------------------
    def result(self, name, timeout=WAIT_SECONDS):
        """The result of the job `name`, once it is done; fails the test if the job failed."""
        if name not in self.jobs:
            raise KeyError(f"{name!r} was not scheduled: collected {list(self.jobs)}")
        deadline = time.monotonic() + timeout
        with self.condition:
            while name not in self.results:
                left = deadline - time.monotonic()
                assert left > 0, f"no result for the background run {name!r} within {timeout} s"
                self.condition.wait(min(left, 5.0))
        result = self.results[name]
        if isinstance(result, str):
            pytest.fail(result, pytrace=False)
        return result

    def _publish(self, name, result):
        with self.condition:
            self.results.setdefault(name, result)
            self.condition.notify_all()

    # --- running ------------------------------------------------------------------------------
    def _run(self):
        families = [name for name in self.jobs if name in STRATEGY_FAMILIES]
        if families:
            try:
                self._strategy_families(families)
            except Exception as error:  # noqa: BLE001 - reported by the waiting tests
                for family in families:
                    self._publish(family, f"background run failed: {error!r}")
        for name, kwargs in self.jobs.items():
            if name in STRATEGY_FAMILIES:
                continue
            try:
                if name == MULTIWORKER:
                    result = self._multiworker()
                elif "commands" in kwargs:
                    result = self._commands(name, kwargs["commands"])
                else:
                    raise JobFailed(f"unknown background run {name!r} without `commands`")
                self._publish(name, result)
            except Exception as error:  # noqa: BLE001 - reported by the waiting tests
                message = str(error) if isinstance(error, JobFailed) else repr(error)
                self._publish(name, f"background run {name!r} failed: {message}")

    def _popen(self, args, env=None):
        """`python *args` at a lower priority; stdout piped, stderr to a file."""
        nice = ["nice", "-n", "10"] if shutil.which("nice") else []
        stderr_path = os.path.join(self.folder, f"stderr{len(self.processes)}.txt")
        with self.condition:
            if self.stopped:
                raise JobFailed("the test session ended")
            with open(stderr_path, "w") as stderr:
                process = subprocess.Popen([*nice, sys.executable, *args], env=env, text=True,
                                           stdout=subprocess.PIPE, stderr=stderr)
            process.stderr_path = stderr_path
            self.processes.append(process)
        return process

    def _finish(self, process, what):
        """The stdout of `process` once it ended; JobFailed with its stderr if it failed."""
        try:
            stdout, _ = process.communicate(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, _ = process.communicate()
        if process.returncode != 0:
            with open(process.stderr_path) as f:
                tail = f.read()[-3000:]
            raise JobFailed(f"{what} exited with {process.returncode}:\n{stdout[-1000:]}\n{tail}")
        return stdout

    def _strategy_families(self, families):
        process = self._popen([os.path.join(MODELS, "strategy_equivalence.py"), *families])
        for line in process.stdout:
            match = re.match(r"(\S+) max_abs_diff=(\S+)(?: pool_count=(\d+))?$", line.strip())
            if match:
                family, diff, pools = match.groups()
                result = {"max_abs_diff": float(diff)}
                if pools is not None:
                    result["pool_count"] = int(pools)
                self._publish(family, result)
        try:
            self._finish(process, "strategy_equivalence.py")
        except JobFailed as error:
            for family in families:
                self._publish(family, f"{error}\n(before {family} was done)")

    def _multiworker(self):
        """Two MultiWorkerMirroredStrategy workers on localhost, then the same training on
        one device: their folders of <family>.npz weights."""
        folder = os.path.join(self.folder, MULTIWORKER)
        os.makedirs(folder)
        script = os.path.join(MODELS, "multiworker_train.py")
        workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
        outputs = {name: os.path.join(folder, name) for name in ("worker0", "worker1", "single")}
        processes = []
        for index in range(2):
            env = dict(os.environ)
            env["TF_CONFIG"] = json.dumps(
                {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
            )
            processes.append(self._popen([script, outputs[f"worker{index}"], *STRATEGY_FAMILIES],
                                         env=env))
        try:
            for index, process in enumerate(processes):
                self._finish(process, f"multiworker_train.py (worker {index})")
        finally:
            for process in processes:  # a lone worker would wait for its peer
                if process.poll() is None:
                    process.kill()
                    process.wait()
        self._finish(self._popen([script, outputs["single"], "--single", *STRATEGY_FAMILIES]),
                     "multiworker_train.py (single)")
        return outputs

    def _commands(self, name, commands):
        folder = os.path.join(self.folder, re.sub(r"\W", "_", name))
        os.makedirs(folder)
        stdouts = []
        for command in commands:
            args = [str(arg).replace("{folder}", folder) for arg in command]
            stdouts.append(self._finish(self._popen(args), " ".join(args)))
        return {"folder": folder, "stdout": stdouts}

    def stop(self):
        with self.condition:
            self.stopped = True
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.thread.join(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


_RUNS = {}


def start(session):
    """Starts the background runs of the selected tests' `background_run` markers."""
    if session.config.option.collectonly:
        return
    jobs = {}
    for item in session.items:
        for marker in item.iter_markers("background_run"):
            name = marker.args[0]
            if name not in jobs or (marker.kwargs and not jobs[name]):
                jobs[name] = dict(marker.kwargs)
    if jobs:
        _RUNS["runs"] = BackgroundRuns(jobs)


def stop():
    runs = _RUNS.pop("runs", None)
    if runs is not None:
        runs.stop()


def result(name):
    """The result of the background run `name` (waits for it)."""
    runs = _RUNS.get("runs")
    assert runs is not None, (
        f"no background runs started: is a test marked background_run({name!r}) selected?"
    )
    return runs.result(name)
