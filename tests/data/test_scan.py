import json
import os
import time

import pytest

from data.image_files import write_every_kind, write_good_files
from keras_portrait.data.scan import classify, scan_folder


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("kinds"))
    good, convertible, bad = write_every_kind(folder)
    return folder, good, convertible, bad


def _by_name(report, folder):
    return {os.path.relpath(f["path"], folder): f for f in report.files}


def test_every_file_is_classified_once_with_its_reason(kinds):
    folder, good, convertible, bad = kinds
    report = scan_folder(folder, verbose=False)
    files = _by_name(report, folder)
    assert sorted(files) == sorted([*good, *convertible, *bad])  # notes.txt is not an image file
    for name in good:
        assert files[name]["status"] == "ok", (name, files[name])
    for name, reason in convertible.items():
        assert files[name]["status"] == "convert", (name, files[name])
        assert reason in files[name]["reasons"], (name, files[name])
        assert files[name]["convert"] is True
    for name, reason in bad.items():
        assert files[name]["status"] == "skip", (name, files[name])
        assert files[name]["reasons"] == [reason], (name, files[name])
    assert len(report.usable) + len(report.skipped) == len(report.files)
    assert report.counts["ok"] == len(good)
    assert report.counts["truncated or corrupt"] == 2
    assert "20000x20000" in files["huge.png"]["detail"]


def test_summary_lists_totals_reasons_and_paths(kinds, capsys):
    folder, good, convertible, bad = kinds
    report = scan_folder(folder, verbose=True)
    printed = capsys.readouterr().out
    summary = report.summary()
    assert summary in printed
    total = len(good) + len(convertible) + len(bad)
    assert f"Scanned {total} image files in {os.path.abspath(folder)}" in summary
    assert f"skipped: {len(bad)}" in summary
    assert "truncated or corrupt: 2 — truncated.jpg, truncated.png" in summary
    assert "exif orientation: 1 — exif_rotated.jpg" in summary


def test_json_report_round_trips_and_caches_reruns(kinds, tmp_path):
    folder = kinds[0]
    report_path = str(tmp_path / "report.json")
    first = scan_folder(folder, report_path=report_path, verbose=False)
    with open(report_path) as f:
        written = json.load(f)
    assert written == json.loads(json.dumps(first.to_dict()))
    assert written["totals"]["usable"] == len(first.usable)
    assert first.cache_hits == 0
    second = scan_folder(folder, report_path=report_path, verbose=False)
    assert second.cache_hits == len(first.files)
    assert [(f["path"], f["status"], f["reasons"]) for f in second.files] == [
        (f["path"], f["status"], f["reasons"]) for f in first.files
    ]


def test_cache_is_ignored_for_a_changed_file(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    write_good_files(str(folder))
    report_path = str(tmp_path / "report.json")
    scan_folder(str(folder), report_path=report_path, verbose=False)
    time.sleep(0.01)
    (folder / "rgb.png").write_bytes(b"not an image any more")
    report = scan_folder(str(folder), report_path=report_path, verbose=False)
    files = _by_name(report, str(folder))
    assert files["rgb.png"]["reasons"] == ["not an image"]
    assert report.cache_hits == len(report.files) - 1


def test_limits_are_arguments(kinds):
    path = os.path.join(kinds[0], "rgb.jpg")
    probe, verdict = classify(path, max_pixels=10**6, min_side=1)
    assert verdict == ("ok", []) and probe["verified"]
    # A cached probe is reclassified under new limits without reading the file again.
    assert classify("/nonexistent.jpg", 100, 1, probe)[1][:2] == ("skip", "too large")
    assert classify("/nonexistent.jpg", 10**6, 64, probe)[1][:2] == ("skip", "too small")


def test_empty_folder_error_names_the_folder(tmp_path):
    folder = tmp_path / "empty_dir"
    folder.mkdir()
    (folder / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="No image files in .*empty_dir"):
        scan_folder(str(folder), verbose=False)


def test_folder_of_bad_files_error_names_folder_and_reasons(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"")
    (tmp_path / "b.png").write_bytes(b"text")
    with pytest.raises(ValueError, match=r"No usable image in .*2 image files.*empty file: 1.*not an image: 1"):
        scan_folder(str(tmp_path), verbose=False)
    report = scan_folder(str(tmp_path), verbose=False, require_usable=False)
    assert report.counts == {"empty file": 1, "not an image": 1}


def test_missing_folder():
    with pytest.raises(FileNotFoundError, match="no_such_folder"):
        scan_folder("/no_such_folder", verbose=False)
