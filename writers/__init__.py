# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Write feed rows of plain Python values as CSV, XLSX, XLS or XML files, in
parts (no Odoo imports)."""

import importlib

from .base import FeedTooLargeError, WriteReport
from .formatting import join_values
from .options import (
    CONTENT_TYPES,
    DELIMITERS_BY_CHOICE,
    EXTENSIONS,
    XML_CONTENT_TYPES,
    XML_DIALECTS,
    FeedOptions,
    XmlShop,
    sheet_name_error,
)

# Module and class of each format's writer, imported when first used: a CSV
# generation does not load openpyxl.
_WRITERS = {
    "csv": ("csv_writer", "CsvWriter"),
    "xlsx": ("xlsx_writer", "XlsxWriter"),
    "xls": ("xls_writer", "XlsWriter"),
    "xml": ("xml_writer", "XmlWriter"),
}


def open_writer(options, width=None, rows_before=0):
    """The writer of `options.file_type`'s parts (see ``writers.base``)."""
    module, name = _WRITERS[options.file_type]
    return getattr(importlib.import_module(f".{module}", __name__), name)(
        options, width, rows_before
    )


from .parts import PartState, PartWriter, assemble  # noqa: E402 (uses open_writer)

__all__ = [
    "CONTENT_TYPES",
    "DELIMITERS_BY_CHOICE",
    "EXTENSIONS",
    "FeedOptions",
    "FeedTooLargeError",
    "PartState",
    "PartWriter",
    "WriteReport",
    "XML_CONTENT_TYPES",
    "XML_DIALECTS",
    "XmlShop",
    "assemble",
    "join_values",
    "open_writer",
    "sheet_name_error",
]
