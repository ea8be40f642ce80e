"""Checks of the package's picture sheets: a band of column labels over the tiles."""


def check_labelled(sheet, rows, columns, tile, padding=2, labelled=None):
    """Checks that `sheet` holds `rows` x `columns` tiles of `tile` pixels under a band of
    labels with ink over each column of `labelled` (default: every column; `()`: the band
    only, e.g. a title). Returns the band's height, the offset of the tiles."""
    assert sheet.shape[1] == columns * (tile + padding) + padding, sheet.shape
    header = sheet.shape[0] - (rows * (tile + padding) + padding)
    assert header > 0, f"no label band over {rows} rows of {tile} px: {sheet.shape}"
    assert sheet[:header].min() < 128, "the label band is blank"
    for column in range(columns) if labelled is None else labelled:
        x = padding + column * (tile + padding)
        assert sheet[:header, x : x + tile].min() < 128, f"column {column} has no label"
    return header
