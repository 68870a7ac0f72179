# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Public API, options, value formatting and the writer protocol."""

import datetime
import io
import pickle
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from writers import (
    CONTENT_TYPES,
    EXTENSIONS,
    FeedOptions,
    FeedTooLargeError,
    PartWriter,
    WriteReport,
    assemble,
    join_values,
    open_writer,
)
from writers.formatting import CELL_LIMIT, fit_cell, spreadsheet_value, to_text

FILE_TYPES = ("csv", "xlsx", "xls")


def test_extensions_and_content_types():
    assert EXTENSIONS == {"csv": "csv", "xlsx": "xlsx", "xls": "xls", "xml": "xml"}
    assert CONTENT_TYPES == {
        "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xls": "application/vnd.ms-excel",
        "xml": "application/xml",
    }


def test_option_defaults():
    options = FeedOptions()
    assert (options.file_type, options.sheet_name, options.header_row) == (
        "csv",
        "Products",
        1,
    )
    assert (options.delimiter, options.encoding, options.decimal_comma) == (
        ",",
        "utf-8",
        False,
    )


@pytest.mark.parametrize(
    "options",
    [
        {"file_type": "ods"},
        {"header_row": 0},
        {"header_row": -3},
        {"header_row": 1.0},
        {"header_row": True},
        {"file_type": "xls", "header_row": 65_537},
        {"file_type": "xlsx", "header_row": 1_048_577},
        {"delimiter": ":"},
        {"delimiter": ""},
        {"encoding": "latin-1"},
        {"file_type": "xlsx", "sheet_name": ""},
        {"file_type": "xlsx", "sheet_name": "x" * 32},
        {"file_type": "xls", "sheet_name": "a/b"},
        {"file_type": "xls", "sheet_name": "a[1]"},
        {"file_type": "xlsx", "sheet_name": "what?"},
        {"file_type": "xlsx", "sheet_name": "'quoted'"},
        {"file_type": "xlsx", "sheet_name": "tab\there"},
    ],
)
def test_invalid_options(options):
    with pytest.raises(ValueError):
        FeedOptions(**options)


def test_options_of_other_formats_are_ignored():
    FeedOptions(file_type="xlsx", delimiter="", encoding="")
    FeedOptions(file_type="csv", sheet_name="")
    FeedOptions(file_type="csv", header_row=2_000_000)
    FeedOptions(file_type="xls", header_row=65_536, sheet_name="Товари 2026")


def test_write_report_defaults():
    assert WriteReport() == WriteReport(rows=0, replaced_chars=0, truncated_cells=0)


def test_feed_too_large_error():
    error = FeedTooLargeError("rows", 65_535)
    assert isinstance(error, ValueError)
    assert (error.kind, error.limit) == ("rows", 65_535)
    assert "65535" in str(error) and "rows" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.limit, str(copy)) == ("rows", 65_535, str(error))


@pytest.mark.parametrize(
    "values, expected",
    [
        (["Red", "Blue"], "Red, Blue"),
        (["Red", None, "", False, "Blue"], "Red, Blue"),
        ([], ""),
        ([None, False, ""], ""),
        ([0, 0.0, 1], "0, 0.0, 1"),
        (("https://a/1.jpg", "https://a/2.jpg"), "https://a/1.jpg, https://a/2.jpg"),
        ((v for v in ["x", None, "y"]), "x, y"),
        ([Decimal("1.50"), datetime.date(2026, 11, 27)], "1.50, 2026-11-27"),
    ],
)
def test_join_values(values, expected):
    assert join_values(values) == expected


def test_join_values_separator():
    assert join_values(["a", None, "b"], separator="|") == "a|b"
    assert join_values(["a", "b"], "; ") == "a; b"


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        ("", ""),
        ("text", "text"),
        (True, "1"),
        (False, "0"),
        (0, "0"),
        (-42, "-42"),
        (12345678901234567890, "12345678901234567890"),
        (12.5, "12.5"),
        (3.0, "3.0"),
        (-0.1, "-0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-05, "0.00001"),
        (1.5e-07, "0.00000015"),
        (1e16, "10000000000000000"),
        (1.5e20, "150000000000000000000"),
        (float("inf"), "inf"),
        (Decimal("12.50"), "12.50"),
        (Decimal("0.00"), "0.00"),
        (Decimal("-3.1"), "-3.1"),
        (Decimal("1E+2"), "100"),
        (Decimal("1E-7"), "0.0000001"),
        (datetime.date(2026, 11, 27), "2026-11-27"),
        (datetime.datetime(2026, 11, 27, 10, 5), "2026-11-27T10:05:00"),
        (datetime.datetime(2026, 11, 27, 10, 5, 7, 999_999), "2026-11-27T10:05:07"),
        (
            datetime.datetime(
                2026,
                11,
                27,
                10,
                5,
                tzinfo=datetime.timezone(datetime.timedelta(hours=2)),
            ),
            "2026-11-27T10:05:00",
        ),
        (["a"], "['a']"),
    ],
)
def test_to_text(value, expected):
    assert to_text(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (12.5, "12,5"),
        (Decimal("12.50"), "12,50"),
        (1e-05, "0,00001"),
        (1234, "1234"),
        (True, "1"),
        ("1.5", "1.5"),
        (datetime.date(2026, 11, 27), "2026-11-27"),
    ],
)
def test_to_text_decimal_comma(value, expected):
    assert to_text(value, decimal_comma=True) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, 1),
        (False, 0),
        (7, 7),
        (2.5, 2.5),
        (Decimal("12.50"), 12.5),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (Decimal("Infinity"), "Infinity"),
        (datetime.date(2026, 1, 2), "2026-01-02"),
        (datetime.datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05"),
        (object, "<class 'object'>"),
    ],
)
def test_spreadsheet_value(value, expected):
    result = spreadsheet_value(value)
    assert result == expected and type(result) is type(expected)


def test_fit_cell_counts_utf16_units():
    assert CELL_LIMIT == 32_767
    assert fit_cell("x" * CELL_LIMIT) == "x" * CELL_LIMIT
    assert fit_cell("x" * (CELL_LIMIT + 1)) == "x" * CELL_LIMIT
    # An emoji is two UTF-16 units, as Excel counts characters.
    assert fit_cell("😀" * 20_000) == "😀" * (CELL_LIMIT // 2)
    assert fit_cell("x" + "😀" * 20_000) == "x" + "😀" * (CELL_LIMIT // 2)
    short = "😀" * 16_000
    assert fit_cell(short) is short


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_protocol_errors(file_type):
    options = FeedOptions(file_type=file_type)
    with pytest.raises(RuntimeError):
        open_writer(options).rows([["x"]])
    first = PartWriter(io.BytesIO(), options)
    with pytest.raises(RuntimeError):
        first.write_rows([["x"]])
    first.write_header(["a", "b"])
    with pytest.raises(RuntimeError):
        first.write_header(["a", "b"])
    with pytest.raises(ValueError):
        first.write_rows([["only one"]])
    later = PartWriter(io.BytesIO(), options, first.close())
    with pytest.raises(RuntimeError):
        later.write_header(["a", "b"])
    with pytest.raises(ValueError):
        later.write_rows([["a", "b", "c"]])
    with pytest.raises(ValueError):
        open_writer(options, width=2, rows_before=5).rows([["a"]])
    no_column = PartWriter(io.BytesIO(), options)
    no_column.write_header([])
    with pytest.raises(RuntimeError):
        no_column.write_header(["a"])


@pytest.mark.parametrize("parts", [1, 3])
@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_report_counts_rows_over_batches(feed, file_type, parts):
    batches = [[[i, f"p{i}"] for i in range(n)] for n in (3, 0, 1500, 1)]
    _data, report = feed.generate(
        file_type, ["id", "name"], batches=batches, parts=parts
    )
    assert report == WriteReport(rows=1504)


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_rows_from_a_generator(feed, file_type):
    data, report = feed.generate(file_type, ["n"], ((i,) for i in range(5)))
    assert report.rows == 5
    assert data


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_writers_run_side_by_side(feed, file_type):
    """Independent part writers, used in turn, keep their own counts and
    files."""
    options = FeedOptions(file_type=file_type, encoding="cp1251")
    streams = [io.BytesIO(), io.BytesIO()]
    writers = [PartWriter(stream, options) for stream in streams]
    for writer in writers:
        writer.write_header(["name"])
    writers[0].write_rows([["😀😀"]])
    writers[1].write_rows([["ok"], ["😀"]])
    states = [writer.close() for writer in writers]
    assert [state.rows for state in states] == [1, 2]
    # cp1251 CSV and XLS replace the emoji; XLSX stores them.
    expected = [0, 0] if file_type == "xlsx" else [2, 1]
    assert [state.replaced_chars for state in states] == expected
    files = []
    for stream, state in zip(streams, states, strict=True):
        out = io.BytesIO()
        assemble(options, ["name"], state, [stream.getvalue()], out)
        files.append(out.getvalue())
    read = {
        "csv": lambda data: feed.csv_rows(data, encoding="cp1251"),
        "xlsx": feed.xlsx_rows,
        "xls": feed.xls_rows,
    }[file_type]
    emoji = "😀" if file_type == "xlsx" else "?"
    assert read(files[0]) == [["name"], [emoji * 2]]
    assert read(files[1]) == [["name"], ["ok"], [emoji]]


def test_csv_part_writers_in_threads_keep_their_own_counts():
    options = FeedOptions(encoding="cp1251")

    def job(n):
        state = None
        for _part in range(4):
            writer = PartWriter(io.BytesIO(), options, state)
            if state is None:
                writer.write_header(["name"])
            for _batch in range(5):
                writer.write_rows([["😀" * n]] * 50)
            state = writer.close()
        return state.rows, state.replaced_chars

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(job, range(1, 9))) == [
            (1000, n * 1000) for n in range(1, 9)
        ]
