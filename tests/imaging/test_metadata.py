import numpy as np
import pytest

from keras_portrait.imaging.metadata import age_to_unit
from keras_portrait.imaging.metadata import read_metadata
from keras_portrait.imaging.metadata import read_source_metadata
from keras_portrait.imaging.metadata import write_metadata


def _csv(tmp_path, text, name="meta.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_age_in_years_maps_over_the_synth_range():
    # SynthPortraits' ages run 18 … 80 years: 18 → 0, 49 → 0.5, 80 → 1, clipped outside.
    assert [age_to_unit(a) for a in (18, 49, 80, 5, 95)] == [0.0, 0.5, 1.0, 0.0, 1.0]


def test_source_csv_takes_years_words_and_any_column_order(tmp_path):
    path = _csv(tmp_path, "Glasses,notes,file,Gender,age\n"
                          "yes,x,a.png,female,18\n"
                          "0,,sub\\b.jpg,0.25,80\n"
                          "FALSE,,./c.png,M,49\n")
    table = read_source_metadata(path)
    assert list(table) == ["a.png", "sub/b.jpg", "c.png"]
    np.testing.assert_allclose(table["a.png"], [0, 0, 1])
    np.testing.assert_allclose(table["sub/b.jpg"], [1, 0.25, 0])
    np.testing.assert_allclose(table["c.png"], [0.5, 1, 0])


def test_source_csv_names_every_bad_row(tmp_path):
    path = _csv(tmp_path, "file,age,gender,glasses\n"
                          "a.png,old,0,0\n"
                          "b.png,30,other,0\n"
                          "c.png,30,1,maybe\n"
                          "d.png,30,1,1\n"
                          "d.png,31,1,1\n"
                          ",30,1,1\n"
                          "e.png,200,1,1\n")
    with pytest.raises(ValueError) as error:
        read_source_metadata(path)
    message = str(error.value)
    assert "6 bad rows" in message
    for expected in ("line 2 (a.png): age 'old'", "line 3 (b.png): gender 'other'",
                     "line 4 (c.png): glasses 'maybe'", "line 6: d.png is listed twice",
                     "line 7: no file", "line 8 (e.png): age 200"):
        assert expected in message


def test_missing_columns_rows_or_file(tmp_path):
    with pytest.raises(ValueError, match=r"lacks the columns \['glasses'\]"):
        read_source_metadata(_csv(tmp_path, "file,age,gender\na.png,30,1\n"))
    with pytest.raises(ValueError, match="has no rows"):
        read_metadata(_csv(tmp_path, "file,age,gender,glasses\n"))
    with pytest.raises(FileNotFoundError, match="not found"):
        read_metadata(str(tmp_path / "none.csv"))


def test_dataset_csv_round_trip_and_range(tmp_path):
    table = {"images/a.png": np.array([0.25, 1.0, 0.0], np.float32),
             "images/sub/b.png": np.array([1 / 3, 0.5, 1.0], np.float32)}
    path = str(tmp_path / "metadata.csv")
    write_metadata(path, table)
    read = read_metadata(path)
    assert list(read) == list(table)
    for file, values in table.items():
        np.testing.assert_allclose(read[file], values, atol=1e-6)
    with pytest.raises(ValueError, match=r"line 2 \(a.png\): age 30 is not in \[0, 1\]"):
        read_metadata(_csv(tmp_path, "file,age,gender,glasses\na.png,30,1,0\n"))
