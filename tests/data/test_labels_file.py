import numpy as np
import pytest

from keras_portrait.data.labels_file import is_celeba_format, read_labels_file


def test_csv_columns_and_bad_rows(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("file,a,b\nx.jpg,1,2.5\ny.jpg,oops,1\nz.jpg,3\nw.jpg,0,-1\n\n")
    table = read_labels_file(str(path))
    assert table.files == ["x.jpg", "w.jpg"]
    assert table.attribute_names == ["a", "b"]
    assert table.values.dtype == np.float32
    np.testing.assert_array_equal(table.values, [[1, 2.5], [0, -1]])
    assert [name for name, _ in table.bad_rows] == ["y.jpg", "z.jpg"]
    assert "line 3" in table.bad_rows[0][1]


def test_semicolon_csv_and_attribute_selection(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("file;a;b;c\nx.jpg;1;2;3\n")
    table = read_labels_file(str(path), attributes=["c", "a"])
    assert table.attribute_names == ["c", "a"]
    np.testing.assert_array_equal(table.values, [[3, 1]])
    with pytest.raises(ValueError, match=r"attributes=\['nope'\].*valid names: \['a', 'b', 'c'\]"):
        read_labels_file(str(path), attributes=["nope"])


def test_celeba_format_is_detected_and_mapped_to_0_1(tmp_path):
    path = tmp_path / "list_attr_celeba.txt"
    path.write_text(
        "3\n5_o_Clock_Shadow Arched_Eyebrows Male \n"
        "000001.jpg -1  1 -1\n000002.jpg  1 -1  1\n000003.jpg 1 0 1\n"
    )
    table = read_labels_file(str(path))
    assert table.attribute_names == ["5_o_Clock_Shadow", "Arched_Eyebrows", "Male"]
    assert table.files == ["000001.jpg", "000002.jpg"]
    np.testing.assert_array_equal(table.values, [[0, 1, 0], [1, 0, 1]])
    assert table.bad_rows[0][0] == "000003.jpg"


def test_celeba_detection():
    assert is_celeba_format(["2", "A B", "x.jpg 1 -1"])
    assert not is_celeba_format(["file,a", "x.jpg,1"])
    assert not is_celeba_format(["2", "A B", "x.jpg 1"])


def test_csv_without_attribute_column(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("file\nx.jpg\n")
    with pytest.raises(ValueError, match="header row"):
        read_labels_file(str(path))
