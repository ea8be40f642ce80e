"""Per-image metadata (METADATA_NAMES: age, gender, glasses) in CSV files: the controls of the
mask-to-portrait family.

Two formats, both with a header row naming at least `file,age,gender,glasses` (other columns
are ignored):

- a **dataset's** `metadata.csv` (written by `prepare --metadata` and `render`, read by
  `train --data DIR` of the mask-to-portrait family): `file` relative to the dataset folder (`images/NAME.png`), the
  values as the model takes them, in [0, 1]: age scaled over SynthPortraits' 18–80 years,
  gender presentation 0 (female) … 1 (male), glasses 0 or 1;
- a **source** CSV (`prepare SRC DST --metadata FILE`): `file` relative to SRC (the picture's
  path, `/` or `\\` separators), age in years, gender as a number in [0, 1] or a word
  (female/woman/f, male/man/m), glasses as 0/1, yes/no or true/false — what a face-analysis
  tool or a hand-written sheet gives.
"""

import csv
import os

import numpy as np

from keras_portrait.labels import AGE_RANGE

# In this order: age scaled to [0, 1] over SynthPortraits' AGE_RANGE, gender presentation in
# [0, 1], glasses in {0, 1}.
METADATA_NAMES = ("age", "gender", "glasses")
METADATA_FILE = "metadata.csv"
COLUMNS = ("file", *METADATA_NAMES)
_GENDER_WORDS = {"female": 0.0, "woman": 0.0, "f": 0.0, "male": 1.0, "man": 1.0, "m": 1.0}
_BOOLEAN_WORDS = {"0": 0.0, "1": 1.0, "no": 0.0, "yes": 1.0, "false": 0.0, "true": 1.0}


def age_to_unit(years):
    """Age in years → the metadata's [0, 1] (SynthPortraits' AGE_RANGE, clipped)."""
    low, high = AGE_RANGE
    return float(np.clip((float(years) - low) / (high - low), 0.0, 1.0))


def metadata_vector(attributes):
    """The metadata vector (METADATA_NAMES) of a SynthPortraits render's `attributes` dict."""
    return np.array(
        [age_to_unit(attributes["age"]), float(attributes["gender"]),
         float(attributes["glasses"])],
        dtype=np.float32,
    )


def _source_values(row):
    """The [0, 1] metadata vector of one source-CSV row; ValueError naming the bad cell."""
    text = {name: (row.get(name) or "").strip().lower() for name in METADATA_NAMES}
    try:
        years = float(text["age"])
    except ValueError:
        raise ValueError(f"age {row.get('age')!r} is not a number of years") from None
    if not 0 <= years <= 130:
        raise ValueError(f"age {years:g} is not an age in years")
    if text["gender"] in _GENDER_WORDS:
        gender = _GENDER_WORDS[text["gender"]]
    else:
        try:
            gender = float(text["gender"])
        except ValueError:
            gender = -1.0
        if not 0 <= gender <= 1:
            raise ValueError(f"gender {row.get('gender')!r} is neither in [0, 1] nor one of "
                             f"{sorted(_GENDER_WORDS)}")
    glasses = _BOOLEAN_WORDS.get(text["glasses"])
    if glasses is None:
        raise ValueError(f"glasses {row.get('glasses')!r} is not one of "
                         f"{sorted(_BOOLEAN_WORDS)}")
    return np.array([age_to_unit(years), gender, glasses], np.float32)


def _read_rows(path):
    """The CSV's rows as dicts (line numbers from 2); ValueError when columns are missing."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Metadata CSV not found: {path!r}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in COLUMNS if name not in fields]
        if missing:
            raise ValueError(f"{path}: the header lacks the columns {missing}; it needs "
                             f"{','.join(COLUMNS)}. Found: {reader.fieldnames}")
        reader.fieldnames = fields
        return [(number, row) for number, row in enumerate(reader, start=2)]


def _normalized(file):
    return os.path.normpath(file.strip().replace("\\", "/")).replace(os.sep, "/")


def _check_table(path, rows, parse):
    """{file: vector} of `rows`; one ValueError listing every bad line (up to 10)."""
    table, errors = {}, []
    for number, row in rows:
        file = _normalized(row.get("file") or "")
        if file in ("", "."):
            errors.append(f"line {number}: no file")
            continue
        if file in table:
            errors.append(f"line {number}: {file} is listed twice")
            continue
        try:
            table[file] = parse(row)
        except ValueError as error:
            errors.append(f"line {number} ({file}): {error}")
    if errors:
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        rows = "row" if len(errors) == 1 else "rows"
        raise ValueError(f"{path}: {len(errors)} bad {rows}{more}: " + "; ".join(errors[:10]))
    if not table:
        raise ValueError(f"{path} has no rows")
    return table


def read_source_metadata(path):
    """A source CSV (age in years, see the module) → {file relative to the source folder:
    float32 METADATA_NAMES vector in [0, 1]}. Every bad row is named in one ValueError, before
    any picture is processed."""
    return _check_table(path, _read_rows(path), _source_values)


def _unit_values(row):
    values = []
    for name in METADATA_NAMES:
        try:
            value = float(row.get(name) or "")
        except ValueError:
            raise ValueError(f"{name} {row.get(name)!r} is not a number") from None
        if not 0 <= value <= 1:
            raise ValueError(f"{name} {value:g} is not in [0, 1]")
        values.append(value)
    return np.array(values, np.float32)


def read_metadata(path):
    """A dataset's `metadata.csv` (values in [0, 1], see the module) → {file relative to the
    dataset folder: float32 METADATA_NAMES vector}, in the file's order."""
    return _check_table(path, _read_rows(path), _unit_values)


def write_metadata(path, table):
    """Writes {file: METADATA_NAMES vector in [0, 1]} as a dataset's `metadata.csv`."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for file, values in table.items():
            writer.writerow([file, *(f"{float(v):.6g}" for v in values)])
