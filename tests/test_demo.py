"""`make demo`'s script, on two photos: the preset's sheet and its int8 parity report."""

import importlib.util
import json
import os

import cv2
import pytest
from sheets import check_labelled

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytest.importorskip("ai_edge_litert")


def _demo():
    spec = importlib.util.spec_from_file_location("demo", os.path.join(ROOT, "examples",
                                                                       "demo.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_runs_the_preset_in_keras_and_int8(tmp_path, capsys):
    demo = _demo()
    out = str(tmp_path / "demo")
    assert demo.main(["--out", out, "--count", "2"]) == 0
    size = json.load(open(os.path.join(out, "preset_parity.json")))["image_size"]
    sheet = cv2.imread(os.path.join(out, "preset_sheet.png"))
    check_labelled(sheet, rows=2, columns=4, tile=size)
    report = json.load(open(os.path.join(out, "preset_parity.json")))
    assert report["photos"] == 2 and report["int8_vs_keras_uint8"]["mean_abs"] < 8
    assert os.path.isfile(os.path.join(out, "synth_portraits_sheet.png"))
    printed = capsys.readouterr().out
    assert f"keras-portrait translate {demo.PRESET} my_photo.jpg --face" in printed


def test_a_missing_photo_is_a_one_line_error(tmp_path, capsys):
    assert _demo().main(["--out", str(tmp_path), "--photos", str(tmp_path / "nope.jpg")]) == 2
    assert "error: no such file or folder" in capsys.readouterr().err
