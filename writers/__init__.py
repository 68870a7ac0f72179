# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Write feed rows of plain Python values as CSV, XLSX or XLS (no Odoo imports)."""

import importlib

from .base import FeedTooLargeError, WriteReport
from .formatting import join_values
from .options import CONTENT_TYPES, EXTENSIONS, FeedOptions
from .process import ProcessWriter

# Module and class of each format's writer, imported when first used: the
# writer process of a CSV file does not load openpyxl (and numpy) at start.
_WRITERS = {
    "csv": ("csv_writer", "CsvWriter"),
    "xlsx": ("xlsx_writer", "XlsxWriter"),
    "xls": ("xls_writer", "XlsWriter"),
}


def open_writer(stream, options):
    """Writer for `options.file_type` writing into the binary `stream`."""
    module, name = _WRITERS[options.file_type]
    return getattr(importlib.import_module(f".{module}", __name__), name)(
        stream, options
    )


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
