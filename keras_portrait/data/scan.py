"""One validation pass over a folder of images: what is usable, what needs converting, what not.

Each file is looked at once: its header first (format, mode, size, EXIF orientation — about
0.07 ms for a 1024² JPEG), then, only if it passed the header checks, a decode to catch truncated
or corrupt data (JPEGs at 1/8 DCT scale, ~2 ms instead of ~7 ms at full size). Results are cached
in the JSON report by (path, size, mtime), so a rerun over an unchanged folder decodes nothing.
"""

import concurrent.futures
import json
import os
import time

import tensorflow as tf
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from keras_portrait.data import decode
from keras_portrait.imaging.reading import IMAGE_EXTENSIONS  # noqa: F401  (re-exported)
from keras_portrait.imaging.reading import list_images
from keras_portrait.data.scan_report import CACHE_VERSION, ScanReport

DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MIN_SIDE = 16
# Formats that tf.io.decode_image reads as they are on this TensorFlow.
_TF_FORMATS = {"JPEG", "PNG", "BMP"} | ({"WEBP"} if hasattr(tf.io, "decode_webp") else set())
_ORIENTATION_TAG = 0x0112


def scan_folder(
    path,
    report_path=None,
    max_pixels=DEFAULT_MAX_PIXELS,
    min_side=DEFAULT_MIN_SIDE,
    verbose=True,
    require_usable=True,
    workers=None,
):
    """Validates every image file under `path` (recursively) and returns a `ScanReport`.

    Files with an image extension (jpg, jpeg, png, webp, bmp, any case) are classified as usable
    as they are, usable after conversion to 8-bit RGB (with the reasons), or skipped (with the
    reason). Other files are ignored.

    Args:
        path: str. The folder.
        report_path: str or None. Writes the report as JSON there; an existing report at that path
            is read first as a cache (entries whose size and mtime are unchanged are reused).
        max_pixels: int. Larger images are skipped as "too large". Defaults to `50_000_000`.
        min_side: int. Images with a side shorter than this are skipped as "too small".
            Defaults to `16`.
        verbose: bool. Shows a progress bar and prints the summary. Defaults to `True`.
        require_usable: bool. Raises `ValueError` naming the folder when nothing is usable (after
            writing the report). Defaults to `True`.
        workers: int or None. Threads for the pass. Defaults to the CPU count.
    """
    if not os.path.isdir(path):
        raise FileNotFoundError(f"Image folder not found: {path!r}")
    report = scan_files(
        list_images(path), root=path, report_path=report_path, max_pixels=max_pixels,
        min_side=min_side, verbose=verbose, workers=workers,
    )
    if require_usable:
        report.require_usable()
    return report


def scan_files(paths, root, report_path=None, max_pixels=DEFAULT_MAX_PIXELS,
               min_side=DEFAULT_MIN_SIDE, verbose=True, workers=None, extra_skips=()):
    """`scan_folder` over an explicit list of files (label files name theirs); never raises.

    `extra_skips`: `(path, reason, detail)` for files the caller already rejected (a label row
    that cannot be read, a file outside any class folder); they are reported, not scanned.
    """
    start = time.perf_counter()
    cached = _read_cache(report_path)
    report = ScanReport(root, max_pixels=max_pixels, min_side=min_side)

    hits = []

    def check(file_path):
        probe = cached.get(file_path)
        if probe is not None and _unchanged(file_path, probe):
            hits.append(file_path)
        else:
            probe = None
        return classify(file_path, max_pixels, min_side, probe)

    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # our own max_pixels decides, before anything is decoded
    try:
        with concurrent.futures.ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
            results = zip(paths, pool.map(check, paths))
            bar = tqdm(results, total=len(paths), desc="scanning images", disable=not verbose, unit="file")
            for file_path, (probe, verdict) in bar:
                report.add(file_path, probe, verdict)
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    for path, reason, detail in extra_skips:
        report.skip(path, reason, detail)
    report.seconds = time.perf_counter() - start
    report.cache_hits = len(hits)
    if report_path:
        report.to_json(report_path)
    if verbose:
        print(report.summary())
    return report


def classify(path, max_pixels, min_side, probe=None):
    """Returns `(probe, verdict)` for one file; `probe` may be a cached one (it is completed).

    `verdict` is `("ok", [])`, `("convert", reasons)` or `("skip", reason, detail)`.
    """
    if probe is None:
        probe = read_header(path)
    if probe.get("error"):
        return probe, ("skip", probe["error"], probe.get("detail", ""))
    width, height = probe["width"], probe["height"]
    if width * height > max_pixels:
        detail = f"{width}x{height} = {width * height / 1e6:.1f} Mpx > max_pixels {max_pixels / 1e6:.1f} Mpx"
        return probe, ("skip", "too large", detail)
    if min(width, height) < min_side:
        return probe, ("skip", "too small", f"{width}x{height}, a side < min_side {min_side}")
    if not probe.get("verified"):
        probe = {**probe, **verify_decode(path, probe)}
        if probe.get("error"):
            return probe, ("skip", probe["error"], probe.get("detail", ""))
    reasons = conversion_reasons(probe)
    return probe, (("convert", reasons) if reasons else ("ok", []))


def read_header(path):
    """Format, mode, size, EXIF orientation and bit depth, reading only the file's header."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return {"error": "missing file", "detail": "no such file"}
    probe = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if stat.st_size == 0:
        return {**probe, "error": "empty file"}
    try:
        with Image.open(path) as image:
            probe.update(
                format=image.format, mode=image.mode, width=image.width, height=image.height,
                transparency=decode.has_transparency(image), bit_depth=_bit_depth(image),
                orientation=_orientation(image),
            )
    except UnidentifiedImageError:
        return {**probe, "error": "not an image", "detail": "no known image format in the header"}
    except Exception as error:  # Pillow raises many kinds on a broken header.
        return {**probe, "error": "truncated or corrupt", "detail": f"{type(error).__name__}: {error}"}
    return probe


def verify_decode(path, probe):
    """Decodes the whole file once (JPEG at 1/8 scale) to catch truncated or corrupt data."""
    try:
        with Image.open(path) as image:
            if image.format == "JPEG":
                image.draft(None, (1, 1))
            image.load()
    except Exception as error:
        return {"error": "truncated or corrupt", "detail": f"{type(error).__name__}: {error}"}
    return {"verified": True}


def conversion_reasons(probe):
    """Why a readable file cannot go to tf.io.decode_image as it is; `[]` when it can."""
    mode, reasons = probe["mode"], []
    if probe["format"] not in _TF_FORMATS:
        reasons.append(f"format {probe['format'].lower()}")
    if probe["transparency"]:
        reasons.append("alpha")
    if probe["bit_depth"] == 16 or mode.startswith("I") or mode == "F":
        reasons.append("16-bit")
    elif mode in ("L", "LA"):
        reasons.append("grayscale")
    elif mode in ("P", "PA"):
        reasons.append("palette")
    elif mode == "1":
        reasons.append("bilevel")
    elif mode == "CMYK":
        reasons.append("cmyk")
    elif mode not in ("RGB", "RGBA"):
        reasons.append(f"mode {mode}")
    if probe["orientation"] != 1:
        reasons.append("exif orientation")
    return reasons


def _orientation(image):
    if image.format == "PNG":
        # PNG's getexif() decodes the whole image to look for an eXIf chunk after the pixels;
        # the header pass reads only one placed before them.
        if "exif" not in image.info:
            return 1
        exif = Image.Exif()
        exif.load(image.info["exif"])
    else:
        exif = image.getexif()
    return int(exif.get(_ORIENTATION_TAG, 1) or 1)


def _bit_depth(image):
    tile = image.tile[0].args if image.tile else None
    rawmode = tile if isinstance(tile, str) else (tile[0] if isinstance(tile, tuple) and tile else "")
    return 16 if isinstance(rawmode, str) and ";16" in rawmode else 8


def _unchanged(path, probe):
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return stat.st_size == probe.get("size") and stat.st_mtime_ns == probe.get("mtime_ns")


def _read_cache(report_path):
    if not report_path or not os.path.exists(report_path):
        return {}
    try:
        with open(report_path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if data.get("cache_version") != CACHE_VERSION:
        return {}
    return {entry["path"]: entry["probe"] for entry in data.get("files", []) if "probe" in entry}
