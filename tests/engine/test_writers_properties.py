# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Property tests: arbitrary tables, written in parts with any boundaries,
survive each format as documented."""

import codecs
import re

import xlrd
from hypothesis import given, settings
from hypothesis import strategies as st

from writers.options import DELIMITERS, ENCODINGS

SETTINGS = settings(max_examples=100, deadline=None)

# Characters that CSV and spreadsheets treat specially, plus some Ukrainian text.
SPECIAL = ",;|\t\"'\r\n =+-@#😀ЇїҐґЄє€№"
ANY_CHAR = st.one_of(
    st.sampled_from(SPECIAL),
    st.characters(min_codepoint=0, max_codepoint=0x1F),  # control characters
    st.characters(min_codepoint=0x400, max_codepoint=0x4FF),  # Cyrillic
    st.characters(),  # any code point, lone surrogates included
)
# Text that starts like a formula or a phone number as often as not.
TEXT = st.tuples(
    st.sampled_from(["", "", "=", "-", "+", "@", "=SUM(A1)"]),
    st.text(ANY_CHAR, max_size=20),
).map("".join)
NUMBER = st.one_of(
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
HEADER_ROW = st.integers(1, 4)


@st.composite
def tables(draw, cell):
    """(header, rows): 1-4 text columns, 0-5 rows of `cell` values."""
    width = draw(st.integers(1, 4))
    header = draw(st.lists(TEXT, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=5))
    return header, rows


def replaced(text, pattern, replacement):
    """`text` with the characters matching `pattern` replaced, and their count."""
    return re.subn(pattern, replacement, text)


def encodable(char, encoding):
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@SETTINGS
@given(
    table=tables(TEXT),
    delimiter=st.sampled_from(DELIMITERS),
    encoding=st.sampled_from(ENCODINGS),
    header_row=HEADER_ROW,
    choices=st.data(),
)
def test_csv_round_trip(feed, table, delimiter, encoding, header_row, choices):
    header, rows = table
    data, report, _gzip = feed.write(
        "csv",
        header,
        choices.draw(feed.split(rows)),
        delimiter=delimiter,
        encoding=encoding,
        header_row=header_row,
    )
    expected, count = [], 0
    for row in [header, *rows]:
        expected.append(
            ["".join(c if encodable(c, encoding) else "?" for c in v) for v in row]
        )
        count += sum(not encodable(c, encoding) for v in row for c in v)
    assert data.startswith(codecs.BOM_UTF8) == (encoding == "utf-8-sig")
    read = feed.csv_rows(data, encoding=encoding, delimiter=delimiter)
    assert read == [[]] * (header_row - 1) + expected
    assert report.replaced_chars == count
    assert report.rows == len(rows)


def spreadsheet_expectation(table, header_row, pattern, replacement):
    """Non-empty cells {(rowx, colx): value} and the replaced character count."""
    header, rows = table
    cells, count = {}, 0
    for rowx, row in enumerate([header, *rows], start=header_row - 1):
        for colx, value in enumerate(row):
            if isinstance(value, str):
                value, n = replaced(value, pattern, replacement)
                count += n
            if value != "":
                cells[rowx, colx] = int(value) if isinstance(value, bool) else value
    return cells, count


def digits16(value):
    """openpyxl writes numbers with 16 significant digits (Excel shows 15)."""
    return float(f"{value:.16g}") if isinstance(value, float) else value


@SETTINGS
@given(table=tables(st.one_of(TEXT, NUMBER)), header_row=HEADER_ROW, choices=st.data())
def test_xlsx_round_trip(feed, table, header_row, choices):
    """Text comes back unchanged except for the characters XML 1.0 can't hold
    (removed, counted); "\\r" is kept (written as &#13;)."""
    header, rows = table
    parts = choices.draw(feed.split(rows))
    data, report, _gzip = feed.write("xlsx", header, parts, header_row=header_row)
    illegal = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
    expected, count = spreadsheet_expectation(table, header_row, illegal, "")
    expected = {key: digits16(value) for key, value in expected.items()}
    sheet = feed.xlsx_sheet(data)
    cells = {
        (cell.row - 1, cell.column - 1): cell
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
    assert {key: cell.value for key, cell in cells.items()} == expected
    for key, cell in cells.items():
        assert cell.data_type == ("s" if isinstance(expected[key], str) else "n")
    assert report.replaced_chars == count
    assert report.rows == len(table[1])


@SETTINGS
@given(table=tables(st.one_of(TEXT, NUMBER)), header_row=HEADER_ROW, choices=st.data())
def test_xls_round_trip(feed, table, header_row, choices):
    """Text comes back unchanged except surrogates and characters beyond U+FFFF,
    which become "?" (counted)."""
    header, rows = table
    parts = choices.draw(feed.split(rows))
    data, report, _gzip = feed.write("xls", header, parts, header_row=header_row)
    unstorable = r"[\ud800-\udfff\U00010000-\U0010ffff]"
    expected, count = spreadsheet_expectation(table, header_row, unstorable, "?")
    sheet = feed.xls_sheet(data)
    cells = {
        (rowx, colx): sheet.cell(rowx, colx)
        for rowx in range(sheet.nrows)
        for colx in range(sheet.ncols)
        if sheet.cell_type(rowx, colx) != xlrd.XL_CELL_EMPTY
    }
    assert {key: cell.value for key, cell in cells.items()} == expected
    for key, cell in cells.items():
        text = isinstance(expected[key], str)
        assert cell.ctype == (xlrd.XL_CELL_TEXT if text else xlrd.XL_CELL_NUMBER)
    assert report.replaced_chars == count
    assert report.rows == len(table[1])
