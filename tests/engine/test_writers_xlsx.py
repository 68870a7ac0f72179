# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XLSX writer, read back with openpyxl."""

import datetime
import io
import os
import zipfile
from decimal import Decimal

import pytest
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from writers import FeedOptions, FeedTooLargeError, open_writer
from writers.formatting import CELL_LIMIT


def test_sheet_name_and_cells(feed):
    data, report = feed.generate(
        "xlsx",
        ["Код_товару", "Ціна"],
        [["SKU-1", Decimal("12.50")]],
        sheet_name="Товари 2026",
    )
    sheet = feed.xlsx_sheet(data)
    assert sheet.title == "Товари 2026"
    assert feed.xlsx_rows(data) == [["Код_товару", "Ціна"], ["SKU-1", 12.5]]
    assert report.rows == 1


def test_numbers_are_numeric(feed):
    row = [7, -2, 2.5, Decimal("12.50"), True, False, 12345678901]
    data, _report = feed.generate("xlsx", list("abcdefg"), [row])
    cells = list(feed.xlsx_sheet(data).iter_rows(min_row=2))[0]
    assert [cell.data_type for cell in cells] == ["n"] * len(row)
    assert [cell.value for cell in cells] == [7, -2, 2.5, 12.5, 1, 0, 12345678901]


def test_formula_like_text_stays_text(feed):
    values = ["=SUM(A1)", "=", "=1+1", "#N/A", "#DIV/0!", "+380", "-5", "@x", "#tag"]
    data, _report = feed.generate(
        "xlsx", [f"c{i}" for i in range(len(values))], [values]
    )
    cells = list(feed.xlsx_sheet(data).iter_rows(min_row=2))[0]
    assert [cell.value for cell in cells] == values
    assert {cell.data_type for cell in cells} == {"s"}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and 't="e"' not in xml


def test_header_starting_with_equals_is_text(feed):
    data, _report = feed.generate("xlsx", ["=name", "price"], [])
    cell = feed.xlsx_sheet(data)["A1"]
    assert (cell.value, cell.data_type) == ("=name", "s")


def test_value_types(feed):
    row = [
        None,
        "",
        datetime.date(2026, 11, 27),
        datetime.datetime(2026, 11, 27, 10, 5, 0, 500, tzinfo=datetime.timezone.utc),
        float("nan"),
        ["x"],
    ]
    data, _report = feed.generate("xlsx", list("abcdef"), [row])
    cells = list(feed.xlsx_sheet(data).iter_rows(min_row=2))[0]
    assert [cell.value for cell in cells] == [
        None,
        None,
        "2026-11-27",
        "2026-11-27T10:05:00",
        "nan",
        "['x']",
    ]
    assert [cell.data_type for cell in cells[2:]] == ["s"] * 4


@pytest.mark.parametrize("header_row", [1, 2, 5])
def test_header_row(feed, header_row):
    data, _report = feed.generate("xlsx", ["a", "b"], [["x", 1]], header_row=header_row)
    sheet = feed.xlsx_sheet(data)
    assert sheet.max_row == header_row + 1
    assert sheet.cell(header_row, 1).value == "a"
    assert sheet.cell(header_row + 1, 2).value == 1
    rows = feed.xlsx_rows(data)
    assert rows[: header_row - 1] == [[None, None]] * (header_row - 1)
    assert rows[header_row - 1 :] == [["a", "b"], ["x", 1]]


def test_text_kept_exactly(feed):
    values = [
        "  padded  ",
        "line\nbreak",
        "cr\rlf\r\n",
        "tab\t",
        "😀 中文 Ґ",
        "\u2028\x85",
    ]
    data, report = feed.generate(
        "xlsx", [f"c{i}" for i in range(len(values))], [values]
    )
    assert feed.xlsx_rows(data)[1] == values
    assert report.replaced_chars == 0


def test_illegal_characters_removed_and_counted(feed):
    rows = [["a\x00b\x01c", "\x0b\x0c"], ["ok\x1f", "bad\ud800\ufffe\uffff!"]]
    data, report = feed.generate("xlsx", ["h\x07", "i"], rows)
    assert feed.xlsx_rows(data) == [["h", "i"], ["abc", None], ["ok", "bad!"]]
    assert report.replaced_chars == 1 + 2 + 2 + 1 + 3


def test_long_text_truncated_and_counted(feed):
    long = "ї" * (CELL_LIMIT + 10)
    exact = "x" * CELL_LIMIT
    emoji = "😀" * CELL_LIMIT
    data, report = feed.generate("xlsx", ["a", "b", "c"], [[long, exact, emoji]])
    assert feed.xlsx_rows(data)[1] == [
        "ї" * CELL_LIMIT,
        exact,
        "😀" * (CELL_LIMIT // 2),
    ]
    assert report.truncated_cells == 2


def test_long_formula_like_text_truncated_and_text(feed):
    data, report = feed.generate("xlsx", ["a"], [["=" + "1" * CELL_LIMIT]])
    cell = feed.xlsx_sheet(data)["A2"]
    assert (len(cell.value), cell.data_type) == (CELL_LIMIT, "s")
    assert report.truncated_cells == 1


def test_column_limit():
    writer = open_writer(io.BytesIO(), FeedOptions(file_type="xlsx"))
    with pytest.raises(FeedTooLargeError) as caught:
        writer.write_header(["c"] * 16_385)
    assert (caught.value.kind, caught.value.limit) == ("columns", 16_384)


def test_many_rows_over_batches(feed):
    batches = [
        [[i, f"name {i}", i / 2] for i in range(start, start + 700)]
        for start in (0, 700, 1400)
    ]
    data, report = feed.generate("xlsx", ["id", "name", "half"], batches=batches)
    rows = feed.xlsx_rows(data)
    assert len(rows) == 2101 and report.rows == 2100
    assert rows[-1] == [2099, "name 2099", 1049.5]


def test_writes_to_a_real_file(tmp_path, feed):
    path = tmp_path / "feed.xlsx"
    with path.open("wb") as stream:
        writer = open_writer(stream, FeedOptions(file_type="xlsx", sheet_name="Feed"))
        writer.write_header(["a"])
        writer.write_rows([[1]])
        writer.close()
    assert feed.xlsx_rows(path.read_bytes()) == [["a"], [1]]


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("rows", [None, [], [["x"]] * 3])
def test_dropped_writer_leaves_no_temporary_file(rows):
    before = set(ALL_TEMP_FILES)
    writer = open_writer(io.BytesIO(), FeedOptions(file_type="xlsx", header_row=2))
    if rows is not None:
        writer.write_header(["a"])
        writer.write_rows(rows)
    (path,) = set(ALL_TEMP_FILES) - before
    assert os.path.exists(path)
    del writer  # e.g. an error on the Odoo side between two batches
    assert not os.path.exists(path) and path not in ALL_TEMP_FILES


def test_closed_writer_leaves_no_temporary_file(feed):
    before = set(ALL_TEMP_FILES)
    feed.generate("xlsx", ["a"], [["x"]])
    assert set(ALL_TEMP_FILES) == before
