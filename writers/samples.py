# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Read a store's sample file (XLSX, XLS or CSV) and suggest the feed's columns.

No Odoo import. `read_sample()` detects the file's settings and reads its
headers and first data rows; `suggest_columns()` maps each header to a column
(what it writes, with a confidence) from a dictionary of header names in
English, Ukrainian, Russian and French, and from the values of the data rows.
The data rows are read for these hints only.
"""

import csv
import io
import re
import xml.parsers.expat
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice

import openpyxl
import xlrd
from xlrd.compdoc import CompDoc

from .options import DELIMITERS

MAX_FILE_SIZE = 10 * 1024 * 1024
# An XLSX file is a zip: what it may hold once unzipped (a zip bomb is refused).
MAX_UNZIPPED_SIZE = 128 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_COLUMNS = 1024
HEADER_ROW_MAX = 1000  # as the feed's header row number
HINT_ROWS = 20  # data rows read after the header row, for the hints
SNIFF_RECORDS = 50  # CSV records compared to tell the delimiter
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

HIGH, MEDIUM, LOW, NONE = "high", "medium", "low", "none"

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*")
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")
_DECIMAL_POINT = re.compile(r"[-+]?\d+\.\d+")
_PRICE_WITH_CURRENCY = re.compile(r"[-+]?\d+(?:[.,]\d+)*\s?[A-Z]{3}")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_IMAGE_URL = re.compile(r"\.(?:jpe?g|png|gif|webp|bmp|tiff?|svg)(?:[?#]|$)", re.I)
_URL_SEPARATORS = re.compile(r"[\s,;|]+")
_SPACES = re.compile(r"[\s\u00a0]+")


class SampleError(ValueError):
    """The sample can't be read: `code` says why, `params` give the details.

    Codes: too_large (limit), corrupt, encrypted, encoding (encoding: the one
    asked for, or empty), delimiter, sheet (name), no_header (rows),
    empty_row (row), too_many_columns (limit).
    """

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self):
        return f"Sample file not readable: {self.code} {self.params}"


@dataclass
class Sample:
    """What a sample file says about the feed, and its first data rows."""

    file_type: str
    header_row: int
    headers: list
    # The first data rows as text: for suggest_columns() only, never kept.
    rows: list
    sheet_names: list = field(default_factory=list)
    sheet_name: str = ""
    delimiter: str = ""
    encoding: str = ""
    decimal_comma: bool = False


@dataclass
class Suggestion:
    """A column suggested for a header: `values` are the column's (kind,
    field_path, price_source, ...), `confidence` one of HIGH (a known
    header), MEDIUM (a header starting with a known name), LOW (guessed from
    the data rows) and NONE (an empty constant: nothing recognised)."""

    header: str
    values: dict
    confidence: str


# Reading


def read_sample(data, sheet_name=None, header_row=None, delimiter=None, encoding=None):
    """Read the sample file `data` (bytes). Each setting left to None is
    detected: the sheet (the first one), the header row (the first row with
    at least two text cells), the CSV delimiter and encoding.
    Raises SampleError."""
    if len(data) > MAX_FILE_SIZE:
        raise SampleError("too_large", limit=MAX_FILE_SIZE)
    file_type = detect_file_type(data)
    sample = Sample(file_type=file_type, header_row=0, headers=[], rows=[])
    if file_type == "xlsx":
        sample.sheet_names, sample.sheet_name, rows = _read_xlsx(data, sheet_name)
    elif file_type == "xls":
        sample.sheet_names, sample.sheet_name, rows = _read_xls(data, sheet_name)
    else:
        text, sample.encoding = decode_text(data, encoding)
        sample.delimiter = delimiter or detect_delimiter(text)
        rows = _read_csv(text, sample.delimiter)
    sample.header_row = header_row or find_header_row(rows)
    headers = _trim([_cell_text(value) for value in _row(rows, sample.header_row)])
    if not headers:
        raise SampleError("empty_row", row=sample.header_row)
    if len(headers) > MAX_COLUMNS:
        raise SampleError("too_many_columns", limit=MAX_COLUMNS)
    sample.headers = headers
    sample.rows = [
        [_cell_text(value) for value in row[: len(headers)]]
        for row in rows[sample.header_row : sample.header_row + HINT_ROWS]
    ]
    if file_type == "csv":
        sample.decimal_comma = detect_decimal_comma(sample.rows)
    return sample


def detect_file_type(data):
    """ "xlsx" for a zip, "xls" for an OLE2 compound file, "csv" otherwise."""
    if data.startswith(b"PK"):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    return "csv"


def decode_text(data, encoding=None):
    """(text, encoding) of a CSV file: the given encoding, or UTF-8 with
    BOM, UTF-8, Windows-1251, in that order."""
    if b"\0" in data:
        raise SampleError("corrupt")  # binary data, or UTF-16/32
    if encoding:
        candidates = (encoding,)
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "cp1251")
    for candidate in candidates:
        try:
            return data.decode(candidate).removeprefix("\ufeff"), candidate
        except UnicodeDecodeError:
            continue
    raise SampleError("encoding", encoding=encoding or "")


def detect_delimiter(text):
    """The delimiter that splits most of the first records into the same
    number (at least two) of fields; SampleError when two delimiters do
    equally well, or none splits anything."""
    scores = []
    for delimiter in DELIMITERS:
        try:
            counts = Counter(
                len(record)
                for record in islice(_csv_reader(text, delimiter), SNIFF_RECORDS)
                if len(record) > 1
            )
        except csv.Error:
            counts = Counter()
        scores.append((max(counts.values(), default=0), delimiter))
    scores.sort(reverse=True)
    (best, delimiter), (second, _other) = scores[:2]
    if not best or best == second:
        raise SampleError("delimiter")
    return delimiter


def find_header_row(rows):
    """Number of the first row with at least two text cells."""
    for number, row in enumerate(rows[:HEADER_ROW_MAX], start=1):
        if sum(1 for value in row if _is_text(value)) >= 2:
            return number
    raise SampleError("no_header", rows=HEADER_ROW_MAX)


def detect_decimal_comma(rows):
    """Whether the numbers of these CSV rows have more decimal commas than
    decimal points."""
    commas = points = 0
    for row in rows:
        for value in row:
            value = _SPACES.sub("", value)
            commas += bool(_DECIMAL_COMMA.fullmatch(value))
            points += bool(_DECIMAL_POINT.fullmatch(value))
    return commas > points


def _read_xlsx(data, sheet_name):
    _check_zip(data)
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # any parsing error of a damaged file
        raise SampleError("corrupt") from error
    try:
        return _read_sheet(
            [sheet.title for sheet in book.worksheets],
            sheet_name,
            lambda name: book[name].iter_rows(
                max_row=HEADER_ROW_MAX + HINT_ROWS,
                max_col=MAX_COLUMNS + 1,
                values_only=True,
            ),
        )
    finally:
        book.close()


def _check_zip(data):
    """Refuse a zip that unzips too large, holds too many members, or has
    an XML part declaring a DOCTYPE or entities."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SampleError("corrupt") from error
    with archive:
        members = archive.infolist()
        if (
            len(members) > MAX_ZIP_MEMBERS
            or sum(member.file_size for member in members) > MAX_UNZIPPED_SIZE
        ):
            raise SampleError("corrupt")
        for member in members:
            try:
                with archive.open(member) as stream:
                    _check_xml_prolog(stream)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                NotImplementedError,  # a compression method zipfile lacks
                RuntimeError,  # an encrypted member
            ) as error:
                raise SampleError("corrupt") from error


class _RootReached(Exception):
    pass


def _check_xml_prolog(stream):
    """Parse an XML part up to its root element; refuse it if it declares a
    DOCTYPE or an entity (entity expansion, external entities). Parts that
    are not XML (images) are left alone."""
    chunk = stream.read(65536)
    if not chunk.lstrip().startswith(XML_STARTS):
        return
    parser = xml.parsers.expat.ParserCreate()

    def refuse(*args):
        raise SampleError("corrupt")

    def root_reached(*args):
        raise _RootReached

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = root_reached
    try:
        while chunk:
            parser.Parse(chunk, False)
            chunk = stream.read(65536)
        parser.Parse(b"", True)
    except _RootReached:
        return
    except xml.parsers.expat.ExpatError as error:
        raise SampleError("corrupt") from error


def _read_xls(data, sheet_name):
    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, logfile=io.StringIO()
        )
    except Exception as error:  # xlrd raises many kinds on damaged files
        if "encrypted" in str(error) or _is_encrypted_package(data):
            raise SampleError("encrypted") from error
        raise SampleError("corrupt") from error

    def read_rows(name):
        sheet = book.sheet_by_name(name)
        limit = min(sheet.nrows, HEADER_ROW_MAX + HINT_ROWS)
        return (sheet.row_values(number) for number in range(limit))

    try:
        return _read_sheet(book.sheet_names(), sheet_name, read_rows)
    finally:
        book.release_resources()


def _is_encrypted_package(data):
    """Whether an OLE2 file holds an encrypted XLSX (a password to open)."""
    try:
        entries = CompDoc(data, logfile=io.StringIO()).dirlist
    except Exception:  # not even a compound file
        return False
    return any(entry.name == "EncryptedPackage" for entry in entries)


def _read_sheet(names, sheet_name, read_rows):
    """(sheet names, the sheet's name, its first rows): the sheet named
    `sheet_name` (the first one by default), read by `read_rows(name)`."""
    if not names:
        raise SampleError("corrupt")
    name = names[0] if sheet_name is None else sheet_name
    if name not in names:
        raise SampleError("sheet", name=sheet_name)
    try:
        rows = [_trim(row) for row in read_rows(name)]
    except Exception as error:  # a damaged sheet
        raise SampleError("corrupt") from error
    return names, name, rows


def _csv_reader(text, delimiter):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _read_csv(text, delimiter):
    try:
        return [
            _trim(record[: MAX_COLUMNS + 1])
            for record in islice(
                _csv_reader(text, delimiter), HEADER_ROW_MAX + HINT_ROWS
            )
        ]
    except csv.Error as error:
        raise SampleError("corrupt") from error


def _row(rows, number):
    return rows[number - 1] if 1 <= number <= min(len(rows), HEADER_ROW_MAX) else []


def _trim(row):
    """The row without its empty cells at the end."""
    row = list(row)
    while row and _cell_text(row[-1]) == "":
        row.pop()
    return row


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_text(value):
    """A cell of text that is not a number."""
    return (
        isinstance(value, str)
        and value.strip() != ""
        and not _NUMBER.fullmatch(_SPACES.sub("", value))
    )


# Suggestions

_CODE = {"kind": "field", "field_path": "default_code"}
_NAME = {"kind": "field", "field_path": "name"}
_DESCRIPTION = {"kind": "field", "field_path": "description_sale"}
_BARCODE = {"kind": "field", "field_path": "barcode"}
_CATEGORY = {"kind": "field", "field_path": "categ_id.name"}
_WEIGHT = {"kind": "field", "field_path": "weight"}
_UNIT = {"kind": "field", "field_path": "uom_id.name"}
# OCA product_brand's field; website_sale's product page: used where they exist.
_BRAND = {"kind": "field", "field_path": "product_brand_id.name"}
_LINK = {"kind": "field", "field_path": "website_url"}
_QUANTITY = {"kind": "quantity"}
_PRICE = {"kind": "price", "price_source": "list_price"}
_COST = {"kind": "price", "price_source": "standard_price"}
_IMAGE = {"kind": "image"}
_IMAGES = {"kind": "images"}
_STOCK_PLUS = {"kind": "stock_status", "in_stock_text": "+", "out_of_stock_text": "-"}
_STOCK_TEXT = {
    "kind": "stock_status",
    "in_stock_text": "in_stock",
    "out_of_stock_text": "out_of_stock",
}
_STOCK_ONE = {"kind": "stock_status", "in_stock_text": "1", "out_of_stock_text": "0"}
# The code of the sales price's currency.
_CURRENCY = {"kind": "currency", "price_source": "list_price"}
# Known headers nothing in Odoo fills: an empty constant, and no prefix match.
_CONSTANT = {"kind": "constant"}

_HEADER_NAMES = (
    (
        _CODE,
        (
            "SKU",
            "Code",
            "Product code",
            "Item code",
            "Reference",
            "Internal reference",
            "id",
            "Handle",
            "Variant SKU",
            "Артикул",
            "Код",
            "Код_товару",
            "Код товару",
            "Код_товара",
            "Код товара",
            "Référence",
            "Réf",
            "Code produit",
        ),
    ),
    (
        _NAME,
        (
            "Name",
            "Title",
            "Product name",
            "Product title",
            "Item name",
            "Назва",
            "Назва товару",
            "Назва_позиції",
            "Назва_позиції_укр",
            "Найменування",
            "Название",
            "Название товара",
            "Название_позиции",
            "Название_позиции_укр",
            "Наименование",
            "Nom",
            "Nom du produit",
            "Désignation",
            "Titre",
        ),
    ),
    (
        _DESCRIPTION,
        (
            "Description",
            "Short description",
            "Body (HTML)",
            "Опис",
            "Опис_укр",
            "Описание",
            "Описание_укр",
            "Description courte",
        ),
    ),
    (
        _BARCODE,
        (
            "Barcode",
            "EAN",
            "EAN13",
            "EAN-13",
            "GTIN",
            "UPC",
            "Variant Barcode",
            "Штрих-код",
            "Штрихкод",
            "Code-barres",
            "Code EAN",
        ),
    ),
    (
        _CATEGORY,
        (
            "Category",
            "Categories",
            "Product Category",
            "Категорія",
            "Група",
            "Назва_групи",
            "Категория",
            "Группа",
            "Название_группы",
            "Catégorie",
            "Catégories",
        ),
    ),
    (_WEIGHT, ("Weight", "Вага", "Вес", "Poids")),
    (_UNIT, ("Unit", "Одиниця_виміру", "Единица_измерения", "Unité")),
    (
        _BRAND,
        ("Brand", "Vendor", "Manufacturer", "Бренд", "Виробник", "Торгова марка")
        + ("Производитель", "Торговая марка", "Marque", "Fabricant"),
    ),
    (_LINK, ("link", "Product URL", "Посилання", "Ссылка", "Lien")),
    (
        _QUANTITY,
        (
            "Quantity",
            "Qty",
            "Stock",
            "Stock quantity",
            "Available",
            "On hand",
            "Inventory",
            "Variant Inventory Qty",
            "quantity_to_sell_on_facebook",
            "Кількість",
            "Залишок",
            "Залишки",
            "Количество",
            "Остаток",
            "Остатки",
            "Quantité",
            "Qté",
            "Stock disponible",
        ),
    ),
    (
        _PRICE,
        (
            "Price",
            "Regular price",
            "Retail price",
            "Sale price",
            "Variant Price",
            "Ціна",
            "Роздрібна ціна",
            "Цена",
            "Розничная цена",
            "Prix",
            "Prix de vente",
        ),
    ),
    (
        _COST,
        ("Cost", "Cost price", "Cost per item", "Собівартість", "Себестоимость")
        + ("Coût", "Prix d'achat"),
    ),
    (
        _IMAGE,
        (
            "Image",
            "image_link",
            "Image URL",
            "Image Src",
            "Main image",
            "Variant Image",
            "Picture",
            "Photo",
            "Фото",
            "Зображення",
            "Изображение",
            "Картинка",
            "Photo principale",
        ),
    ),
    (
        _IMAGES,
        (
            "Images",
            "additional_image_link",
            "Pictures",
            "Photos",
            "Посилання_зображення",
            "Ссылка_изображения",
        ),
    ),
    (
        _STOCK_PLUS,
        ("Наявність", "Наличие"),
    ),
    (
        _STOCK_TEXT,
        ("availability", "Stock status", "Disponibilité"),
    ),
    (_STOCK_ONE, ("In stock", "In stock?")),
    (_CURRENCY, ("Currency", "Currency code", "Валюта", "Devise")),
    (
        _CONSTANT,
        (
            "Image Position",
            "Image Alt Text",
            "Пошукові_запити",
            "Поисковые_запросы",
            "Назва_Характеристики",
            "Одиниця_виміру_Характеристики",
            "Значення_Характеристики",
            "Название_Характеристики",
            "Измерение_Характеристики",
            "Значение_Характеристики",
        ),
    ),
)
# Header name -> what the column writes. Names are compared case-insensitively,
# without punctuation ("Код_товару" is "код товару").
HEADER_DICTIONARY = {name: values for values, names in _HEADER_NAMES for name in names}

# In-stock and out-of-stock texts a stock status column may hold; the
# booleans count only under a stock status header.
STOCK_TEXTS = (
    ("+", "-"),
    ("in_stock", "out_of_stock"),
    ("in stock", "out of stock"),
    ("instock", "outofstock"),
    ("в наявності", "немає в наявності"),
    ("є в наявності", "немає в наявності"),
    ("в наличии", "нет в наличии"),
    ("есть в наличии", "нет в наличии"),
    ("en stock", "en rupture de stock"),
)
BOOLEAN_TEXTS = (
    ("1", "0"),
    ("yes", "no"),
    ("true", "false"),
    ("так", "ні"),
    ("да", "нет"),
    ("oui", "non"),
)


def normalize_header(name):
    """Lower case words of a header name, without punctuation."""
    return " ".join(re.findall(r"[^\W_]+", name.casefold()))


def suggest_columns(headers, rows, dictionary=HEADER_DICTIONARY):
    """A Suggestion for each header, in order, from the header names of
    `dictionary` ({name: column values}) and the values under the header in
    `rows` (text)."""
    index = {normalize_header(name): values for name, values in dictionary.items()}
    return [
        _suggest(header, [row[position] for row in rows if row[position:]], index)
        for position, header in enumerate(headers)
    ]


def _suggest(header, values, index):
    values = [value for value in values if value]
    words = normalize_header(header).split()
    match, confidence = None, NONE
    for size in range(len(words), 0, -1):
        match = index.get(" ".join(words[:size]))
        if match is not None:
            confidence = HIGH if size == len(words) else MEDIUM
            break
    if match is not None and not _contradicts(match.get("kind"), values):
        return Suggestion(header, _refine(match, values), confidence)
    guess = _guess(values)
    if guess is not None:
        return Suggestion(header, guess, LOW)
    if match is not None and confidence == HIGH:
        return Suggestion(header, dict(match), LOW)
    return Suggestion(header, dict(_CONSTANT), NONE)


def _contradicts(kind, values):
    """Whether the data rows' values can't be what the column writes."""
    if not values:
        return False
    if kind == "quantity":
        return not all(_is_number(value) for value in values)
    if kind == "price":
        return not all(
            _is_number(value) or _PRICE_WITH_CURRENCY.fullmatch(value)
            for value in values
        )
    if kind in ("image", "images"):
        return not all(_urls(value) for value in values)
    return False


def _refine(match, values):
    """The header's column, made precise by the data rows' values."""
    values_ = dict(match)
    kind = values_.get("kind")
    if kind == "stock_status":
        texts = _stock_texts(values, STOCK_TEXTS + BOOLEAN_TEXTS)
        if texts:
            values_["in_stock_text"], values_["out_of_stock_text"] = texts
    elif kind == "image" and any(len(_urls(value)) > 1 for value in values):
        values_["kind"] = "images"
    elif kind == "price" and values:
        values_["price_with_currency"] = all(
            _PRICE_WITH_CURRENCY.fullmatch(value) for value in values
        )
    return values_


def _guess(values):
    """The column that the data rows' values alone suggest, if any: image
    links, or stock status texts."""
    if not values:
        return None
    links = [_urls(value) for value in values]
    if all(links):
        if any(len(urls) > 1 for urls in links):
            return dict(_IMAGES)
        if all(_IMAGE_URL.search(urls[0]) for urls in links):
            return dict(_IMAGE)
        return None
    texts = _stock_texts(values, STOCK_TEXTS)
    if texts:
        in_text, out_text = texts
        return {
            "kind": "stock_status",
            "in_stock_text": in_text,
            "out_of_stock_text": out_text,
        }
    return None


def _stock_texts(values, pairs):
    """(in stock text, out of stock text) of the first pair holding all the
    values, spelled as in the file where it has them."""
    seen = {value.casefold(): value for value in values}
    for in_text, out_text in pairs:
        if seen and set(seen) <= {in_text, out_text}:
            return seen.get(in_text, in_text), seen.get(out_text, out_text)
    return None


def _is_number(value):
    return bool(_NUMBER.fullmatch(_SPACES.sub("", value)))


def _urls(value):
    """The links of a cell holding only links (none otherwise)."""
    parts = [part for part in _URL_SEPARATORS.split(value) if part]
    return parts if parts and all(_URL.fullmatch(part) for part in parts) else []
