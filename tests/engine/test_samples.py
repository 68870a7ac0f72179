# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sample files read back (settings, headers) and their suggested columns,
with samples built by sample_files; damaged, encrypted and hostile files
refused."""

import io
import zipfile

import pytest
from sample_files import (
    PROM_HEADERS,
    RUSSIAN_HEADERS,
    SHOPIFY_HEADERS,
    csv_file,
    encrypted_xls,
    encrypted_xlsx,
    prom_xlsx,
    russian_cp1251_csv,
    shopify_csv,
    xls_file,
    xlsx_file,
)

from writers import samples
from writers.samples import (
    HIGH,
    LOW,
    MEDIUM,
    NONE,
    SampleError,
    read_sample,
    suggest_columns,
)


def kinds(suggestions):
    return [suggestion.values["kind"] for suggestion in suggestions]


def zip_replace(data, member, content):
    """The zip `data` with `member`'s content replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(
                info.filename,
                content if info.filename == member else source.read(info),
            )
    return stream.getvalue()


def read_error(data, **settings):
    with pytest.raises(SampleError) as caught:
        read_sample(data, **settings)
    return caught.value


# Reading and suggestions of each kind of sample


def test_prom_xlsx():
    sample = read_sample(prom_xlsx())
    assert sample.file_type == "xlsx"
    assert sample.sheet_names == ["Export Products Sheet", "Інструкція"]
    assert sample.sheet_name == "Export Products Sheet"
    assert sample.header_row == 1
    assert sample.headers == PROM_HEADERS  # repeated headers kept, in order
    assert not sample.decimal_comma
    suggestions = suggest_columns(sample.headers, sample.rows)
    assert [s.header for s in suggestions] == PROM_HEADERS
    assert [(s.values, s.confidence) for s in suggestions[:13]] == [
        ({"kind": "field", "field_path": "default_code"}, HIGH),
        ({"kind": "field", "field_path": "name"}, HIGH),
        ({"kind": "field", "field_path": "name"}, HIGH),
        ({"kind": "constant"}, HIGH),
        ({"kind": "field", "field_path": "description_sale"}, HIGH),
        (
            {
                "kind": "price",
                "price_source": "list_price",
                "price_with_currency": False,
            },
            HIGH,
        ),
        ({"kind": "currency", "price_source": "list_price"}, HIGH),
        ({"kind": "field", "field_path": "uom_id.name"}, HIGH),
        (
            {"kind": "stock_status", "in_stock_text": "+", "out_of_stock_text": "-"},
            HIGH,
        ),
        ({"kind": "quantity"}, HIGH),
        ({"kind": "images"}, HIGH),
        ({"kind": "field", "field_path": "categ_id.name"}, HIGH),
        ({"kind": "field", "field_path": "product_brand_id.name"}, HIGH),
    ]
    # The characteristics: known, nothing fills them (no prefix match on
    # "Одиниця_виміру").
    assert [(s.values, s.confidence) for s in suggestions[13:]] == [
        ({"kind": "constant"}, HIGH)
    ] * 6


def test_cp1251_csv_with_semicolons():
    data = russian_cp1251_csv()
    sample = read_sample(data)
    assert (sample.file_type, sample.delimiter, sample.encoding) == (
        "csv",
        ";",
        "cp1251",
    )
    assert sample.decimal_comma
    assert (sample.header_row, sample.sheet_names) == (1, [])
    assert sample.headers == RUSSIAN_HEADERS
    suggestions = suggest_columns(sample.headers, sample.rows)
    assert kinds(suggestions) == [
        "field",
        "field",
        "price",
        "quantity",
        "stock_status",
        "image",
    ]
    status = suggestions[4].values
    assert (status["in_stock_text"], status["out_of_stock_text"]) == (
        "в наличии",
        "нет в наличии",
    )
    assert {s.confidence for s in suggestions} == {HIGH}


def test_utf8_bom_csv_with_tabs():
    data = b"\xef\xbb\xbf" + csv_file(
        [
            ["id", "title", "description", "link", "image_link", "availability"]
            + ["price", "brand", "gtin", "condition"],
            ["G-1", "Phone", "A phone, black", "https://s.example/p/1"]
            + ["https://s.example/1.jpg", "in_stock", "129.99 USD", "Acme"]
            + ["4820000000011", "new"],
            ["G-2", "Case", "", "https://s.example/p/2", "https://s.example/2.jpg"]
            + ["out_of_stock", "9.50 USD", "Acme", "", "new"],
        ],
        delimiter="\t",
    )
    sample = read_sample(data)
    assert (sample.delimiter, sample.encoding, sample.decimal_comma) == (
        "\t",
        "utf-8-sig",
        False,
    )
    assert sample.headers[0] == "id"  # no BOM in the first header
    values = [s.values for s in suggest_columns(sample.headers, sample.rows)]
    assert values[3] == {"kind": "field", "field_path": "website_url"}
    assert values[4] == {"kind": "image"}
    assert values[5] == {
        "kind": "stock_status",
        "in_stock_text": "in_stock",
        "out_of_stock_text": "out_of_stock",
    }
    assert values[6]["price_with_currency"] is True
    assert values[8] == {"kind": "field", "field_path": "barcode"}
    assert values[9] == {"kind": "constant"}


def test_xls_with_headers_on_row_3():
    data = xls_file(
        {
            "Довідка": [["Прочитайте", "це"]],
            "Товари": [
                ["Прайс-лист"],
                ["Оновлено:", 45000.0],
                ["Артикул", "Назва", "Ціна", "Кількість", "Штрих-код", "Вага"],
                ["X-1", "Чайник", 12.5, 3, "4820000000028", 1.2],
            ],
        }
    )
    sample = read_sample(data)  # the first sheet has headers on row 1
    assert (sample.file_type, sample.sheet_name, sample.header_row) == (
        "xls",
        "Довідка",
        1,
    )
    sample = read_sample(data, sheet_name="Товари")
    assert sample.sheet_names == ["Довідка", "Товари"]
    assert (sample.sheet_name, sample.header_row) == ("Товари", 3)
    assert sample.headers == [
        "Артикул",
        "Назва",
        "Ціна",
        "Кількість",
        "Штрих-код",
        "Вага",
    ]
    assert sample.rows == [["X-1", "Чайник", "12.5", "3", "4820000000028", "1.2"]]
    assert [s.values for s in suggest_columns(sample.headers, sample.rows)] == [
        {"kind": "field", "field_path": "default_code"},
        {"kind": "field", "field_path": "name"},
        {"kind": "price", "price_source": "list_price", "price_with_currency": False},
        {"kind": "quantity"},
        {"kind": "field", "field_path": "barcode"},
        {"kind": "field", "field_path": "weight"},
    ]
    # The header row the user chose: its cells are the headers.
    sample = read_sample(data, sheet_name="Товари", header_row=4)
    assert sample.headers == ["X-1", "Чайник", "12.5", "3", "4820000000028", "1.2"]
    assert sample.rows == []


def test_shopify_product_csv():
    sample = read_sample(shopify_csv())
    assert (sample.delimiter, sample.encoding, sample.header_row) == (",", "utf-8", 1)
    assert sample.headers == SHOPIFY_HEADERS
    suggestions = {s.header: s for s in suggest_columns(sample.headers, sample.rows)}
    assert {
        header: (s.values, s.confidence)
        for header, s in suggestions.items()
        if s.confidence != NONE
    } == {
        "Handle": ({"kind": "field", "field_path": "default_code"}, HIGH),
        "Title": ({"kind": "field", "field_path": "name"}, HIGH),
        "Body (HTML)": ({"kind": "field", "field_path": "description_sale"}, HIGH),
        "Vendor": ({"kind": "field", "field_path": "product_brand_id.name"}, HIGH),
        "Product Category": ({"kind": "field", "field_path": "categ_id.name"}, HIGH),
        "Variant SKU": ({"kind": "field", "field_path": "default_code"}, HIGH),
        "Variant Inventory Qty": ({"kind": "quantity"}, HIGH),
        "Variant Price": (
            {
                "kind": "price",
                "price_source": "list_price",
                "price_with_currency": False,
            },
            HIGH,
        ),
        "Variant Barcode": ({"kind": "field", "field_path": "barcode"}, HIGH),
        "Image Src": ({"kind": "image"}, HIGH),
        "Image Position": ({"kind": "constant"}, HIGH),
        "Image Alt Text": ({"kind": "constant"}, HIGH),
    }
    unknown = [s for s in suggestions.values() if s.confidence == NONE]
    assert {s.values["kind"] for s in unknown} == {"constant"}
    assert "Variant Compare At Price" in {s.header for s in unknown}


def test_unknown_header_and_guesses_from_the_data():
    headers = ["SKU", "Flux rating", "Pics", "Gallery", "Shop page", "Stock flag"]
    headers += ["Ціна, грн", "Image caption", "Price", "Image note"]
    rows = [
        ["S-1", "11", "https://i.example/1.JPG?v=2", "https://i.example/1.jpg"]
        + ["https://shop.example/s-1", "+", "12,50", "Red", "on request", ""],
        ["S-2", "7", "", "https://i.example/2.jpg https://i.example/3.jpg"]
        + ["https://shop.example/s-2", "-", "3", "Blue", "", ""],
    ]
    assert [(s.values, s.confidence) for s in suggest_columns(headers, rows)] == [
        ({"kind": "field", "field_path": "default_code"}, HIGH),
        ({"kind": "constant"}, NONE),  # unknown: an empty constant
        ({"kind": "image"}, LOW),  # image links
        ({"kind": "images"}, LOW),  # several links in a cell
        ({"kind": "constant"}, NONE),  # links, not to images
        (
            {"kind": "stock_status", "in_stock_text": "+", "out_of_stock_text": "-"},
            LOW,
        ),
        (
            {
                "kind": "price",
                "price_source": "list_price",
                "price_with_currency": False,
            },
            MEDIUM,  # starts with a known name
        ),
        ({"kind": "constant"}, NONE),  # "Image..." but its values are not links
        ({"kind": "price", "price_source": "list_price"}, LOW),  # not a number
        ({"kind": "image"}, MEDIUM),  # no value to contradict the name
    ]


def test_headers_only_and_dictionary_extended():
    headers = ["Марка", "Виробник", "In stock?", "Stock"]
    dictionary = dict(
        samples.HEADER_DICTIONARY,
        **{"МАРКА": {"kind": "field", "field_path": "x_brand"}},
    )
    assert [s.values for s in suggest_columns(headers, [], dictionary)] == [
        {"kind": "field", "field_path": "x_brand"},
        {"kind": "field", "field_path": "product_brand_id.name"},
        {"kind": "stock_status", "in_stock_text": "1", "out_of_stock_text": "0"},
        {"kind": "quantity"},
    ]
    assert suggest_columns(headers[:1], [])[0].confidence == NONE


def test_stock_texts_spelled_as_in_the_file():
    [suggestion] = suggest_columns(["Availability"], [["In Stock"], ["Out Of Stock"]])
    assert suggestion.values == {
        "kind": "stock_status",
        "in_stock_text": "In Stock",
        "out_of_stock_text": "Out Of Stock",
    }


def test_normalize_header():
    assert samples.normalize_header(" Код_товару ") == "код товару"
    assert samples.normalize_header("Body (HTML)") == "body html"
    assert samples.normalize_header("In stock?") == "in stock"
    assert samples.normalize_header("Prix d'achat") == "prix d achat"


def test_header_row_detection_skips_title_rows():
    data = csv_file(
        [
            ["Price list 2026", "", ""],
            ["", "", ""],
            ["1", "2", "3"],
            ["Code", "Name", "Price"],
            ["A", "Chair", "10"],
        ],
        delimiter=";",
    )
    sample = read_sample(data)
    assert (sample.header_row, sample.headers) == (4, ["Code", "Name", "Price"])
    assert sample.rows == [["A", "Chair", "10"]]


# Bad input


def test_no_header_row():
    error = read_error(xlsx_file({"Numbers": [[1, 2, 3], [4, "five", 6]]}))
    assert (error.code, error.params) == ("no_header", {"rows": 1000})
    assert read_error(b"").code == "delimiter"
    assert read_error(b"", delimiter=",").code == "no_header"


@pytest.mark.parametrize("header_row", [2, 1001])
def test_chosen_header_row_without_headers(header_row):
    data = xlsx_file({"S": [["a", "b"], [None]] + [["x", "y"]] * 1010})
    error = read_error(data, header_row=header_row)
    assert (error.code, error.params) == ("empty_row", {"row": header_row})


def test_delimiter_that_cannot_be_told_apart():
    data = b"a,b;c,d\r\n1,2;3,4\r\n"
    assert read_error(data).code == "delimiter"
    assert read_error(b"Name\r\nChair\r\n").code == "delimiter"
    sample = read_sample(data, delimiter=";")
    assert sample.headers == ["a,b", "c,d"]
    assert read_sample(data, delimiter=",").headers == ["a", "b;c", "d"]


def test_encodings():
    data = "Код;Назва\r\nA;Б\r\n".encode("cp1251")
    error = read_error(data, encoding="utf-8")
    assert (error.code, error.params) == ("encoding", {"encoding": "utf-8"})
    assert read_sample(data, encoding="cp1251").headers == ["Код", "Назва"]
    assert read_error(b"Code;Name\r\nA;\x98\r\n").code == "encoding"
    assert read_error("Code;Name".encode("utf-16")).code == "corrupt"


def test_file_over_10_mb():
    data = csv_file([["Code", "Name"]]) + b"A,B\r\n" * (2 * 1024 * 1024)
    assert len(data) > samples.MAX_FILE_SIZE
    error = read_error(data)
    assert (error.code, error.params) == ("too_large", {"limit": 10 * 1024 * 1024})


def test_too_many_columns():
    data = csv_file([[f"H{number}" for number in range(1025)]])
    error = read_error(data)
    assert (error.code, error.params) == ("too_many_columns", {"limit": 1024})
    assert len(read_sample(data[: data.rindex(b",")]).headers) == 1024


def test_missing_sheet():
    error = read_error(prom_xlsx(), sheet_name="Products")
    assert (error.code, error.params) == ("sheet", {"name": "Products"})


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(prom_xlsx()[:3000], id="truncated xlsx"),
        pytest.param(xls_file({"S": [["a", "b"]]})[:1500], id="truncated xls"),
        pytest.param(samples.OLE2_MAGIC + bytes(600), id="ole2 header only"),
        pytest.param(b"PK\x05\x06" + bytes(18), id="empty zip"),
        pytest.param(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", id="png"),
    ],
)
def test_corrupt_files(data):
    assert read_error(data).code == "corrupt"


def test_zip_without_workbook():
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert read_error(stream.getvalue()).code == "corrupt"


def test_password_protected_files():
    assert read_error(encrypted_xls()).code == "encrypted"
    assert read_error(encrypted_xlsx()).code == "encrypted"


def test_zip_bomb():
    """A workbook that reads, but unzips to more than 128 MiB."""
    stream = io.BytesIO(prom_xlsx())
    with zipfile.ZipFile(stream, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/image1.png", "w") as member:
            for _chunk in range(128):
                member.write(bytes(1024 * 1024))
    data = stream.getvalue()
    assert len(data) < samples.MAX_FILE_SIZE
    assert read_error(data).code == "corrupt"


def test_zip_with_too_many_members():
    stream = io.BytesIO(prom_xlsx())
    with zipfile.ZipFile(stream, "a") as archive:
        for number in range(1000):
            archive.writestr(f"docProps/extra{number}.txt", "")
    assert read_error(stream.getvalue()).code == "corrupt"


@pytest.mark.parametrize(
    "member",
    ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"],
)
@pytest.mark.parametrize(
    "declaration",
    [
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        "<!-- <a/> -->\n<!DOCTYPE worksheet>",
    ],
)
def test_xml_declarations_refused(member, declaration):
    data = xlsx_file({"S": [["Code", "Name"], ["A", "&b;"]]})
    original = zipfile.ZipFile(io.BytesIO(data)).read(member).decode()
    hostile = zip_replace(data, member, f'<?xml version="1.0"?>{declaration}{original}')
    assert read_error(hostile).code == "corrupt"
    # The same file without the declaration reads.
    assert read_sample(zip_replace(data, member, original)).headers == ["Code", "Name"]
