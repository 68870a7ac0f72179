# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XLSX feed writer (openpyxl write-only workbook)."""

import re
import weakref

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from .base import SpreadsheetWriter
from .options import SHEET_COLUMNS, SHEET_ROWS

_ERROR_CODES = frozenset(ERROR_CODES)


def _discard(sheet):
    """Finish and delete the temporary file of a sheet that was never saved."""
    if not sheet.closed:
        try:
            sheet.close()
        finally:
            sheet._writer.cleanup()


class XlsxWriter(SpreadsheetWriter):
    """Text starting with "=" or equal to an error code stays plain text."""

    max_rows = SHEET_ROWS["xlsx"]
    max_columns = SHEET_COLUMNS["xlsx"]
    # openpyxl's ILLEGAL_CHARACTERS_RE plus what XML 1.0 can't encode at all
    unstorable_chars = re.compile(
        r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
    )

    def __init__(self, stream, options):
        super().__init__(stream, options)
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(options.sheet_name)
        # A writer dropped without close() (an error half-way) leaves no file.
        weakref.finalize(self, _discard, self._sheet)
        for _ in range(options.header_row - 1):
            self._sheet.append([])

    def _text(self, text):
        text = super()._text(text)
        if text and (text[0] == "=" or text in _ERROR_CODES):
            cell = WriteOnlyCell(self._sheet, text)
            cell.data_type = "s"  # openpyxl would store a formula or an error
            return cell
        return text

    def _write_row(self, row):
        self._sheet.append(self._sheet_row(row)[1])

    def _close(self):
        self._book.save(self.stream)
