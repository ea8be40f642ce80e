"""Makes tests/harness.py importable as `harness` and keeps TensorFlow quiet and small."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))
