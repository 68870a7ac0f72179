# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Feed file options and per-format constants."""

import re
from dataclasses import dataclass

EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "xls": "xls"}
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
}
DELIMITERS = (",", ";", "|", "\t")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1251")
SHEET_ROWS = {"xlsx": 1_048_576, "xls": 65_536}
SHEET_COLUMNS = {"xlsx": 16_384, "xls": 256}
SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


@dataclass(frozen=True)
class FeedOptions:
    """How the feed file is written; only the fields of `file_type` matter."""

    file_type: str = "csv"
    sheet_name: str = "Products"
    header_row: int = 1
    delimiter: str = ","
    encoding: str = "utf-8"
    decimal_comma: bool = False

    def __post_init__(self):
        if self.file_type not in EXTENSIONS:
            raise ValueError(f"Unknown feed file type: {self.file_type!r}")
        max_row = SHEET_ROWS.get(self.file_type)
        if (
            type(self.header_row) is not int
            or self.header_row < 1
            or (max_row and self.header_row > max_row)
        ):
            raise ValueError(f"Invalid header row: {self.header_row!r}")
        if self.file_type == "csv":
            if self.delimiter not in DELIMITERS:
                raise ValueError(f"Invalid CSV delimiter: {self.delimiter!r}")
            if self.encoding not in ENCODINGS:
                raise ValueError(f"Invalid CSV encoding: {self.encoding!r}")
        elif (
            not self.sheet_name
            or len(self.sheet_name) > SHEET_NAME_MAX
            or self.sheet_name[0] == "'"
            or self.sheet_name[-1] == "'"
            or _SHEET_NAME_FORBIDDEN.search(self.sheet_name)
        ):
            raise ValueError(f"Invalid sheet name: {self.sheet_name!r}")
