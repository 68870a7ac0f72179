# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Cell value formatting shared by the writers."""

import datetime
import math
import re
from decimal import Decimal
from urllib.parse import quote

CELL_LIMIT = 32_767  # Excel's cell limit, in UTF-16 code units
# What XML 1.0 can't hold: controls other than tab, LF and CR, lone
# surrogates, U+FFFE and U+FFFF
XML_FORBIDDEN_CHARS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
)
# RFC 3986's reserved characters, and "%" (a link may be encoded already)
_URL_SAFE = ":/?#[]@!$&'()*+,;=%"
# What a spreadsheet may take a cell starting with for a formula (OWASP's
# CSV injection list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def iso_text(value):
    """ISO 8601 date, or datetime to the second with any timezone dropped."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    return value.isoformat()


def _float_text(value):
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text else text


def to_text(value, decimal_comma=False):
    """Text of a cell value: bool 1/0, numbers without exponent, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        text = _float_text(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, datetime.date):
        return iso_text(value)
    else:
        return str(value)
    return text.replace(".", ",") if decimal_comma else text


def spreadsheet_value(value):
    """A number (bool 1/0, Decimal as float) or text for a spreadsheet cell."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (float, Decimal)) and math.isfinite(value):
        return float(value)
    if isinstance(value, datetime.date):
        return iso_text(value)
    return to_text(value)


def fit_cell(text):
    """Cut `text` to CELL_LIMIT UTF-16 code units, as Excel counts them."""
    if len(text) <= CELL_LIMIT // 2:
        return text
    cut = text[:CELL_LIMIT]
    while True:
        excess = len(cut.encode("utf-16-le", "surrogatepass")) // 2 - CELL_LIMIT
        if excess <= 0:
            return cut
        cut = cut[: len(cut) - max(1, excess // 2)]


def escape_formula(text):
    """``text`` with a leading ``'`` when a spreadsheet opening it would run
    it as a formula (it starts with one of FORMULA_STARTS)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def join_values(values, separator=", "):
    """Join the non-empty values (None, "" and False are skipped) as text."""
    return separator.join(
        to_text(value)
        for value in values
        if value is not None and value is not False and value != ""
    )


def url_quote(url):
    """``url`` with what RFC 3986 does not allow in a link (spaces, non-ASCII
    characters as UTF-8, quotes, ...) percent-encoded; its reserved
    characters and "%" kept as they are."""
    return quote(url, safe=_URL_SAFE)
