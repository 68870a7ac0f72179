# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XML writer: YML, Hotline and Google RSS documents read back with lxml."""

import contextlib
import dataclasses
import datetime
import gzip
import json
import pickle
import tempfile
import tracemalloc
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from writers import (
    CONTENT_TYPES,
    EXTENSIONS,
    XML_CONTENT_TYPES,
    FeedOptions,
    PartWriter,
    XmlShop,
    assemble,
)
from writers.formatting import XML_FORBIDDEN_CHARS, url_quote
from writers.xml_writer import GOOGLE_NS, HEADER_ERRORS, header_error, headers_error

G = f"{{{GOOGLE_NS}}}"
SHOP = XmlShop(
    name="Магазин «Сонце»",
    company="ТОВ Сонце & Ко",
    url="https://sonce.example.ua",
    date="2026-11-30 09:05",
    description="Одяг і взуття",
    firm_id="4321",
    currencies=(("UAH", 1), ("USD", Decimal("41.25"))),
    categories=(
        (1, None, "Одяг"),
        (2, 1, "Футболки <чоловічі>"),
        ("3", None, "Взуття"),
    ),
)
YML_HEADER = (
    "@id",
    "@available",
    "name",
    "price",
    "currencyId",
    "categoryId",
    "picture",
    "vendor",
    "param:Колір",
    "param:Розмір",
)
YML_ROWS = [
    [
        "SKU-1",
        True,
        "Футболка синя",
        Decimal("450.00"),
        "UAH",
        2,
        ["https://sonce.example.ua/i/1/0", "https://sonce.example.ua/i/1/1"],
        "Sonce",
        "Синій",
        "XL",
    ],
    ["ФУТ-2", False, "Кеди", Decimal("1200.50"), "UAH", "3", [], None, "", None],
]
GOOGLE_HEADER = (
    "g:id",
    "g:title",
    "g:link",
    "g:image_link",
    "g:additional_image_link",
    "g:availability",
    "g:price",
    "g:brand",
)
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def generate(feed, dialect, header, rows=(), shop=SHOP, **kwargs):
    return feed.generate(
        "xml",
        list(header),
        rows,
        xml_dialect=dialect,
        xml_shop=shop,
        xml_headers=header,
        **kwargs,
    )


def parse(data):
    return etree.fromstring(data, PARSER)


def children(element):
    return [(child.tag, dict(child.attrib), child.text) for child in element]


def test_yml_document(feed):
    data, report = generate(feed, "yml", YML_HEADER, YML_ROWS)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<yml_catalog')
    root = parse(data)
    assert (root.tag, dict(root.attrib)) == (
        "yml_catalog",
        {"date": "2026-11-30 09:05"},
    )
    (shop,) = root
    assert shop.tag == "shop"
    assert [child.tag for child in shop] == [
        "name",
        "company",
        "url",
        "currencies",
        "categories",
        "offers",
    ]
    assert [shop.findtext(tag) for tag in ("name", "company", "url")] == [
        "Магазин «Сонце»",
        "ТОВ Сонце & Ко",
        "https://sonce.example.ua",
    ]
    assert children(shop.find("currencies")) == [
        ("currency", {"id": "UAH", "rate": "1"}, None),
        ("currency", {"id": "USD", "rate": "41.25"}, None),
    ]
    assert children(shop.find("categories")) == [
        ("category", {"id": "1"}, "Одяг"),
        ("category", {"id": "2", "parentId": "1"}, "Футболки <чоловічі>"),
        ("category", {"id": "3"}, "Взуття"),
    ]
    first, second = shop.find("offers")
    assert (first.tag, dict(first.attrib)) == (
        "offer",
        {"id": "SKU-1", "available": "true"},
    )
    assert children(first) == [
        ("name", {}, "Футболка синя"),
        ("price", {}, "450.00"),
        ("currencyId", {}, "UAH"),
        ("categoryId", {}, "2"),
        ("picture", {}, "https://sonce.example.ua/i/1/0"),
        ("picture", {}, "https://sonce.example.ua/i/1/1"),
        ("vendor", {}, "Sonce"),
        ("param", {"name": "Колір"}, "Синій"),
        ("param", {"name": "Розмір"}, "XL"),
    ]
    # Empty values (an empty list, None, "") write no element.
    assert dict(second.attrib) == {"id": "ФУТ-2", "available": "false"}
    assert children(second) == [
        ("name", {}, "Кеди"),
        ("price", {}, "1200.50"),
        ("currencyId", {}, "UAH"),
        ("categoryId", {}, "3"),
    ]
    # Attribute values and texts are UTF-8, not character references.
    assert '<offer id="ФУТ-2" available="false">'.encode() in data
    assert '<param name="Колір">Синій</param>'.encode() in data
    assert (report.rows, report.replaced_chars, report.truncated_cells) == (2, 0, 0)


def test_hotline_document(feed):
    header = ("id", "categoryId", "code", "vendor", "name", "priceRUAH", "stock")
    rows = [[7, 2, "SKU-7", "Sonce", "Футболка", Decimal("450.00"), "В наявності"]]
    data, _report = generate(feed, "hotline", header, rows)
    root = parse(data)
    assert root.tag == "price"
    assert [child.tag for child in root] == [
        "date",
        "firmName",
        "firmId",
        "rate",
        "categories",
        "items",
    ]
    assert [root.findtext(tag) for tag in ("date", "firmName", "firmId", "rate")] == [
        "2026-11-30 09:05",
        "Магазин «Сонце»",
        "4321",
        "41.25",
    ]
    assert [children(category) for category in root.find("categories")] == [
        [("id", {}, "1"), ("name", {}, "Одяг")],
        [("id", {}, "2"), ("parentId", {}, "1"), ("name", {}, "Футболки <чоловічі>")],
        [("id", {}, "3"), ("name", {}, "Взуття")],
    ]
    (item,) = root.find("items")
    assert item.tag == "item"
    assert children(item) == [
        ("id", {}, "7"),
        ("categoryId", {}, "2"),
        ("code", {}, "SKU-7"),
        ("vendor", {}, "Sonce"),
        ("name", {}, "Футболка"),
        ("priceRUAH", {}, "450.00"),
        ("stock", {}, "В наявності"),
    ]


def test_hotline_without_usd_has_no_rate(feed):
    shop = XmlShop(name="S", date="2026-11-30 09:05", currencies=(("UAH", 1),))
    data, _report = generate(feed, "hotline", ("id",), [[1]], shop=shop)
    assert [child.tag for child in parse(data)] == ["date", "firmName", "items"]


def test_google_rss_document(feed):
    images = [f"https://sonce.example.ua/i/1/{n}" for n in range(13)]
    rows = [
        [
            "SKU-1",
            "Футболка",
            "https://sonce.example.ua/shop/futbolka-1",
            images[0],
            images[1:],
            "in_stock",
            "450.00 UAH",
            "Sonce",
        ],
        ["SKU-2", "Кеди", None, None, images[1:3], "out_of_stock", "99.90 UAH", ""],
    ]
    data, report = generate(feed, "google_rss", GOOGLE_HEADER, rows)
    root = parse(data)
    assert (root.tag, dict(root.attrib), root.nsmap) == (
        "rss",
        {"version": "2.0"},
        {"g": GOOGLE_NS},
    )
    # The namespace is declared once, on rss; items use its prefix.
    assert data.count(b"xmlns:") == 1
    assert b"<g:id>SKU-1</g:id>" in data
    (channel,) = root
    assert channel.tag == "channel"
    assert children(channel)[:3] == [
        ("title", {}, "Магазин «Сонце»"),
        ("link", {}, "https://sonce.example.ua"),
        ("description", {}, "Одяг і взуття"),
    ]
    first, second = channel.findall("item")
    assert len(channel) == 5
    assert children(first) == [
        (f"{G}id", {}, "SKU-1"),
        (f"{G}title", {}, "Футболка"),
        (f"{G}link", {}, "https://sonce.example.ua/shop/futbolka-1"),
        (f"{G}image_link", {}, images[0]),
        # at most 10 additional images
        *[(f"{G}additional_image_link", {}, link) for link in images[1:11]],
        (f"{G}availability", {}, "in_stock"),
        (f"{G}price", {}, "450.00 UAH"),
        (f"{G}brand", {}, "Sonce"),
    ]
    assert children(second) == [
        (f"{G}id", {}, "SKU-2"),
        (f"{G}title", {}, "Кеди"),
        *[(f"{G}additional_image_link", {}, link) for link in images[1:3]],
        (f"{G}availability", {}, "out_of_stock"),
        (f"{G}price", {}, "99.90 UAH"),
    ]
    # The cut list of images is counted as a truncated cell.
    assert (report.rows, report.truncated_cells) == (2, 1)


def test_google_rss_plain_rss_elements(feed):
    header = ("title", "link", "description", "g:id")
    data, _report = generate(feed, "google_rss", header, [["T", "https://a/1", "D", 1]])
    item = parse(data).find("channel/item")
    assert children(item) == [
        ("title", {}, "T"),
        ("link", {}, "https://a/1"),
        ("description", {}, "D"),
        (f"{G}id", {}, "1"),
    ]


def test_value_formatting(feed):
    values = [
        True,
        False,
        0,
        -3,
        12.5,
        1e-05,
        Decimal("12.50"),
        datetime.date(2026, 11, 30),
        datetime.datetime(2026, 11, 30, 9, 5, 7),
        "  spaced  ",
        ["a", None, "", 2, False],
        ("x",),
        None,
        "",
        [],
        (),
    ]
    header = tuple(f"v{i}" for i in range(len(values)))
    data, _report = generate(
        feed, "yml", ("@a", "@b", "@c", *header), [[1, False, None, *values]]
    )
    offer = parse(data).find("shop/offers/offer")
    assert dict(offer.attrib) == {"a": "1", "b": "false"}
    assert children(offer) == [
        ("v0", {}, "true"),
        ("v1", {}, "false"),
        ("v2", {}, "0"),
        ("v3", {}, "-3"),
        ("v4", {}, "12.5"),
        ("v5", {}, "0.00001"),
        ("v6", {}, "12.50"),
        ("v7", {}, "2026-11-30"),
        ("v8", {}, "2026-11-30T09:05:07"),
        ("v9", {}, "  spaced  "),
        ("v10", {}, "a"),
        ("v10", {}, "2"),
        ("v10", {}, "false"),
        ("v11", {}, "x"),
    ]


def test_list_attribute_is_joined(feed):
    data, _report = generate(feed, "yml", ("@id", "name"), [[["a", None, "b"], "n"]])
    assert parse(data).find("shop/offers/offer").get("id") == "a, b"


def test_escaping(feed):
    text = "Tom & Jerry <b>\"quoted\"</b> 'single' ]]> tab\tLF\nCR\r"
    data, _report = generate(
        feed, "yml", ("@id", "name", "param:A&B"), [[text, text, text]]
    )
    offer = parse(data).find("shop/offers/offer")
    assert offer.get("id") == text
    assert offer.findtext("name") == text
    assert offer.find("param").attrib == {"name": "A&B"}
    assert offer.findtext("param") == text
    assert b"Tom &amp; Jerry &lt;b&gt;" in data


def test_forbidden_characters_dropped_and_counted(feed):
    shop = XmlShop(
        name="Shop\x07", date="2026-11-30 09:05", categories=((1, None, "C\x00at"),)
    )
    dirty = "a\x00b\x08c\x0b\x0cd\x1fe\ud800f\udfff\ufffe\uffffg\t\n\r😀"
    data, report = generate(
        feed,
        "yml",
        ("@id", "name", "picture"),
        [[dirty, dirty, [dirty, "\x01\x02"]]],
        shop=shop,
    )
    clean = "abcdefg\t\n\r😀"
    root = parse(data)
    offer = root.find("shop/offers/offer")
    assert offer.get("id") == clean
    assert [(e.tag, e.text) for e in offer] == [("name", clean), ("picture", clean)]
    assert root.findtext("shop/name") == "Shop"
    assert root.findtext("shop/categories/category") == "Cat"
    # 9 per dirty value (3 of them), 2 in the picture holding nothing else
    # (no element), 2 in the header
    assert report.replaced_chars == 3 * 9 + 2 + 2


@pytest.mark.parametrize(
    "header, dialect, error",
    [
        ("price", "yml", None),
        ("vendorCode", "yml", None),
        ("stock_quantity", "hotline", None),
        ("a.b-c_1", "yml", None),
        ("_x", "yml", None),
        ("@id", "yml", None),
        ("@group_id", "yml", None),
        ("param:Колір", "yml", None),
        ("param:Розмір (EU): дорослий", "hotline", None),
        ("g:additional_image_link", "google_rss", None),
        ("title", "google_rss", None),
        ("@id", "google_rss", None),
        ("", "yml", "empty"),
        (False, "hotline", "empty"),
        (None, "google_rss", "empty"),
        ("@", "yml", "empty"),
        ("g:", "google_rss", "empty"),
        ("1price", "yml", "invalid_name"),
        ("-price", "yml", "invalid_name"),
        ("old price", "yml", "invalid_name"),
        (" price", "yml", "invalid_name"),
        ("ціна", "yml", "invalid_name"),
        ("price<", "yml", "invalid_name"),
        ("xmlns", "yml", "invalid_name"),
        ("XMLdata", "yml", "invalid_name"),
        ("@xmlns", "yml", "invalid_name"),
        ("@a:b", "yml", "invalid_name"),
        ("@1", "yml", "invalid_name"),
        ("@ id", "yml", "invalid_name"),
        ("g:1id", "google_rss", "invalid_name"),
        ("g:a:b", "google_rss", "invalid_name"),
        ("g:id", "yml", "unknown_prefix"),
        ("g:id", "hotline", "unknown_prefix"),
        ("param:Колір", "google_rss", "unknown_prefix"),
        ("x:price", "yml", "unknown_prefix"),
        ("param:", "yml", "param_name"),
        ("param:  ", "hotline", "param_name"),
        ("param:a\x01", "yml", "param_name"),
    ],
)
def test_header_error(header, dialect, error):
    assert header_error(header, dialect) == error
    if error:
        assert HEADER_ERRORS[error]
        with pytest.raises(ValueError, match="XML column"):
            FeedOptions(file_type="xml", xml_dialect=dialect, xml_headers=(header,))
    else:
        FeedOptions(file_type="xml", xml_dialect=dialect, xml_headers=(header,))


def test_headers_error():
    assert headers_error(("@id", "name", "name", "param:A", "param:A"), "yml") is None
    assert headers_error(("@id", "name", "@id"), "yml") == (
        "@id",
        "duplicate_attribute",
    )
    assert headers_error(("name", "1x", "@id", "@id"), "yml") == ("1x", "invalid_name")
    with pytest.raises(ValueError, match="attribute"):
        FeedOptions(file_type="xml", xml_headers=("@id", "@id"))


def test_header_part_checks_the_options_headers(feed):
    with pytest.raises(ValueError, match="xml_headers"):
        feed.generate("xml", ["@id", "price"], [], xml_headers=("@id",))


@pytest.mark.parametrize(
    "options",
    [
        {"xml_dialect": "rss"},
        {"xml_dialect": ""},
        {"xml_shop": "S"},
        {"xml_shop": {"name": 1}},
        {"xml_headers": ("price", "@")},
    ],
)
def test_invalid_xml_options(options):
    with pytest.raises(ValueError):
        FeedOptions(file_type="xml", **options)


def test_xml_options_of_other_formats_are_ignored():
    FeedOptions(file_type="csv", xml_dialect="rss", xml_headers=("@",))
    # and an XML file needs no sheet name
    FeedOptions(file_type="xml", sheet_name="")


@pytest.mark.parametrize(
    "shop",
    [
        {"date": "2026-11-30"},
        {"date": "2026-11-30T09:05"},
        {"date": "30.11.2026 09:05"},
        {"name": None},
        {"firm_id": 4321},
        {"currencies": (("UAH",),)},
        {"currencies": (("", 1),)},
        {"currencies": (("UAH", None),)},
        {"currencies": (("UAH", True),)},
        {"currencies": (("UAH", 1), ("UAH", 2))},
        {"categories": ((1, None),)},
        {"categories": ((None, None, "A"),)},
        {"categories": ((1, None, None),)},
        {"categories": ((1, None, "A"), (1, None, "B"))},
        {"categories": ((2, 1, "B"),)},
        {"categories": ((1, None, "A"), (2, "1", "B"))},
        {"categories": ((1, None, "A"), (2, [1], "B"))},
    ],
)
def test_invalid_shop(shop):
    with pytest.raises(ValueError):
        XmlShop(**shop)


def test_options_are_hashable_and_picklable():
    shop = XmlShop(
        name="S",
        date="2026-11-30 09:05",
        currencies=[["UAH", 1], ("USD", Decimal("41.25"))],
        categories=[[1, None, "A"], (2, 1, "B")],
    )
    assert shop.currencies == (("UAH", 1), ("USD", Decimal("41.25")))
    assert shop.categories == ((1, None, "A"), (2, 1, "B"))
    options = FeedOptions(
        file_type="xml",
        xml_dialect="hotline",
        xml_shop=shop,
        xml_headers=["id", "@available"],
    )
    assert options.xml_headers == ("id", "@available")
    copy = pickle.loads(pickle.dumps(options))
    assert copy == options and hash(copy) == hash(options)
    assert FeedOptions(file_type="xml").xml_shop == XmlShop()
    assert FeedOptions(file_type="xml").xml_dialect == "yml"


def test_options_survive_a_json_round_trip():
    """A generation stores its options as JSON (dataclasses.asdict) and
    rebuilds them in each unit of work: the shop and the tuples come back."""
    options = FeedOptions(
        file_type="xml",
        xml_dialect="yml",
        xml_shop=XmlShop(
            name="S",
            date="2026-11-30 09:05",
            currencies=(("UAH", 1), ("USD", "41.25")),
            categories=((1, None, "A"), (2, 1, "B")),
        ),
        xml_headers=("@id", "name", "param:Колір"),
    )
    stored = json.loads(json.dumps(dataclasses.asdict(options)))
    assert isinstance(stored["xml_shop"], dict)
    copy = FeedOptions(**stored)
    assert copy == options and hash(copy) == hash(options)
    assert isinstance(copy.xml_shop, XmlShop)


def test_extension_and_content_types():
    assert EXTENSIONS["xml"] == "xml"
    assert CONTENT_TYPES["xml"] == "application/xml"
    assert XML_CONTENT_TYPES == {
        "yml": "application/xml",
        "hotline": "application/xml",
        "google_rss": "application/rss+xml",
    }


@pytest.mark.parametrize("dialect", ["yml", "hotline", "google_rss"])
def test_no_rows(feed, dialect):
    header = GOOGLE_HEADER if dialect == "google_rss" else YML_HEADER
    data, report = generate(feed, dialect, header, [])
    root = parse(data)
    products = {"yml": "shop/offers/offer", "hotline": "items/item"}
    assert root.findall(products.get(dialect, "channel/item")) == []
    assert report.rows == 0
    assert data.endswith(b">\n")


def _rows(count, start=0):
    """YML_HEADER's rows: 0-3 pictures, a vendor every 5th."""
    return [
        [
            f"SKU-{n}",
            n % 3 != 0,
            f"Товар № {n} & <інше>",
            Decimal(n).scaleb(-2),
            "UAH",
            n % 3 + 1,
            [f"https://sonce.example.ua/i/{n}/{k}" for k in range(n % 4)],
            None if n % 5 else "Sonce",
            "Синій",
            str(n),
        ]
        for n in range(start, start + count)
    ]


@pytest.mark.parametrize("dialect", ["yml", "hotline", "google_rss"])
def test_same_document_whatever_the_parts(feed, dialect):
    header = YML_HEADER
    if dialect == "google_rss":
        header = tuple(f"g:{h.lstrip('@').replace('param:', 'p')}" for h in YML_HEADER)
        header = tuple(
            h.replace("Колір", "colour").replace("Розмір", "size") for h in header
        )
    rows = _rows(40)
    whole, report = generate(feed, dialect, header, rows)
    assert len(parse(whole)) > 0 and report.rows == 40
    batches = [rows[:1], [], rows[1:17], rows[17:18], rows[18:40]]
    for parts in (2, 3, 5):
        data, split_report = generate(
            feed, dialect, header, batches=batches, parts=parts
        )
        assert data == whole
        assert split_report == report
    options = {"xml_dialect": dialect, "xml_shop": SHOP, "xml_headers": header}
    data, _report, _gzip = feed.write(
        "xml",
        list(header),
        [[rows[:5], []], [], [[], rows[5:30]], [rows[30:]]],
        **options,
    )
    assert data == whole


@pytest.mark.parametrize("dialect", ["yml", "google_rss"])
def test_gzip_copy_is_the_file(feed, dialect):
    header = ("@id", "name") if dialect == "yml" else ("g:id", "g:title")
    rows = [[n, f"Товар {n}"] for n in range(3000)]
    data, _report, gzipped = feed.write(
        "xml",
        list(header),
        [[], [rows[:1000], rows[1000:1001]], [rows[1001:]]],
        xml_dialect=dialect,
        xml_shop=SHOP,
        xml_headers=header,
    )
    assert gzip.decompress(gzipped) == data
    assert (
        len(
            parse(data).findall(
                "shop/offers/offer" if dialect == "yml" else "channel/item"
            )
        )
        == 3000
    )


# Any text, control characters and lone surrogates included
ANY_TEXT = st.text(
    st.one_of(
        st.sampled_from("&<>\"'\t\r\n ]]>ЇїҐґ😀"),
        st.characters(min_codepoint=0, max_codepoint=0x1F),
        st.characters(),
    ),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.lists(ANY_TEXT, min_size=4, max_size=4), max_size=6),
    data=st.data(),
)
def test_any_text_reads_back_cleaned(feed, rows, data):
    header = ("@id", "name", "param:Колір", "picture")
    parts = data.draw(feed.split(rows))
    options = {"xml_dialect": "yml", "xml_shop": SHOP, "xml_headers": header}
    document, report, _gzip = feed.write("xml", list(header), parts, **options)
    whole, _report = generate(feed, "yml", header, rows)
    assert document == whole
    offers = parse(document).findall("shop/offers/offer")
    assert len(offers) == len(rows) == report.rows
    removed = 0
    for offer, row in zip(offers, rows, strict=True):
        clean = []
        for text in row:
            text, count = XML_FORBIDDEN_CHARS.subn("", text)
            clean.append(text or None)
            removed += count
        assert offer.get("id") == clean[0]
        written = [(e.tag, e.text) for e in offer]
        expected = [("name", clean[1]), ("param", clean[2]), ("picture", clean[3])]
        assert written == [pair for pair in expected if pair[1] is not None]
    assert report.replaced_chars == removed


MEMORY_HEADER = ("@id", "@available", "name", "price", "picture")


def _peak_memory(rows, parts, batch=500):
    """tracemalloc's peak while a YML file of ``rows`` rows is written in
    ``parts`` row parts of batches, fragments and file in temporary files."""
    options = FeedOptions(
        file_type="xml", xml_dialect="yml", xml_shop=SHOP, xml_headers=MEMORY_HEADER
    )
    per_part = rows // parts
    with contextlib.ExitStack() as files:
        fragments = [
            files.enter_context(tempfile.TemporaryFile()) for _ in range(parts + 1)
        ]
        out = files.enter_context(tempfile.TemporaryFile())
        gzipped = files.enter_context(tempfile.TemporaryFile())
        tracemalloc.start()
        try:
            writer = PartWriter(fragments[0], options)
            writer.write_header(list(MEMORY_HEADER))
            state = writer.close()
            for index, fragment in enumerate(fragments[1:]):
                writer = PartWriter(fragment, options, state)
                for start in range(index * per_part, (index + 1) * per_part, batch):
                    writer.write_rows(
                        [
                            (
                                f"SKU-{n}",
                                True,
                                f"Товар № {n}",
                                n,
                                (f"https://a.ua/{n}",) * 2,
                            )
                            for n in range(start, start + batch)
                        ]
                    )
                state = writer.close()

            def read():
                for fragment in fragments:
                    fragment.seek(0)
                    yield fragment.read()

            report = assemble(options, list(MEMORY_HEADER), state, read(), out, gzipped)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        out.seek(0)
        offers = 0
        for _event, offer in etree.iterparse(out, tag="offer"):
            offers += 1
            offer.clear()
    assert report.rows == offers == rows
    return peak


def test_memory_stays_flat():
    """The peak depends on the batch and the part, not on the document:
    10,000 rows in one part and 100,000 in ten parts peak alike."""
    small = _peak_memory(10_000, 1)
    large = _peak_memory(100_000, 10)
    assert large < 20 * 1024 * 1024
    assert large < small * 1.5 + 1024 * 1024, (small, large)


def test_url_quote():
    assert url_quote("https://a.ua/shop/Футболка синя?colour=синій&size=XL#top") == (
        "https://a.ua/shop/%D0%A4%D1%83%D1%82%D0%B1%D0%BE%D0%BB%D0%BA%D0%B0"
        "%20%D1%81%D0%B8%D0%BD%D1%8F?colour=%D1%81%D0%B8%D0%BD%D1%96%D0%B9"
        "&size=XL#top"
    )
    reserved = "https://u:p@a.ua:8080/a/b;c=d,e?x=[1]&y=$!*'()+#f"
    assert url_quote(reserved) == reserved
    # already encoded links stay as they are
    assert url_quote("https://a.ua/a%20b%2C") == "https://a.ua/a%20b%2C"
    assert url_quote('https://a.ua/"<>{}|\\^`\t') == (
        "https://a.ua/%22%3C%3E%7B%7D%7C%5C%5E%60%09"
    )
    assert url_quote("https://a.ua/-._~") == "https://a.ua/-._~"
