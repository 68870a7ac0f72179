# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XLSX feed writer: the cells written by openpyxl, the sheet in parts.

openpyxl writes the workbook around a sheet holding the header (the
"skeleton") and, for each part, the XML of its rows with openpyxl's own
row writer. The sheet's XML is the skeleton's up to its last row, the
parts' rows, then the skeleton's end; ``writers.parts`` zips it with the
skeleton's other members.
"""

import io
import itertools
import re
import types
import zipfile
import zlib

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.functions import xmlfile

from . import deflate
from .base import SpreadsheetWriter
from .options import SHEET_COLUMNS, SHEET_ROWS

_ERROR_CODES = frozenset(ERROR_CODES)
SHEET_MEMBER = "xl/worksheets/sheet1.xml"
_SHEET_DATA_END = b"</sheetData>"
_SHEET_DATA = b"<sheetData>"


class XlsxWriter(SpreadsheetWriter):
    """Text starting with "=" or equal to an error code stays plain text."""

    max_rows = SHEET_ROWS["xlsx"]
    max_columns = SHEET_COLUMNS["xlsx"]
    # openpyxl's ILLEGAL_CHARACTERS_RE plus what XML 1.0 can't encode at all
    unstorable_chars = re.compile(
        r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
    )

    def __init__(self, options, width=None, rows_before=0):
        super().__init__(options, width, rows_before)
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(options.sheet_name)

    def skeleton(self, headers):
        """The members of a workbook whose sheet holds the header only
        ({name: bytes}), as openpyxl writes it."""
        book = Workbook(write_only=True)
        sheet = book.create_sheet(self.options.sheet_name)
        for _ in range(self.options.header_row - 1):
            sheet.append([])
        sheet.append([self._cell(header) for header in headers])
        stream = io.BytesIO()
        book.save(stream)
        return _zip_members(stream)

    def _header(self, headers):
        self._check_width(headers)
        sheet = self.skeleton(headers)[SHEET_MEMBER]
        return sheet[: sheet.rindex(_SHEET_DATA_END)]

    def footer(self):
        sheet = self.skeleton([])[SHEET_MEMBER]
        return sheet[sheet.rindex(_SHEET_DATA_END) :]

    def assemble(self, headers, state, fragments, stream):
        """The workbook around the sheet: the sheet's fragments copied."""
        footer = self.footer()
        deflate.write_zip(
            stream,
            self.skeleton(headers),
            SHEET_MEMBER,
            itertools.chain(fragments, [deflate.deflate_last(footer)]),
            zlib.crc32(footer, state.crc),
            state.size + len(footer),
        )

    def _text(self, text):
        text = super()._text(text)
        if text and (text[0] == "=" or text in _ERROR_CODES):
            cell = WriteOnlyCell(self._sheet, text)
            cell.data_type = "s"  # openpyxl would store a formula or an error
            return cell
        return text

    def _rows(self, rows):
        sheet = self._sheet
        sheet._comments = []  # what WorksheetWriter's row writer needs of it
        row_writer = types.SimpleNamespace(ws=sheet)
        stream = io.BytesIO()
        # openpyxl's row writer needs an open element: the part is what it
        # writes inside <sheetData>.
        with xmlfile(stream) as xf, xf.element("sheetData"):
            for rowx, values in self._sheet_rows(rows):
                WorksheetWriter.write_row(
                    row_writer, xf, sheet._values_to_row(values, rowx + 1), rowx + 1
                )
        data = stream.getvalue()
        if not data.startswith(_SHEET_DATA):  # <sheetData/>: no row
            return b""
        return data[len(_SHEET_DATA) : -len(_SHEET_DATA_END)]


def _zip_members(stream):
    with zipfile.ZipFile(stream) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
