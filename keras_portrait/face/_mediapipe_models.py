"""Finds model files shipped inside installed wheels, without importing the wheel.

MediaPipe 0.10.21 ships its .tflite models in its wheel, but importing `mediapipe` pulls a
protobuf pin that clashes with TensorFlow (see STACK_NOTES.md). We only read its files, so we
locate the package directory with `importlib.util.find_spec`, which does not execute the package.
"""

import importlib.util
import os

MEDIAPIPE_INSTALL_HINT = "pip install --no-deps mediapipe==0.10.21"

# Paths relative to the `mediapipe` package directory.
FACE_DETECTION_SHORT_RANGE = "modules/face_detection/face_detection_short_range.tflite"
FACE_DETECTION_FULL_RANGE_SPARSE = "modules/face_detection/face_detection_full_range_sparse.tflite"
FACE_LANDMARK = "modules/face_landmark/face_landmark.tflite"
FACE_LANDMARK_WITH_ATTENTION = "modules/face_landmark/face_landmark_with_attention.tflite"


def _package_directories(package):
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):  # a dotted name whose parent is missing, or a bad name
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    return list(spec.submodule_search_locations)


def model_path(package, relative_path, install_hint=None):
    """Absolute path of a file inside an installed package, without importing the package.

    Args:
        package: str. The importable package name, e.g. `"mediapipe"`.
        relative_path: str. The file's path inside the package directory (`/`-separated).
        install_hint: str. The command that installs the package, quoted in the error.
            Defaults to `"pip install <package>"`.

    Raises:
        FileNotFoundError: when the package is not installed or lacks the file.
    """
    hint = install_hint or f"pip install {package}"
    directories = _package_directories(package)
    parts = relative_path.split("/")
    for directory in directories:
        path = os.path.join(directory, *parts)
        if os.path.isfile(path):
            return os.path.abspath(path)
    where = "is not installed" if not directories else f"has no file {relative_path!r}"
    raise FileNotFoundError(
        f"The package {package!r} {where}; the model file {relative_path!r} comes from it. "
        f"Install it with: {hint}"
    )


def mediapipe_model_path(relative_path):
    """Absolute path of one of MediaPipe's model files (one of this module's constants)."""
    return model_path("mediapipe", relative_path, MEDIAPIPE_INSTALL_HINT)


def mediapipe_models_available():
    """Whether the MediaPipe face detection and landmark files are all installed."""
    try:
        for relative_path in (FACE_DETECTION_SHORT_RANGE, FACE_LANDMARK):
            mediapipe_model_path(relative_path)
    except FileNotFoundError:
        return False
    return True
