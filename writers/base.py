# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Writer protocol, report and errors shared by all formats."""

from dataclasses import dataclass

from .formatting import fit_cell, spreadsheet_value

FLUSH_EVERY = 1000  # rows kept in memory between flushes


@dataclass
class WriteReport:
    """What a writer had to change to fit the data into the file."""

    rows: int = 0
    replaced_chars: int = 0
    truncated_cells: int = 0


class FeedTooLargeError(ValueError):
    """The data does not fit the sheet: too many product rows or columns."""

    def __init__(self, kind, limit):
        super().__init__(kind, limit)
        self.kind = kind
        self.limit = limit

    def __str__(self):
        return f"Too many {self.kind} for this file format (limit: {self.limit})."


class FeedWriter:
    """Header once, then rows in any number of batches, then close()."""

    def __init__(self, stream, options):
        self.stream = stream
        self.options = options
        self.report = WriteReport()
        self._width = None

    def write_header(self, headers):
        if self._width is not None:
            raise RuntimeError("write_header() may be called only once")
        self._width = len(headers)
        self._write_row(headers)

    def write_rows(self, rows):
        if self._width is None:
            raise RuntimeError("write_header() must be called first")
        width, write_row, report = self._width, self._write_row, self.report
        for row in rows:
            if len(row) != width:
                raise ValueError(f"Row has {len(row)} values, header has {width}")
            write_row(row)
            report.rows += 1
            if not report.rows % FLUSH_EVERY:
                self._flush()
        self._flush()

    def close(self):
        """Finish the file into the stream and return the WriteReport."""
        self._close()
        return self.report

    def _write_row(self, row):
        raise NotImplementedError

    def _flush(self):
        """Hand buffered rows over to the stream or the library."""

    def _close(self):
        raise NotImplementedError


_PLAIN = frozenset((int, type(None)))


class SpreadsheetWriter(FeedWriter):
    """Numbers stay numeric, text is cleaned and cut to the cell limit; a sheet
    too small for the data raises FeedTooLargeError, never truncates."""

    max_rows = max_columns = None  # sheet size of the format
    unstorable_chars = None  # compiled regex of characters the format can't store
    unstorable_replacement = ""

    def __init__(self, stream, options):
        super().__init__(stream, options)
        self._rowx = options.header_row - 1  # 0-based sheet row of the next row

    def write_header(self, headers):
        if len(headers) > self.max_columns:
            raise FeedTooLargeError("columns", self.max_columns)
        return super().write_header(headers)

    def _sheet_row(self, row):
        """Sheet row index and cell values for the next row."""
        rowx = self._rowx
        if rowx >= self.max_rows:
            raise FeedTooLargeError("rows", self.max_rows - self.options.header_row)
        self._rowx = rowx + 1
        return rowx, [v if type(v) in _PLAIN else self._cell(v) for v in row]

    def _cell(self, value):
        if type(value) is not str:
            value = spreadsheet_value(value)
            if type(value) is not str:
                return value
        return self._text(value) if value else None

    def _text(self, text):
        if self.unstorable_chars.search(text) is not None:
            text, count = self.unstorable_chars.subn(self.unstorable_replacement, text)
            self.report.replaced_chars += count
        cut = fit_cell(text)
        if len(cut) < len(text):
            self.report.truncated_cells += 1
        return cut or None
