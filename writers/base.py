# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Writer protocol, report and errors shared by all formats.

A file is written in parts, so that each unit of work of a long generation
stays short: the header, then any number of row parts, each written by a
new writer from the state the previous one left (rows and bytes so far),
then the footer. How the parts become one file is the writer's
``assemble`` (see ``writers.parts``).
"""

import dataclasses
from dataclasses import dataclass

from .formatting import fit_cell, spreadsheet_value


@dataclass
class WriteReport:
    """What a writer had to change to fit the data into the file."""

    rows: int = 0
    replaced_chars: int = 0
    truncated_cells: int = 0

    def add(self, other):
        for field in dataclasses.fields(self):
            setattr(
                self, field.name, getattr(self, field.name) + getattr(other, field.name)
            )


class FeedTooLargeError(ValueError):
    """The data does not fit the sheet: too many product rows or columns."""

    def __init__(self, kind, limit):
        super().__init__(kind, limit)
        self.kind = kind
        self.limit = limit

    def __str__(self):
        return f"Too many {self.kind} for this file format (limit: {self.limit})."


class FeedWriter:
    """Writes the parts of one file: ``header()``, ``rows()`` for a batch of
    rows numbered from ``rows_before`` (the rows of the earlier parts), and
    ``footer()``; each returns the part's bytes. ``report`` counts what this
    writer wrote."""

    #: the file is its parts' bytes joined (CSV, XML); otherwise ``assemble``
    #: builds it from them (a zip around a sheet, a workbook)
    joined = True

    def __init__(self, options, width=None, rows_before=0):
        self.options = options
        self.width = width
        self.rows_before = rows_before
        self.report = WriteReport()

    def header(self, headers):
        self.width = len(headers)
        return self._header(headers)

    def rows(self, rows):
        if self.width is None:
            raise RuntimeError("the header sets the width of the rows: write it first")
        return self._rows(self._checked(rows))

    def footer(self):
        return b""

    def _checked(self, rows):
        width, report = self.width, self.report
        for row in rows:
            if len(row) != width:
                raise ValueError(f"Row has {len(row)} values, header has {width}")
            yield row
            report.rows += 1

    def _header(self, headers):
        raise NotImplementedError

    def _rows(self, rows):
        raise NotImplementedError


_PLAIN = frozenset((int, type(None)))


class SpreadsheetWriter(FeedWriter):
    """Numbers stay numeric, text is cleaned and cut to the cell limit; a sheet
    too small for the data raises FeedTooLargeError, never truncates."""

    joined = False
    max_rows = max_columns = None  # sheet size of the format
    unstorable_chars = None  # compiled regex of characters the format can't store
    unstorable_replacement = ""

    def _check_width(self, headers):
        if len(headers) > self.max_columns:
            raise FeedTooLargeError("columns", self.max_columns)

    def _sheet_rows(self, rows):
        """(0-based sheet row index, cell values) of each row."""
        first = self.options.header_row + self.rows_before + self.report.rows
        max_rows = self.max_rows
        for rowx, row in enumerate(rows, first):
            if rowx >= max_rows:
                raise FeedTooLargeError("rows", max_rows - self.options.header_row)
            yield rowx, [v if type(v) in _PLAIN else self._cell(v) for v in row]

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
