# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Spreadsheet safety: text a spreadsheet would run as a formula."""

import io
import zipfile
from decimal import Decimal

import pytest
import xlrd

from writers.formatting import FORMULA_STARTS, escape_formula

RISKY = ['=HYPERLINK("http://x")', "+380 44", "-5 pcs", "@SUM(A1)", "\tTab", "\rCR"]
SAFE = ["Chair", "'quoted", " =spaced", "5-7", "a=b"]
HEADER = [f"c{index}" for index in range(len(RISKY) + len(SAFE))]


def test_escape_formula():
    for text in RISKY:
        assert escape_formula(text) == f"'{text}"
    for text in SAFE + [""]:
        assert escape_formula(text) == text
    assert set(FORMULA_STARTS) >= {"=", "+", "-", "@"}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_escapes_text_when_asked(feed, delimiter):
    row = RISKY + SAFE
    data, _report = feed.generate(
        "csv", HEADER, [row], delimiter=delimiter, escape_formulas=True
    )
    rows = feed.csv_rows(data, delimiter=delimiter)
    assert rows[1] == [f"'{text}" for text in RISKY] + SAFE


def test_csv_escapes_text_only(feed):
    """Numbers, the headers and the values of other rows' types stay as they
    are: a marketplace reads -2 and -2.50 as numbers."""
    header = ["=Header", "n", "d", "f", "t"]
    data, _report = feed.generate(
        "csv",
        header,
        [["-x", -2, Decimal("-2.50"), -0.5, "-1"]],
        escape_formulas=True,
    )
    assert feed.csv_rows(data) == [header, ["'-x", "-2", "-2.50", "-0.5", "'-1"]]


def test_csv_keeps_raw_values_by_default(feed):
    row = RISKY + SAFE
    data, _report = feed.generate("csv", HEADER, [row])
    assert feed.csv_rows(data)[1] == row


@pytest.mark.parametrize("escape_formulas", [False, True])
def test_xlsx_writes_text_cells(feed, escape_formulas):
    row = RISKY + SAFE
    data, _report = feed.generate(
        "xlsx", HEADER, [row], escape_formulas=escape_formulas
    )
    cells = list(feed.xlsx_sheet(data).iter_rows(min_row=2))[0]
    assert [cell.value for cell in cells] == row
    assert {cell.data_type for cell in cells} == {"s"}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("escape_formulas", [False, True])
def test_xls_writes_text_cells(feed, escape_formulas):
    row = RISKY + SAFE
    data, _report = feed.generate("xls", HEADER, [row], escape_formulas=escape_formulas)
    sheet = feed.xls_sheet(data)
    assert sheet.row_values(1) == row
    assert {cell.ctype for cell in sheet.row(1)} == {xlrd.XL_CELL_TEXT}
