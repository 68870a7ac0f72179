# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""CSV feed writer: RFC 4180 minimal quoting, CRLF, chosen encoding."""

import codecs
import csv
import io

from .base import FeedWriter
from .formatting import escape_formula, to_text

_PLAIN = frozenset((str, int, type(None)))


class CsvWriter(FeedWriter):
    """Characters the encoding can't hold become "?" and are counted. With
    ``escape_formulas``, text values (not numbers, not the headers) that a
    spreadsheet would run as formulas start with "'"."""

    def __init__(self, options, width=None, rows_before=0):
        super().__init__(options, width, rows_before)
        self._buffer = io.StringIO()
        self._writerow = csv.writer(
            self._buffer, delimiter=options.delimiter, lineterminator="\r\n"
        ).writerow

    def _header(self, headers):
        self._buffer.write("\r\n" * (self.options.header_row - 1))
        self._writerow(headers)
        # A utf-8-sig BOM starts the file, so the header part only.
        return self._encode(self.options.encoding)

    def _rows(self, rows):
        decimal_comma, writerow = self.options.decimal_comma, self._writerow
        if self.options.escape_formulas:
            rows = (
                [escape_formula(v) if isinstance(v, str) else v for v in row]
                for row in rows
            )
        for row in rows:
            writerow(
                [v if type(v) in _PLAIN else to_text(v, decimal_comma) for v in row]
            )
        return self._encode(self.options.encoding.removesuffix("-sig"))

    def _encode(self, encoding):
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        data = codecs.encode(text, encoding, "replace")
        # "?" is one byte in every supported encoding and no other character
        # encodes to that byte, so each extra "?" is a replaced character.
        self.report.replaced_chars += data.count(b"?") - text.count("?")
        return data
