# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""ProcessWriter: the same files as the writers in this process, written by a
child process; its errors reach the parent."""

import datetime
import os
import pickle
import tempfile
from decimal import Decimal

import pytest

from writers import FeedOptions, FeedTooLargeError, ProcessWriter, WriteReport

FILE_TYPES = ("csv", "xlsx", "xls")
HEADER = ("code", "name", "price", "qty", "active", "date", "empty")
ROWS = [
    ("A-1", 'Chair "Oslo", oak\nwith cushion', Decimal("12.50"), 3, True,
     datetime.date(2026, 11, 27), None),
    ("=1+1", "Стілець 😀", 0.1, 2.5, False, datetime.datetime(2026, 1, 2, 3, 4, 5),
     ""),
]  # fmt: skip


def write(file_type, batches, header=HEADER, **options):
    """Write through a ProcessWriter; (file bytes, report)."""
    with tempfile.TemporaryFile() as stream:
        writer = ProcessWriter(stream, FeedOptions(file_type=file_type, **options))
        try:
            writer.write_header(header)
            for rows in batches:
                writer.write_rows(rows)
            report = writer.close()
        finally:
            writer.abort()
        stream.seek(0)
        return stream.read(), report


def read_back(feed, file_type, data, **options):
    if file_type == "csv":
        return feed.csv_rows(data, **options)
    if file_type == "xlsx":
        return feed.xlsx_rows(data)
    return feed.xls_rows(data)


@pytest.mark.parametrize("file_type", FILE_TYPES)
@pytest.mark.parametrize(
    "options",
    [{}, {"header_row": 3, "sheet_name": "Товари", "encoding": "cp1251"}],
)
def test_same_file_as_in_process(feed, file_type, options):
    batches = [ROWS, (row for row in ROWS[:1]), []]
    data, report = write(file_type, batches, **options)
    expected_data, expected_report = feed.generate(
        file_type, HEADER, batches=[ROWS, ROWS[:1], []], **options
    )
    assert report == expected_report
    assert report.rows == 3
    read_options = {"encoding": "cp1251"} if "encoding" in options else {}
    assert read_back(feed, file_type, data, **read_options) == read_back(
        feed, file_type, expected_data, **read_options
    )
    if file_type == "csv":
        assert data == expected_data


def test_many_batches_overlap_the_child_writing(feed):
    batches = [[(f"p{b}-{i}", i * 0.5) for i in range(1000)] for b in range(30)]
    data, report = write("xlsx", batches, header=["code", "price"])
    assert report == WriteReport(rows=30_000)
    rows = feed.xlsx_rows(data)
    assert rows[1] == ["p0-0", 0] and rows[-1] == ["p29-999", 999 * 0.5]


def test_too_many_columns_is_raised_in_the_parent():
    with pytest.raises(FeedTooLargeError) as caught:
        write("xls", [[tuple(range(257))]] * 3, header=list(range(257)))
    assert (caught.value.kind, caught.value.limit) == ("columns", 256)


def test_too_many_rows_is_raised_in_the_parent():
    # Header on the sheet's last row: no product row fits.
    with pytest.raises(FeedTooLargeError) as caught:
        write("xls", [[("x",)] * 5] * 200, header=["code"], header_row=65_536)
    assert (caught.value.kind, caught.value.limit) == ("rows", 0)


def test_a_failure_in_the_child_is_raised_in_the_parent():
    with pytest.raises(RuntimeError, match="ValueError: Row has 1 values"):
        write("csv", [[("only one",)]])


def test_a_value_that_cannot_be_sent_stops_the_child():
    with tempfile.TemporaryFile() as stream:
        writer = ProcessWriter(stream, FeedOptions())
        writer.write_header(["x"])
        # A local function can't be pickled (the error's class depends on
        # the Python version).
        with pytest.raises((AttributeError, pickle.PicklingError)):
            writer.write_rows([(lambda: None,)])
        writer.abort()
        assert writer._process.returncode is not None
        writer.abort()  # once stopped: nothing to do


def test_a_killed_child_is_an_error():
    with tempfile.TemporaryFile() as stream:
        writer = ProcessWriter(stream, FeedOptions(file_type="xlsx"))
        writer.write_header(["x"])
        os.kill(writer._process.pid, 9)
        writer._process.wait()
        with pytest.raises(RuntimeError, match="ended with code -9"):
            for _ in range(100):
                writer.write_rows([("x",)] * 1000)
            writer.close()
