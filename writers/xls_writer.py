# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XLS (BIFF8) feed writer (xlwt): at most 65,536 rows and 256 columns.

xlwt writes a workbook in one go. The parts hold the rows' cleaned cell
values as JSON (at most 65,535 rows in all), and ``assemble`` writes the
workbook from them.
"""

import json
import re

import xlwt
from xlwt.Cell import NumberCell, StrCell

from .base import SpreadsheetWriter
from .deflate import inflate
from .options import SHEET_COLUMNS, SHEET_ROWS


class XlsWriter(SpreadsheetWriter):
    """Text cells are labels, never formulas."""

    max_rows = SHEET_ROWS["xls"]
    max_columns = SHEET_COLUMNS["xls"]
    # Surrogates, and characters beyond U+FFFF (emoji): xlwt may split their
    # UTF-16 pair between two records, which xlrd can't read back.
    unstorable_chars = re.compile(r"[\ud800-\udfff\U00010000-\U0010ffff]")
    unstorable_replacement = "?"

    def _header(self, headers):
        self._check_width(headers)
        return self._part(
            [(self.options.header_row - 1, [self._cell(text) for text in headers])]
        )

    def _rows(self, rows):
        return self._part(self._sheet_rows(rows))

    def _part(self, sheet_rows):
        return b"".join(
            json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in sheet_rows
        )

    def assemble(self, headers, state, fragments, stream):
        """Write the workbook of the parts' lines into ``stream``."""
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet(self.options.sheet_name)
        xf = book.add_style(xlwt.Style.default_style)
        add_str = book.add_str
        lines = (
            line for fragment in fragments for line in inflate(fragment).splitlines()
        )
        for line in lines:
            rowx, values = json.loads(line)
            cells = [(colx, v) for colx, v in enumerate(values) if v is not None]
            if not cells:
                continue
            xl_row = sheet.row(rowx)
            # Inserting cells directly is ~35% faster than Row.write() per
            # cell, which resolves the style and the row's column bounds each
            # time; the bounds are set once below. The file is byte-identical
            # to Row.write()'s.
            for colx, value in cells:
                xl_row.insert_cell(
                    colx,
                    StrCell(rowx, colx, xf, add_str(value))
                    if type(value) is str
                    else NumberCell(rowx, colx, xf, value),
                )
            xl_row._Row__adjust_bound_col_idx(cells[0][0], cells[-1][0])
            if not rowx % 1000:
                sheet.flush_row_data()
        book.save(stream)
