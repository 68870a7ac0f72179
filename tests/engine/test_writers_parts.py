# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A file written in any number of parts, with any part boundaries, is the
file written in one part."""

import codecs
import dataclasses
import functools
import gzip
import io
import json
import zipfile
import zlib
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writers import (
    FeedOptions,
    FeedTooLargeError,
    PartState,
    PartWriter,
    WriteReport,
    assemble,
)
from writers.formatting import CELL_LIMIT
from writers.options import DELIMITERS, ENCODINGS

FILE_TYPES = ("csv", "xlsx", "xls")
SETTINGS = settings(max_examples=40, deadline=None)
HEADER = ["Код_товару", "Назва ✓", "Ціна", "Опис"]  # "✓" is not in cp1251


def catalogue(count):
    """Rows with what each format has to quote, replace or cut."""
    rows = []
    for i in range(count):
        name = f'Товар "{i}", ;|\t\r\n'
        if i % 10 == 0:
            name += "😀"  # not in cp1251; beyond U+FFFF for XLS
        if i % 25 == 0:
            name += "\x01"  # not in XML
        text = "ї" * (CELL_LIMIT + 1) if i % 100 == 0 else "=SUM(A1)"
        rows.append([f"SKU-{i}", name, Decimal(i) / 4, text])
    return rows


ROWS = catalogue(120)
# What the 120 rows make each format replace and cut: 12 emoji, 5 "\x01",
# 2 long texts, and the header's "✓" in cp1251.
REPORTS = {
    ("csv", "utf-8"): WriteReport(120),
    ("csv", "utf-8-sig"): WriteReport(120),
    ("csv", "cp1251"): WriteReport(120, replaced_chars=13),
    ("xlsx", None): WriteReport(120, replaced_chars=5, truncated_cells=2),
    ("xls", None): WriteReport(120, replaced_chars=12, truncated_cells=2),
}
ONE_ROW_PER_PART = [[], *([[row]] for row in ROWS)]


@functools.cache
def one_part(feed, file_type, **options):
    """The file written in one part: the header and all rows at once."""
    return feed.write(file_type, HEADER, [[ROWS]], **options)


def xlsx_members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def xlsx_read_only_rows(data):
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def xlsx_cells(feed, data):
    """(value, type) of each cell, read in openpyxl's full mode."""
    sheet = feed.xlsx_sheet(data)
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def xls_cells(feed, data):
    """(value, type) of each cell, read with xlrd."""
    sheet = feed.xls_sheet(data)
    return [
        list(zip(sheet.row_values(rowx), sheet.row_types(rowx), strict=True))
        for rowx in range(sheet.nrows)
    ]


def same_file(file_type, data, other):
    """XLSX: the same members (the zip's compressed bytes depend on the
    part boundaries); other formats: the same bytes."""
    if file_type == "xlsx":
        return xlsx_members(data) == xlsx_members(other)
    return data == other


def check_parts(feed, file_type, parts, **options):
    """The file written in ``parts`` is the one written in one part; return
    its report."""
    data, report, gzipped = feed.write(file_type, HEADER, parts, **options)
    whole, whole_report, _gzip = one_part(feed, file_type, **options)
    assert same_file(file_type, data, whole)
    assert report == whole_report
    header_row = options.get("header_row", 1)
    if file_type == "csv":
        assert gzip.decompress(gzipped) == data
        sig = options.get("encoding") == "utf-8-sig"
        assert data.startswith(codecs.BOM_UTF8) == sig
        assert data.count(codecs.BOM_UTF8) == sig
    elif file_type == "xlsx":
        assert xlsx_cells(feed, data) == xlsx_cells(feed, whole)
        rows = xlsx_read_only_rows(data)
        assert rows == xlsx_read_only_rows(whole)
        assert len(rows) == header_row + len(ROWS)
    else:
        cells = xls_cells(feed, data)
        assert cells == xls_cells(feed, whole)
        assert len(cells) == header_row + len(ROWS)
    return report


@pytest.mark.parametrize("file_type", FILE_TYPES)
@SETTINGS
@given(choices=st.data(), header_row=st.integers(1, 3))
def test_any_part_boundaries(feed, file_type, choices, header_row):
    options = {"header_row": header_row}
    if file_type == "csv":
        options["delimiter"] = choices.draw(st.sampled_from(DELIMITERS))
        options["encoding"] = choices.draw(st.sampled_from(ENCODINGS))
    check_parts(feed, file_type, choices.draw(feed.split(ROWS)), **options)


@pytest.mark.parametrize(
    "file_type, options",
    [
        *(
            pytest.param(
                "csv",
                {"encoding": encoding, "delimiter": delimiter},
                id=f"csv-{encoding}-{delimiter!r}",
            )
            for encoding in ENCODINGS
            for delimiter in DELIMITERS
        ),
        pytest.param("xlsx", {}, id="xlsx"),
        pytest.param("xls", {}, id="xls"),
    ],
)
def test_one_row_per_part(feed, file_type, options):
    """The header alone, then 120 parts of one row each; the report sums
    what each part replaced and cut."""
    report = check_parts(feed, file_type, ONE_ROW_PER_PART, header_row=2, **options)
    assert report == REPORTS[file_type, options.get("encoding")]


def test_csv_gzip_copy_of_many_parts(feed):
    """Thousands of rows over many parts: the gzip copy's CRC and size hold."""
    rows = [[i, f"Товар {i}" * (i % 7)] for i in range(30_000)]
    parts = [[], *([rows[start : start + 997]] for start in range(0, 30_000, 997))]
    data, report, gzipped = feed.write("csv", ["n", "name"], parts)
    assert report.rows == 30_000 and len(data) > 1_000_000
    with gzip.GzipFile(fileobj=io.BytesIO(gzipped)) as unzipped:
        assert unzipped.read() == data
    assert data == feed.write("csv", ["n", "name"], [[rows]])[0]


@pytest.mark.parametrize(
    "parts",
    [[[]], [[[]]], [[], []], [[], [[], []], []]],
    ids=["header", "empty batch", "empty part", "empty parts and batches"],
)
@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_empty_file(feed, file_type, parts):
    """The header and no product row, however the parts fall."""
    data, report, gzipped = feed.write(
        file_type, HEADER, parts, encoding="utf-8-sig", header_row=2
    )
    assert report == WriteReport()
    if file_type == "csv":
        assert data == codecs.BOM_UTF8 + "\r\nКод_товару,Назва ✓,Ціна,Опис\r\n".encode()
        assert gzip.decompress(gzipped) == data
    elif file_type == "xlsx":
        xlsx_members(data)
        assert feed.xlsx_rows(data) == [[None] * 4, HEADER]
        assert xlsx_read_only_rows(data) == [[], HEADER]
    else:
        assert feed.xls_rows(data) == [[""] * 4, HEADER]


def test_part_state_round_trips_through_json():
    """The model stores the state as JSON between units of work."""
    options = FeedOptions(encoding="cp1251")
    for state in (PartState(), PartWriter(io.BytesIO(), options).close()):
        stored = json.loads(json.dumps(dataclasses.asdict(state)))
        assert PartState(**stored) == state
    writer = PartWriter(io.BytesIO(), options)
    writer.write_header(["Назва ✓"])
    writer.write_rows([["Чай 😀"], ["Кава"]])
    state = writer.close()
    text = "Назва ?\r\nЧай ?\r\nКава\r\n".encode("cp1251")
    assert state == PartState(
        width=1,
        rows=2,
        size=len(text),
        crc=zlib.crc32(text),
        replaced_chars=2,
        truncated_cells=0,
    )
    stored = json.loads(json.dumps(dataclasses.asdict(state)))
    assert PartState(**stored) == state


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_a_part_retried_from_its_state_is_the_same(feed, file_type):
    """A unit of work that failed is run again from the state it was given:
    the writer does not change that state."""
    options = FeedOptions(file_type=file_type)
    stream = io.BytesIO()
    writer = PartWriter(stream, options)
    writer.write_header(HEADER)
    state = writer.close()
    stored = dataclasses.asdict(state)
    attempts = []
    for _attempt in range(2):
        part = io.BytesIO()
        writer = PartWriter(part, options, state)
        writer.write_rows(ROWS[:50])
        state_after = writer.close()
        attempts.append((part.getvalue(), state_after))
    assert dataclasses.asdict(state) == stored
    assert attempts[0] == attempts[1]
    fragments = [stream.getvalue(), attempts[0][0]]
    out = io.BytesIO()
    assemble(options, HEADER, attempts[0][1], fragments, out)
    assert same_file(
        file_type, out.getvalue(), feed.write(file_type, HEADER, [[ROWS[:50]]])[0]
    )


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_header_written_twice_raises(feed, file_type):
    """In the same part or a later one; the refused header writes nothing."""
    options = FeedOptions(file_type=file_type)
    first_part, second_part = io.BytesIO(), io.BytesIO()
    writer = PartWriter(first_part, options)
    writer.write_header(HEADER)
    with pytest.raises(RuntimeError):
        writer.write_header(HEADER)
    writer = PartWriter(second_part, options, writer.close())
    with pytest.raises(RuntimeError):
        writer.write_header(HEADER)
    writer.write_rows(ROWS[:3])
    state = writer.close()
    out = io.BytesIO()
    assemble(
        options, HEADER, state, [first_part.getvalue(), second_part.getvalue()], out
    )
    assert same_file(
        file_type, out.getvalue(), feed.write(file_type, HEADER, [[ROWS[:3]]])[0]
    )


@pytest.mark.parametrize(
    "file_type, header_row, rows_before, fit",
    [
        ("xls", 65_530, 0, 6),
        # a part late in a long XLSX file: 5 rows left on the sheet
        ("xlsx", 1, 1_048_570, 5),
    ],
)
@SETTINGS
@given(choices=st.data(), count=st.integers(1, 12))
def test_row_limit_raised_in_the_part_where_it_overflows(
    feed, file_type, header_row, rows_before, fit, choices, count
):
    """Whatever the part and batch boundaries, the batch holding the first
    row that does not fit raises; the parts before it are whole."""
    options = FeedOptions(file_type=file_type, header_row=header_row)
    rows = [[i] for i in range(count)]
    state, written = None, 0
    if rows_before:
        state = PartState(width=1, rows=rows_before)
    for batches in choices.draw(feed.split(rows)):
        writer = PartWriter(io.BytesIO(), options, state)
        if state is None:
            writer.write_header(["n"])
        for batch in batches:
            if written + len(batch) > fit:
                with pytest.raises(FeedTooLargeError) as caught:
                    writer.write_rows(batch)
                limit = rows_before + fit  # product rows on the sheet
                assert (caught.value.kind, caught.value.limit) == ("rows", limit)
                return
            writer.write_rows(batch)
            written += len(batch)
        state = writer.close()
        assert state.rows == rows_before + written
    assert count <= fit


def write_behind(file_type, batches, **options):
    """The file of ``batches`` of rows written by ``writing_behind``, in
    one part."""
    options = FeedOptions(file_type=file_type, **options)
    part = io.BytesIO()
    writer = PartWriter(part, options)
    writer.write_header(HEADER)
    with writer.writing_behind() as write_rows:
        for batch in batches:
            write_rows(batch)
    out = io.BytesIO()
    assemble(options, HEADER, writer.close(), [part.getvalue()], out)
    return out.getvalue()


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_rows_written_behind_are_the_rows_written_in_turn(feed, file_type):
    batches = [ROWS[start : start + 7] for start in range(0, len(ROWS), 7)]
    data = write_behind(file_type, batches)
    assert same_file(file_type, data, one_part(feed, file_type)[0])


@pytest.mark.parametrize("last", [False, True])
def test_an_error_writing_behind_is_raised(last):
    """By the hand-over after the batch that failed, or at the end."""
    batches = [[[1, 2, 3, 4]]] * 3
    batches.insert(len(batches) if last else 0, [[1, 2]])  # too short a row
    with pytest.raises(ValueError):
        write_behind("xlsx", batches)
