"""The outcome of a folder scan: every file found, usable or skipped, with its reasons."""

import collections
import json
import os

CACHE_VERSION = 1


class ScanReport:
    """Usable files (and whether each needs conversion, and why) and skipped files (and why).

    Nothing found is left out: every file handed to the scan is in exactly one of `usable` and
    `skipped`. Each entry is a dict with `path` (absolute), `status` (`"ok"`, `"convert"` or
    `"skip"`), `reasons` (a list; one item for a skipped file), `detail`, and for usable files
    `format`, `width` and `height`.

    Args:
        root: str. The folder scanned (paths in the summary are shown relative to it).
        max_pixels: int. The size limit the scan applied.
        min_side: int. The minimum side the scan applied.
    """

    def __init__(self, root, max_pixels=None, min_side=None):
        self.root = os.path.abspath(root)
        self.max_pixels = max_pixels
        self.min_side = min_side
        self.files = []
        self.seconds = 0.0
        self.cache_hits = 0

    def add(self, path, probe, verdict):
        """Records one file; `verdict` is `("ok", [])`, `("convert", reasons)` or `("skip", reason, detail)`."""
        status = verdict[0]
        entry = {"path": path, "status": status, "detail": "", "probe": probe}
        if status == "skip":
            entry["reasons"], entry["detail"] = [verdict[1]], verdict[2]
        else:
            entry["reasons"] = list(verdict[1])
            entry.update(format=probe["format"], width=probe["width"], height=probe["height"])
            entry["convert"] = status == "convert"
        self.files.append(entry)

    def skip(self, path, reason, detail=""):
        """Records a file rejected before the scan (e.g. an unreadable label row)."""
        self.files.append({"path": path, "status": "skip", "reasons": [reason], "detail": detail})

    @property
    def usable(self):
        return [f for f in self.files if f["status"] != "skip"]

    @property
    def skipped(self):
        return [f for f in self.files if f["status"] == "skip"]

    @property
    def counts(self):
        """Files per outcome: `ok`, one key per conversion reason, one key per skip reason."""
        counts = collections.Counter()
        for f in self.files:
            counts.update(["ok"] if f["status"] == "ok" else f["reasons"])
        return dict(sorted(counts.items()))

    def require_usable(self):
        """Raises `ValueError` naming the folder and why, when no file is usable."""
        if self.usable:
            return
        if not self.files:
            raise ValueError(
                f"No image files in {self.root!r} (looked for .jpg, .jpeg, .png, .webp, .bmp, "
                "recursively)."
            )
        why = ", ".join(f"{reason}: {n}" for reason, n in self._reason_counts("skip").items())
        raise ValueError(
            f"No usable image in {self.root!r}: {len(self.files)} image files found, "
            f"all skipped ({why})."
        )

    def summary(self, max_paths=3):
        """A readable multi-line text: totals, counts per reason, the first paths of each."""
        usable, converted = self.usable, [f for f in self.files if f["status"] == "convert"]
        lines = [
            f"Scanned {len(self.files)} image files in {self.root} "
            f"({self.seconds:.1f} s, {self.cache_hits} from cache)",
            f"  usable:  {len(usable)} ({len(usable) - len(converted)} as they are, "
            f"{len(converted)} after conversion to 8-bit RGB)",
            f"  skipped: {len(self.skipped)}",
        ]
        for status, title in (("convert", "converted"), ("skip", "skipped")):
            groups = self._reason_paths(status)
            if groups:
                lines.append(f"  {title}, by reason:")
            for reason, paths in groups.items():
                shown = ", ".join(self._relative(p) for p in paths[:max_paths])
                more = f", ... (+{len(paths) - max_paths})" if len(paths) > max_paths else ""
                lines.append(f"    {reason}: {len(paths)} — {shown}{more}")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def to_dict(self):
        return {
            "cache_version": CACHE_VERSION,
            "root": self.root,
            "max_pixels": self.max_pixels,
            "min_side": self.min_side,
            "seconds": round(self.seconds, 3),
            "totals": {"files": len(self.files), "usable": len(self.usable), "skipped": len(self.skipped)},
            "counts": self.counts,
            "files": self.files,
        }

    def to_json(self, path):
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=1)

    def _reason_paths(self, status):
        groups = collections.defaultdict(list)
        for f in self.files:
            if f["status"] == status:
                for reason in f["reasons"]:
                    groups[reason].append(f["path"])
        return dict(sorted(groups.items()))

    def _reason_counts(self, status):
        return {reason: len(paths) for reason, paths in self._reason_paths(status).items()}

    def _relative(self, path):
        relative = os.path.relpath(path, self.root)
        return path if relative.startswith("..") else relative
