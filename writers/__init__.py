# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Write feed rows of plain Python values as CSV, XLSX or XLS (no Odoo imports)."""

from .base import FeedTooLargeError, WriteReport
from .csv_writer import CsvWriter
from .formatting import join_values
from .options import CONTENT_TYPES, EXTENSIONS, FeedOptions
from .process import ProcessWriter
from .xls_writer import XlsWriter
from .xlsx_writer import XlsxWriter

_WRITERS = {"csv": CsvWriter, "xlsx": XlsxWriter, "xls": XlsWriter}


def open_writer(stream, options):
    """Writer for `options.file_type` writing into the binary `stream`."""
    return _WRITERS[options.file_type](stream, options)


__all__ = [
    "CONTENT_TYPES",
    "EXTENSIONS",
    "FeedOptions",
    "FeedTooLargeError",
    "ProcessWriter",
    "WriteReport",
    "join_values",
    "open_writer",
]
