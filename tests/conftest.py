"""Makes tests/harness.py importable as `harness` and keeps TensorFlow quiet and small; starts
the subprocess checks of the selected tests in the background (tests/background.py)."""

import os
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN's convolution weight gradient corrupts the heap on some AVX-512 CPUs (see
# keras_portrait/__init__.py); the suite runs without it, as the package does by default.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, os.path.dirname(__file__))

import background  # noqa: E402


def pytest_collection_finish(session):
    background.start(session)


def pytest_sessionfinish(session):
    background.stop()


@pytest.fixture(scope="session")
def background_result():
    """`background_result(name)`: the result of the background run `name` (waits for it)."""
    return background.result


@pytest.fixture
def background_run(request):
    """The result of this test's `background_run(name, ...)` marker (waits for it)."""
    marker = request.node.get_closest_marker("background_run")
    assert marker is not None, "mark the test with @pytest.mark.background_run(name)"
    return background.result(marker.args[0])
