"""What every benchmark result line starts with: which benchmark, the command, the machine and
how busy it was (shared by the scripts of this folder)."""

import json
import os
import platform
import shlex
import sys

import tensorflow as tf


def run_header(benchmark, load_start):
    """The first entries of a result row of `benchmarks/<benchmark>.py`; `load_start` is the
    1-minute load average read when the run began."""
    return {
        "benchmark": benchmark,
        "command": shlex.join(["python", f"benchmarks/{benchmark}.py", *sys.argv[1:]]),
        "machine": platform.machine(),
        "tensorflow": tf.__version__,
        "affinity": sorted(os.sched_getaffinity(0)),
        "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
    }


def append_row(path, row):
    """Prints `row` as one JSON line and appends it to the JSON-lines file `path`."""
    line = json.dumps(row)
    print(line)
    with open(path, "a") as f:
        f.write(line + "\n")
