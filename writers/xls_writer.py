# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XLS (BIFF8) feed writer (xlwt): at most 65,536 rows and 256 columns."""

import re

import xlwt
from xlwt.Cell import NumberCell, StrCell

from .base import SpreadsheetWriter
from .options import SHEET_COLUMNS, SHEET_ROWS


class XlsWriter(SpreadsheetWriter):
    """Text cells are labels, never formulas."""

    max_rows = SHEET_ROWS["xls"]
    max_columns = SHEET_COLUMNS["xls"]
    # Surrogates, and characters beyond U+FFFF (emoji): xlwt may split their
    # UTF-16 pair between two records, which xlrd can't read back.
    unstorable_chars = re.compile(r"[\ud800-\udfff\U00010000-\U0010ffff]")
    unstorable_replacement = "?"

    def __init__(self, stream, options):
        super().__init__(stream, options)
        self._book = xlwt.Workbook(encoding="utf-8")
        self._sheet = self._book.add_sheet(options.sheet_name)
        self._xf = self._book.add_style(xlwt.Style.default_style)

    def _write_row(self, row):
        rowx, values = self._sheet_row(row)
        cells = [(colx, v) for colx, v in enumerate(values) if v is not None]
        if not cells:
            return
        xl_row, xf, add_str = self._sheet.row(rowx), self._xf, self._book.add_str
        # Inserting cells directly is ~35% faster than Row.write() per cell, which
        # resolves the style and the row's column bounds each time; the bounds are
        # set once below. The file is byte-identical to Row.write()'s.
        for colx, value in cells:
            xl_row.insert_cell(
                colx,
                StrCell(rowx, colx, xf, add_str(value))
                if type(value) is str
                else NumberCell(rowx, colx, xf, value),
            )
        xl_row._Row__adjust_bound_col_idx(cells[0][0], cells[-1][0])

    def _flush(self):
        self._sheet.flush_row_data()

    def _close(self):
        self._book.save(self.stream)
