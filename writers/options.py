# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Feed file options and per-format constants."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "xls": "xls", "xml": "xml"}
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "xml": "application/xml",
}
XML_DIALECTS = ("yml", "hotline", "google_rss")
# An XML file's MIME type by dialect (UTF-8 always)
XML_CONTENT_TYPES = {
    "yml": CONTENT_TYPES["xml"],
    "hotline": CONTENT_TYPES["xml"],
    "google_rss": "application/rss+xml",
}
# The CSV delimiters, by the name of the feeds' choice
DELIMITERS_BY_CHOICE = {"comma": ",", "semicolon": ";", "pipe": "|", "tab": "\t"}
DELIMITERS = tuple(DELIMITERS_BY_CHOICE.values())
ENCODINGS = ("utf-8", "utf-8-sig", "cp1251")
SHEET_ROWS = {"xlsx": 1_048_576, "xls": 65_536}
SHEET_COLUMNS = {"xlsx": 16_384, "xls": 256}
SHEET_NAME_MAX = 31
# Excel's: [ ] : * ? / \ and control characters (tab, line breaks...)
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_XML_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}")


@dataclass(frozen=True)
class XmlShop:
    """The header of an XML file: the shop, and the currencies and
    categories its products use (all of the file's, known before its first
    part). Texts; "" writes no element. Lists become tuples (hashable).

    YML writes name, company, url, currencies and categories; Hotline
    writes name (firmName), firm_id, the rate of USD (when listed) and
    categories; Google's RSS writes name, url and description (the
    channel's title, link and description).
    """

    name: str = ""
    company: str = ""
    url: str = ""
    date: str = ""  # "YYYY-MM-DD hh:mm"
    description: str = ""
    firm_id: str = ""
    currencies: tuple = ()  # (code, rate): ("UAH", 1), ("USD", Decimal("41.5"))
    categories: tuple = ()  # (id, parent id or None, name), parents included

    def __post_init__(self):
        for name in ("name", "company", "url", "date", "description", "firm_id"):
            if type(getattr(self, name)) is not str:
                raise ValueError(f"XML shop {name}: text expected")
        if self.date and not _XML_DATE.fullmatch(self.date):
            raise ValueError(f"XML shop date {self.date!r}: YYYY-MM-DD hh:mm expected")
        currencies = tuple(map(tuple, self.currencies))
        categories = tuple(map(tuple, self.categories))
        object.__setattr__(self, "currencies", currencies)
        object.__setattr__(self, "categories", categories)
        for currency in currencies:
            if (
                len(currency) != 2
                or not _is_key(currency[0])
                or not _is_rate(currency[1])
            ):
                raise ValueError(f"XML currency {currency!r}: (code, rate) expected")
        if len({code for code, _rate in currencies}) < len(currencies):
            raise ValueError("XML currencies: a code is listed twice")
        for category in categories:
            if (
                len(category) != 3
                or not _is_key(category[0])
                or type(category[2]) is not str
            ):
                raise ValueError(
                    f"XML category {category!r}: (id, parent id or None, name) expected"
                )
        ids = {category[0] for category in categories}
        if len(ids) < len(categories):
            raise ValueError("XML categories: an id is listed twice")
        for category in categories:
            parent = category[1]
            if parent is not None and (not _is_key(parent) or parent not in ids):
                raise ValueError(f"XML category {category!r}: its parent is not listed")


def sheet_name_error(name):
    """Why ``name`` can't name a spreadsheet's sheet, or None: 1 to 31
    characters, none of [ ] : * ? / \\ nor a control character, not
    starting or ending with "'" (Excel's rules)."""
    if not isinstance(name, str) or not 1 <= len(name) <= SHEET_NAME_MAX:
        return f"1 to {SHEET_NAME_MAX} characters"
    if name[0] == "'" or name[-1] == "'":
        return "starts or ends with '"
    if _SHEET_NAME_FORBIDDEN.search(name):
        return "holds one of [ ] : * ? / \\ or a control character"
    return None


def _is_key(value):
    """An id or a code: a non-empty text or an integer."""
    return (type(value) is str and value != "") or type(value) is int


def _is_rate(value):
    """A number, or a text such as YML's "NBU" (the national bank's rate)."""
    return (type(value) is str and value != "") or type(value) in (int, float, Decimal)


@dataclass(frozen=True)
class FeedOptions:
    """How the feed file is written; only the fields of `file_type` matter."""

    file_type: str = "csv"
    sheet_name: str = "Products"
    header_row: int = 1
    delimiter: str = ","
    encoding: str = "utf-8"
    decimal_comma: bool = False
    # CSV: prefix "'" to text a spreadsheet would run as a formula (XLSX and
    # XLS always write text as text cells, never formulas)
    escape_formulas: bool = False
    xml_dialect: str = "yml"
    xml_shop: XmlShop = field(default_factory=XmlShop)
    # The XML columns' headers: the row parts write by them, without the
    # header part. writers.xml_writer.header_error() tells the valid ones.
    xml_headers: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "xml_headers", tuple(self.xml_headers))
        if isinstance(self.xml_shop, dict):  # as dataclasses.asdict() gives it
            object.__setattr__(self, "xml_shop", XmlShop(**self.xml_shop))
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
        elif self.file_type == "xml":
            self._check_xml()
        elif error := sheet_name_error(self.sheet_name):
            raise ValueError(f"Invalid sheet name {self.sheet_name!r}: {error}")

    def _check_xml(self):
        if self.xml_dialect not in XML_DIALECTS:
            raise ValueError(f"Unknown XML dialect: {self.xml_dialect!r}")
        if not isinstance(self.xml_shop, XmlShop):
            raise ValueError("xml_shop: an XmlShop expected")
        # Imported here: lxml is loaded for XML files only.
        from .xml_writer import HEADER_ERRORS, headers_error

        error = headers_error(self.xml_headers, self.xml_dialect)
        if error:
            header, code = error
            raise ValueError(f"XML column {header!r}: {HEADER_ERRORS[code]}")
