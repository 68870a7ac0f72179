# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""CSV feed writer: RFC 4180 minimal quoting, CRLF, chosen encoding."""

import codecs
import csv
import io

from .base import FeedWriter
from .formatting import to_text

_PLAIN = frozenset((str, int, type(None)))


class CsvWriter(FeedWriter):
    """Characters the encoding can't hold become "?" and are counted."""

    def __init__(self, stream, options):
        super().__init__(stream, options)
        self._buffer = io.StringIO()
        self._buffer.write("\r\n" * (options.header_row - 1))
        self._writerow = csv.writer(
            self._buffer, delimiter=options.delimiter, lineterminator="\r\n"
        ).writerow
        # The incremental encoder writes a utf-8-sig BOM once, at the start.
        self._encode = codecs.getincrementalencoder(options.encoding)("replace").encode

    def _write_row(self, row):
        decimal_comma = self.options.decimal_comma
        self._writerow(
            [v if type(v) in _PLAIN else to_text(v, decimal_comma) for v in row]
        )

    def _flush(self):
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        data = self._encode(text)
        # "?" is one byte in every supported encoding and no other character
        # encodes to that byte, so each extra "?" is a replaced character.
        self.report.replaced_chars += data.count(b"?") - text.count("?")
        self.stream.write(data)

    def _close(self):
        self._flush()
