# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XLSX writer, read back with openpyxl."""

import datetime
import io
import os
import zipfile
from decimal import Decimal

import pytest
from openpyxl.worksheet import _writer as openpyxl_writer
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from writers import FeedOptions, FeedTooLargeError, PartWriter, assemble, open_writer
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
    writer = PartWriter(io.BytesIO(), FeedOptions(file_type="xlsx"))
    with pytest.raises(FeedTooLargeError) as caught:
        writer.write_header(["c"] * 16_385)
    assert (caught.value.kind, caught.value.limit) == ("columns", 16_384)
    assert writer.state.width is None


def test_last_sheet_row_fits_and_the_next_raises():
    """Row 1,048,576 is written; the next row raises as soon as it comes."""
    writer = open_writer(FeedOptions(file_type="xlsx"), width=1, rows_before=1_048_574)
    part = writer.rows([["last"]])
    assert b'<row r="1048576"><c r="A1048576" t="inlineStr">' in part
    consumed = []

    def rows():
        for i in range(5):
            consumed.append(i)
            yield [i]

    with pytest.raises(FeedTooLargeError) as caught:
        writer.rows(rows())
    assert (caught.value.kind, caught.value.limit) == ("rows", 1_048_575)
    assert consumed == [0] and writer.report.rows == 1


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_many_rows_over_batches(feed, parts):
    batches = [
        [[i, f"name {i}", i / 2] for i in range(start, start + 700)]
        for start in (0, 700, 1400)
    ]
    data, report = feed.generate(
        "xlsx", ["id", "name", "half"], batches=batches, parts=parts
    )
    rows = feed.xlsx_rows(data)
    assert len(rows) == 2101 and report.rows == 2100
    assert rows[-1] == [2099, "name 2099", 1049.5]


def test_writes_to_real_files(tmp_path, feed):
    """Parts in files of their own, assembled into the workbook's file."""
    options = FeedOptions(file_type="xlsx", sheet_name="Feed")
    state = None
    for index, rows in enumerate([[], [[1]], [[2], [3]]]):
        with (tmp_path / f"part{index}").open("wb") as stream:
            writer = PartWriter(stream, options, state)
            if state is None:
                writer.write_header(["a"])
            writer.write_rows(rows)
            state = writer.close()
    path = tmp_path / "feed.xlsx"
    with path.open("wb") as stream:
        fragments = (tmp_path.joinpath(f"part{i}").read_bytes() for i in range(3))
        assemble(options, ["a"], state, fragments, stream)
    assert feed.xlsx_rows(path.read_bytes()) == [["a"], [1], [2], [3]]


@pytest.fixture
def temporary_files(monkeypatch):
    """The openpyxl temporary files created meanwhile."""
    created = []
    create = openpyxl_writer.create_temporary_file

    def recording(*args, **kwargs):
        created.append(create(*args, **kwargs))
        return created[-1]

    monkeypatch.setattr(openpyxl_writer, "create_temporary_file", recording)
    return created


def test_no_temporary_file_is_left(temporary_files):
    """No step of a generation leaves an openpyxl temporary file behind, so a
    unit of work that stops between two steps leaves none either."""
    before = set(ALL_TEMP_FILES)
    options = FeedOptions(file_type="xlsx", header_row=2)

    def no_file_left():
        assert set(ALL_TEMP_FILES) == before
        assert not [path for path in temporary_files if os.path.exists(path)]

    dropped = PartWriter(io.BytesIO(), options)
    no_file_left()
    dropped.write_header(["a"])
    dropped.write_rows([["x"]] * 3)
    no_file_left()
    del dropped  # e.g. an error on the Odoo side between two batches
    first = PartWriter(io.BytesIO(), options)
    first.write_header(["a"])
    second = PartWriter(io.BytesIO(), options, first.close())
    second.write_rows([["y"]])
    state = second.close()
    no_file_left()
    fragments = [first.stream.getvalue(), second.stream.getvalue()]
    assemble(options, ["a"], state, fragments, io.BytesIO())
    no_file_left()
