# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XLS writer, read back with xlrd; sheet size limits."""

import datetime
import io
from decimal import Decimal

import pytest
import xlrd
import xlwt

from writers import FeedOptions, FeedTooLargeError, PartWriter, open_writer
from writers.formatting import CELL_LIMIT


def test_sheet_name_and_cells(feed):
    data, report = feed.generate(
        "xls",
        ["Код_товару", "Ціна"],
        [["SKU-1", Decimal("12.50")]],
        sheet_name="Товари",
    )
    sheet = feed.xls_sheet(data)
    assert sheet.name == "Товари"
    assert feed.xls_rows(data) == [["Код_товару", "Ціна"], ["SKU-1", 12.5]]
    assert report.rows == 1


def test_cell_types(feed):
    row = [
        7,
        2.5,
        Decimal("12.50"),
        True,
        False,
        "=SUM(A1)",
        "#N/A",
        datetime.date(2026, 11, 27),
        datetime.datetime(2026, 11, 27, 10, 5, 9, 1),
        None,
        "",
        float("inf"),
    ]
    data, _report = feed.generate("xls", [f"c{i}" for i in range(len(row))], [row])
    sheet = feed.xls_sheet(data)
    number, text, empty = xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_TEXT, xlrd.XL_CELL_EMPTY
    types = [number] * 5 + [text] * 4 + [empty] * 2 + [text]
    assert list(sheet.row_types(1)) == types
    assert sheet.row_values(1) == [
        7,
        2.5,
        12.5,
        1,
        0,
        "=SUM(A1)",
        "#N/A",
        "2026-11-27",
        "2026-11-27T10:05:09",
        "",
        "",
        "inf",
    ]


@pytest.mark.parametrize("header_row", [1, 2, 5])
def test_header_row(feed, header_row):
    data, _report = feed.generate("xls", ["a", "b"], [["x", 1]], header_row=header_row)
    sheet = feed.xls_sheet(data)
    assert sheet.nrows == header_row + 1
    assert sheet.cell_value(header_row - 1, 0) == "a"
    assert sheet.cell_value(header_row, 1) == 1
    assert feed.xls_rows(data)[: header_row - 1] == [["", ""]] * (header_row - 1)


def test_text_kept_exactly(feed):
    values = [
        "  padded  ",
        "line\nbreak",
        "cr\r\n",
        "ctl\x00\x01\x1f",
        "中文 Ґ €",
        "é",
    ]
    data, report = feed.generate("xls", [f"c{i}" for i in range(len(values))], [values])
    assert feed.xls_rows(data)[1] == values
    assert report.replaced_chars == 0


def test_surrogates_and_astral_characters_replaced_and_counted(feed):
    """xlwt may split a UTF-16 surrogate pair between two SST records, which
    xlrd cannot decode: characters beyond U+FFFF become "?" in XLS."""
    rows = [["a\ud800b"], ["😀 Кава ☕"], ["\U0001f525" * 3]]
    data, report = feed.generate("xls", ["h"], rows)
    assert feed.xls_rows(data) == [["h"], ["a?b"], ["? Кава ☕"], ["???"]]
    assert report.replaced_chars == 5


def test_astral_characters_in_many_strings_stay_readable(feed):
    """Enough text to spread the shared strings over many CONTINUE records."""
    rows = [[f"{i} " + "😀" * 40] for i in range(300)]  # unreadable from raw xlwt
    data, report = feed.generate("xls", ["name"], rows)
    names = [row[0] for row in feed.xls_rows(data)[1:]]
    assert names == [f"{i} " + "?" * 40 for i in range(300)]
    assert report.replaced_chars == 300 * 40


def test_long_text_truncated_and_counted(feed):
    row = ["ї" * (CELL_LIMIT + 1), "x" * CELL_LIMIT, "=" + "1" * CELL_LIMIT]
    data, report = feed.generate("xls", ["a", "b", "c"], [row])
    assert feed.xls_rows(data)[1] == ["ї" * CELL_LIMIT, "x" * CELL_LIMIT, row[2][:-1]]
    assert report.truncated_cells == 2


def test_256_columns_fit(feed):
    header = [f"c{i}" for i in range(256)]
    data, _report = feed.generate("xls", header, [list(range(256))])
    sheet = feed.xls_sheet(data)
    assert sheet.ncols == 256 and sheet.cell_value(1, 255) == 255


def test_257_columns_raise():
    writer = PartWriter(io.BytesIO(), FeedOptions(file_type="xls"))
    with pytest.raises(FeedTooLargeError) as caught:
        writer.write_header([f"c{i}" for i in range(257)])
    assert (caught.value.kind, caught.value.limit) == ("columns", 256)
    assert writer.state.width is None


def test_last_sheet_row_fits(feed):
    data, report = feed.generate(
        "xls", ["n"], [[i] for i in range(6)], header_row=65_530
    )
    sheet = feed.xls_sheet(data)
    assert sheet.nrows == 65_536 and sheet.cell_value(65_535, 0) == 5
    assert report.rows == 6


def test_too_many_rows_raise_as_soon_as_they_overflow():
    """The writer of a later part, 4 rows written before it."""
    header_row = 65_530
    options = FeedOptions(file_type="xls", header_row=header_row)
    writer = open_writer(options, width=1, rows_before=4)
    consumed = []

    def rows():
        for i in range(4, 100):
            consumed.append(i)
            yield [i]

    with pytest.raises(FeedTooLargeError) as caught:
        writer.rows(rows())
    assert (caught.value.kind, caught.value.limit) == ("rows", 65_536 - header_row)
    assert consumed == [4, 5, 6]  # the 7th product row does not fit
    assert writer.report.rows == 2


def test_header_on_the_last_sheet_row(feed):
    options = FeedOptions(file_type="xls", header_row=65_536)
    writer = PartWriter(io.BytesIO(), options)
    writer.write_header(["n"])
    state = writer.close()
    with pytest.raises(FeedTooLargeError) as caught:
        PartWriter(io.BytesIO(), options, state).write_rows([[1]])
    assert (caught.value.kind, caught.value.limit) == ("rows", 0)
    data, report = feed.generate("xls", ["n"], [], header_row=65_536)
    assert feed.xls_rows(data)[-1] == ["n"] and report.rows == 0


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_many_rows_over_batches(feed, parts):
    batches = [[[i, f"name {i}"] for i in range(s, s + 900)] for s in (0, 900, 1800)]
    data, report = feed.generate("xls", ["id", "name"], batches=batches, parts=parts)
    rows = feed.xls_rows(data)
    assert len(rows) == 2701 and report.rows == 2700
    assert rows[1] == [0, "name 0"] and rows[-1] == [2699, "name 2699"]


def test_same_bytes_as_xlwt_row_write(feed):
    """The direct cell insertion builds exactly what xlwt's Row.write() builds."""
    header = ["h1", "h2", "h3", "h4", "h5"]
    rows = [
        [None, "a", 1, 2.5, None],
        ["x", None, None, 3, "y"],
        [None] * 5,
        [None, None, "z", None, None],
    ]
    data, _report = feed.generate("xls", header, rows, header_row=3, sheet_name="Feed")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Feed")
    for rowx, row in enumerate([header, *rows], start=2):
        for colx, value in enumerate(row):
            if value is not None:
                sheet.row(rowx).write(colx, value)
    sheet.flush_row_data()
    expected = io.BytesIO()
    book.save(expected)
    assert data == expected.getvalue()
