# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XML feed writer (UTF-8): YML's ``yml_catalog``, Hotline's ``price`` and
Google Merchant's RSS 2.0, written with lxml's incremental writer.

The file is the dialect's header (the shop, its currencies and categories)
up to the element holding the products, one element per row, then the end
tags. A row part is what lxml writes inside a wrapper element declaring
the document's namespaces, cut out of it, so the header, the row parts and
the footer joined are one document, the same whatever the parts.

A column's header says where its values go in the product's element
(``parse_header``): ``name`` a child element, ``@name`` an attribute,
``param:Name`` a ``<param name="Name">`` (YML, Hotline), ``g:name`` an
element of Google's namespace (RSS). A list or tuple of values writes the
element once per value; an empty value (None, "", empty list) writes
nothing; True and False are "true" and "false".
"""

import contextlib
import io
import re

from lxml import etree

from .base import FeedWriter
from .formatting import XML_FORBIDDEN_CHARS, to_text

GOOGLE_NS = "http://base.google.com/ns/1.0"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Element and attribute names: ASCII XML names without a colon, not starting
# with "xml" (reserved), which every marketplace's parser reads.
_NAME = re.compile(r"(?!(?i:xml))[A-Za-z_][A-Za-z0-9_.-]*")
_PREFIXES = {"yml": ("param",), "hotline": ("param",), "google_rss": ("g",)}
_NSMAPS = {"google_rss": {"g": GOOGLE_NS}}
_PRODUCT_TAGS = {"yml": "offer", "hotline": "item", "google_rss": "item"}
# At most so many values of a repeated element (Google's additional images)
_MAX_VALUES = {f"{{{GOOGLE_NS}}}additional_image_link": 10}
# What header_error() and headers_error() return
HEADER_ERRORS = {
    "empty": "the header is empty.",
    "invalid_name": (
        "not an XML name: use letters A-Z, digits, '_', '-' and '.', starting "
        "with a letter or '_' (not 'xml')."
    ),
    "unknown_prefix": (
        "unknown prefix: 'param:' (YML, Hotline) and 'g:' (Google RSS) only."
    ),
    "param_name": "'param:' is followed by the characteristic's name.",
    "duplicate_attribute": "the same attribute is set by two columns.",
}


def parse_header(header, dialect):
    """Where a column's values go in the product's element: ("attribute",
    name), ("param", name) or ("element", tag); or ("error", code of
    HEADER_ERRORS)."""
    if not header:  # Odoo's empty text is False
        return "error", "empty"
    if header.startswith("@"):
        name = header[1:]
        return ("attribute", name) if _NAME.fullmatch(name) else _error(name)
    prefix, colon, name = header.partition(":")
    if not colon:
        return ("element", header) if _NAME.fullmatch(header) else _error(header)
    if prefix not in _PREFIXES[dialect]:
        return "error", "unknown_prefix"
    if prefix == "param":
        if not name.strip() or XML_FORBIDDEN_CHARS.search(name):
            return "error", "param_name"
        return "param", name
    if not _NAME.fullmatch(name):
        return _error(name)
    return "element", f"{{{_NSMAPS[dialect][prefix]}}}{name}"


def _error(name):
    return "error", "invalid_name" if name else "empty"


def header_error(header, dialect):
    """The code (a key of HEADER_ERRORS) of what is wrong with a column's
    header in ``dialect``, or None."""
    kind, value = parse_header(header, dialect)
    return value if kind == "error" else None


def headers_error(headers, dialect):
    """(header, code) of the first wrong header of a file, an attribute set
    twice included; or None."""
    attributes = set()
    for header in headers:
        kind, value = parse_header(header, dialect)
        if kind == "error":
            return header, value
        if kind == "attribute":
            if value in attributes:
                return header, "duplicate_attribute"
            attributes.add(value)
    return None


class XmlWriter(FeedWriter):
    """Characters XML 1.0 forbids are dropped and counted; values of Google's
    additional images beyond the 10th are dropped, each cut list counted as
    a truncated cell. The headers are the options' ``xml_headers`` (row
    parts need them without the header part)."""

    def __init__(self, options, width=None, rows_before=0):
        super().__init__(options, width, rows_before)
        dialect = options.xml_dialect
        self._nsmap = _NSMAPS.get(dialect)
        self._product_tag = _PRODUCT_TAGS[dialect]
        self._attributes = []  # (column index, name)
        self._children = []  # (column index, tag, attributes, most values)
        for index, header in enumerate(options.xml_headers):
            kind, name = parse_header(header, dialect)
            if kind == "attribute":
                self._attributes.append((index, name))
            elif kind == "param":
                self._children.append((index, "param", {"name": name}, None))
            else:
                self._children.append((index, name, {}, _MAX_VALUES.get(name)))
        # Without namespaces, a product's element is built, then written
        # whole: lxml writes its attribute values in UTF-8. xf.element()
        # writes non-ASCII ones as references (&#x...;), but it gives
        # Google's elements the prefix the document declares.
        self._write_product = (
            self._write_built if self._nsmap is None else self._write_incremental
        )

    def _header(self, headers):
        if tuple(headers) != self.options.xml_headers:
            raise ValueError("The headers of an XML file are its xml_headers option.")
        return _DECLARATION + self._skeleton()[0]

    def footer(self):
        return self._skeleton()[1] + b"\n"

    def _rows(self, rows):
        stream = io.BytesIO()
        with etree.xmlfile(stream, encoding="utf-8") as xf:
            with xf.element("part", nsmap=self._nsmap):
                xf.flush()
                start = stream.tell()
                for row in rows:
                    self._write_product(xf, row)
                xf.flush()
                end = stream.tell()
        return stream.getbuffer()[start:end].tobytes()

    def _product(self, row):
        """The product's attributes, and its children: (tag, attributes, text)."""
        attributes = {}
        for index, name in self._attributes:
            texts = self._texts(row[index])
            if texts:
                attributes[name] = ", ".join(texts)
        children = []
        for index, tag, tag_attributes, most in self._children:
            texts = self._texts(row[index])
            if most is not None and len(texts) > most:
                texts = texts[:most]
                self.report.truncated_cells += 1
            children.extend((tag, tag_attributes, text) for text in texts)
        return attributes, children

    def _write_built(self, xf, row):
        attributes, children = self._product(row)
        product = etree.Element(self._product_tag, attributes)
        for tag, tag_attributes, text in children:
            etree.SubElement(product, tag, tag_attributes).text = text
        product.tail = "\n"
        xf.write(product)

    def _write_incremental(self, xf, row):
        attributes, children = self._product(row)
        with xf.element(self._product_tag, attributes):
            for tag, tag_attributes, text in children:
                with xf.element(tag, tag_attributes):
                    xf.write(text)
        xf.write("\n")

    def _texts(self, value):
        """The texts of a column's value: one per value of a list."""
        texts = []
        for item in value if isinstance(value, (list, tuple)) else (value,):
            text = self._clean(item if type(item) is str else _text(item))
            if text:
                texts.append(text)
        return texts

    def _clean(self, text):
        if XML_FORBIDDEN_CHARS.search(text) is None:
            return text
        text, count = XML_FORBIDDEN_CHARS.subn("", text)
        self.report.replaced_chars += count
        return text

    def _skeleton(self):
        """The document without products: (up to them, after them)."""
        stream = io.BytesIO()
        with etree.xmlfile(stream, encoding="utf-8") as xf:
            with getattr(self, f"_{self.options.xml_dialect}")(
                xf, self.options.xml_shop
            ):
                xf.flush()
                cut = stream.tell()
        data = stream.getvalue()
        return data[:cut], data[cut:]

    @contextlib.contextmanager
    def _yml(self, xf, shop):
        with _block(
            xf, "yml_catalog", {"date": shop.date} if shop.date else {}, root=True
        ):
            with _block(xf, "shop"):
                self._line(xf, "name", shop.name)
                self._line(xf, "company", shop.company)
                self._line(xf, "url", shop.url)
                if shop.currencies:
                    with _block(xf, "currencies"):
                        for code, rate in shop.currencies:
                            self._line(xf, "currency", None, id=code, rate=rate)
                if shop.categories:
                    with _block(xf, "categories"):
                        for id_, parent_id, name in shop.categories:
                            parent = (
                                {} if parent_id is None else {"parentId": parent_id}
                            )
                            self._line(xf, "category", name, id=id_, **parent)
                with _block(xf, "offers"):
                    yield

    @contextlib.contextmanager
    def _hotline(self, xf, shop):
        with _block(xf, "price", root=True):
            self._line(xf, "date", shop.date)
            self._line(xf, "firmName", shop.name)
            self._line(xf, "firmId", shop.firm_id)
            self._line(xf, "rate", dict(shop.currencies).get("USD"))
            if shop.categories:
                with _block(xf, "categories"):
                    for id_, parent_id, name in shop.categories:
                        with _block(xf, "category"):
                            self._line(xf, "id", id_)
                            self._line(xf, "parentId", parent_id)
                            self._line(xf, "name", name)
            with _block(xf, "items"):
                yield

    @contextlib.contextmanager
    def _google_rss(self, xf, shop):
        with _block(xf, "rss", {"version": "2.0"}, self._nsmap, root=True):
            with _block(xf, "channel"):
                self._line(xf, "title", shop.name)
                self._line(xf, "link", shop.url)
                self._line(xf, "description", shop.description)
                yield

    def _line(self, xf, tag, value, **attributes):
        """<tag attributes>value</tag> and a line break; nothing if neither
        the value nor an attribute has a text."""
        texts = self._texts(value)
        attributes = {
            name: text
            for name, item in attributes.items()
            for text in self._texts(item)
        }
        if texts or attributes:
            element = etree.Element(tag, attributes)
            element.text = texts[0] if texts else None
            xf.write(element)
            xf.write("\n")


def _text(value):
    """The text of a value; booleans "true" and "false", as YML's available."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return to_text(value)


@contextlib.contextmanager
def _block(xf, tag, attributes=None, nsmap=None, root=False):
    """An element on lines of its own (the root's last line break is the
    footer's)."""
    with xf.element(tag, attributes or {}, nsmap=nsmap):
        xf.write("\n")
        yield
    if not root:
        xf.write("\n")
