"""Reads per-image labels from a CSV file or from CelebA's `list_attr_celeba.txt` format."""

import csv
import os

import numpy as np


class LabelsTable:
    """File names and their float32 attribute vectors, plus the rows that could not be read.

    Args:
        files: list of str. File names as written in the labels file.
        attribute_names: list of str. One per column of `values`.
        values: float32 array of shape (len(files), len(attribute_names)).
        bad_rows: list of (str, str). `(file name or "line N", why)` for every unreadable row.
    """

    def __init__(self, files, attribute_names, values, bad_rows):
        self.files = files
        self.attribute_names = attribute_names
        self.values = values
        self.bad_rows = bad_rows

    def select(self, attributes):
        """Keeps the columns named in `attributes`, in that order."""
        if attributes is None:
            return self
        unknown = [name for name in attributes if name not in self.attribute_names]
        if unknown or not attributes:
            raise ValueError(
                f"`attributes` must name columns of the labels file. Received: "
                f"attributes={list(attributes)}; valid names: {self.attribute_names}"
            )
        columns = [self.attribute_names.index(name) for name in attributes]
        return LabelsTable(self.files, list(attributes), self.values[:, columns], self.bad_rows)


def read_labels_file(path, attributes=None):
    """Reads a labels file, detecting its format, and returns a `LabelsTable`.

    - CSV: a header row, then rows whose first column is the file name and whose other columns
      are numbers (comma, semicolon or tab separated).
    - CelebA `list_attr_celeba.txt`: line 1 the number of images, line 2 the attribute names,
      then `file v1 v2 ...` with values in {-1, 1}, mapped to {0, 1}.

    Args:
        path: str. The labels file.
        attributes: list of str or None. Columns to keep, in this order. Defaults to all.
    """
    with open(path, newline="") as f:
        text = f.read()
    lines = text.splitlines()
    if is_celeba_format(lines):
        table = _parse_celeba(lines)
    else:
        table = _parse_csv(text)
    return table.select(attributes)


def is_celeba_format(lines):
    """Line 1 a single integer, line 2 only names, line 3 one more field than line 2."""
    if len(lines) < 2:
        return False
    first, names = lines[0].split(), lines[1].split()
    if len(first) != 1 or not first[0].isdigit() or not names:
        return False
    return len(lines) < 3 or len(lines[2].split()) == len(names) + 1


def _parse_celeba(lines):
    names = lines[1].split()
    files, rows, bad = [], [], []
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != len(names) + 1:
            bad.append((fields[0], f"line {number}: {len(fields) - 1} values for {len(names)} attributes"))
            continue
        try:
            values = [int(v) for v in fields[1:]]
        except ValueError:
            bad.append((fields[0], f"line {number}: values must be -1 or 1"))
            continue
        if any(v not in (-1, 1) for v in values):
            bad.append((fields[0], f"line {number}: values must be -1 or 1"))
            continue
        files.append(fields[0])
        rows.append([(v + 1) // 2 for v in values])
    declared = int(lines[0].split()[0])
    if declared != len(files) + len(bad):
        bad.append(("line 1", f"declares {declared} images, the file lists {len(files) + len(bad)}"))
    return LabelsTable(files, names, _as_matrix(rows, len(names)), bad)


def _parse_csv(text):
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text.splitlines(), dialect)
    header = next(reader, None)
    if not header or len(header) < 2:
        raise ValueError(
            "A labels CSV needs a header row: the file-name column, then at least one attribute "
            f"column. Received header: {header}"
        )
    names = [name.strip() for name in header[1:]]
    files, rows, bad = [], [], []
    for number, fields in enumerate(reader, start=2):
        if not fields or not any(field.strip() for field in fields):
            continue
        name = fields[0].strip()
        if len(fields) != len(header):
            bad.append((name, f"line {number}: {len(fields)} columns, the header has {len(header)}"))
            continue
        try:
            values = [float(v) for v in fields[1:]]
        except ValueError:
            bad.append((name, f"line {number}: a value is not a number"))
            continue
        if not np.all(np.isfinite(values)):
            bad.append((name, f"line {number}: a value is not finite"))
            continue
        files.append(name)
        rows.append(values)
    return LabelsTable(files, names, _as_matrix(rows, len(names)), bad)


def _as_matrix(rows, width):
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), width)


def resolve(images_dir, name):
    """The absolute path of a file named in a labels file."""
    return os.path.abspath(os.path.join(images_dir, name))
