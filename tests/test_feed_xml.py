# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""XML feeds (YML, Hotline, Google Merchant RSS): settings, columns, the
generated documents read back with lxml, product page links, templates and
the link."""

import base64
import gzip
import io
import re
from contextlib import contextmanager
from urllib.parse import urlsplit

from lxml import etree
from PIL import Image

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from ..writers import FeedOptions, XmlShop
from ..writers.xml_writer import GOOGLE_NS
from .common import MarketplaceFeedCase

G = f"{{{GOOGLE_NS}}}"
CODES = [("default_code", "=like", "FEED-%")]


def _png(color):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


def _parse(content):
    """The document, parsed as a marketplace would: no entities, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(content, parser)


class MarketplaceFeedXmlCase(MarketplaceFeedCase):
    """The shared fixtures with images on the chair, a barcode, a category
    tree three levels deep (Feed Office holds no product itself, only the
    chair's and the desk's categories), and an XML feed of the FEED-*
    products (zero stock included) in both warehouses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        category_model = cls.env["product.category"]
        cls.chairs = category_model.create(
            {"name": "Feed Chairs", "parent_id": cls.category.id}
        )
        cls.subcategory = category_model.create(
            {"name": "Feed Desks", "parent_id": cls.category.id}
        )
        cls.product_a.categ_id = cls.chairs
        cls.product_b.categ_id = cls.subcategory
        cls.product_a.product_tmpl_id.image_1920 = _png("blue")
        cls.product_a.image_variant_1920 = _png("green")
        cls.product_a.description_sale = "A chair & a <cushion>"
        cls.product_b.description_sale = "A desk"
        cls.xml_feed = cls.env["marketplace.feed"].create(
            {
                "name": "XML Store",
                "warehouse_ids": [(6, 0, (cls.warehouse_a | cls.warehouse_b).ids)],
                "user_id": cls.manager.id,
                "file_type": "xml",
                "xml_dialect": "yml",
                "file_name": "offers",
                "include_zero_stock": True,
                "product_domain": repr(CODES),
            }
        )
        cls.currency = cls.company.currency_id.name

    @classmethod
    def _set_columns(cls, feed, dialect, columns):
        feed.write({"xml_dialect": dialect, "column_ids": [(5, 0, 0), *columns]})

    def _document(self, feed=None):
        content, stats = self._generate(feed or self.xml_feed)
        return _parse(content), stats

    def _assert_category_tree(self, categories):
        """(id, parent id, name) of the file's categories: those of its
        products and their parents, each once, parents first."""
        everything = self.category.parent_id
        office = str(self.category.id)
        self.assertCountEqual(
            categories,
            [
                (str(everything.id), None, everything.name),
                (office, str(everything.id), "Feed Office"),
                (str(self.chairs.id), office, "Feed Chairs"),
                (str(self.subcategory.id), office, "Feed Desks"),
            ],
        )
        position = {category[0]: index for index, category in enumerate(categories)}
        for category_id, parent_id, _name in categories:
            if parent_id:
                self.assertLess(position[parent_id], position[category_id])

    def _assert_image_links(self, links, product, count):
        """``count`` distinct image links of ``product`` (their signature is
        the image route's business, tested there)."""
        prefix = f"{self.xml_feed._get_image_url_prefix()}/{product.id}/"
        self.assertEqual(len(set(links)), count)
        for link in links:
            self.assertTrue(link.startswith(prefix), link)

    @contextmanager
    def _assert_invalid(self, pattern):
        """A ValidationError whose message matches ``pattern``; what the
        block changed is rolled back."""
        with self.assertRaisesRegex(ValidationError, pattern):
            with self.env.cr.savepoint():
                yield


@tagged("post_install", "-at_install")
class TestFeedXmlDocuments(MarketplaceFeedXmlCase):
    """Each dialect's document, element by element against the products."""

    def test_yml_offers_against_products(self):
        self._set_columns(
            self.xml_feed,
            "yml",
            [
                self._column("@id", field_path="id"),
                self._column(
                    "@available",
                    "stock_status",
                    in_stock_text="true",
                    out_of_stock_text="false",
                ),
                self._column("name", field_path="name"),
                self._column("price", "price", price_source="list_price"),
                self._column("currencyId", field_path="currency_id.name"),
                self._column("categoryId", field_path="categ_id.id"),
                self._column("picture", "images"),
                self._column("stock_quantity", "quantity"),
                self._column("param:Штрихкод", field_path="barcode"),
                self._column("description", field_path="description_sale"),
                self._column("main_picture", "image"),
            ],
        )
        root, stats = self._document()

        self.assertEqual(root.tag, "yml_catalog")
        self.assertRegex(root.get("date"), r"^\d{4}-\d\d-\d\d \d\d:\d\d$")
        shop = root.find("shop")
        self.assertEqual(
            [child.tag for child in shop],
            ["name", "company", "url", "currencies", "categories", "offers"],
        )
        self.assertEqual(shop.findtext("name"), self.company.name)
        self.assertEqual(shop.findtext("url"), self.xml_feed.get_base_url())
        self.assertEqual(
            [(c.get("id"), c.get("rate")) for c in shop.find("currencies")],
            [(self.currency, "1")],
        )
        self._assert_category_tree(
            [(c.get("id"), c.get("parentId"), c.text) for c in shop.find("categories")]
        )
        offers = {offer.get("id"): offer for offer in shop.find("offers")}
        products = self.product_a | self.product_b | self.product_zero
        self.assertEqual(set(offers), {str(product.id) for product in products})
        self.assertEqual(stats["rows"], 3)
        chair = offers[str(self.product_a.id)]
        self.assertEqual(chair.get("available"), "true")
        pictures = [picture.text for picture in chair.findall("picture")]
        self._assert_image_links(pictures, self.product_a, 2)
        self.assertEqual(
            [(child.tag, child.text) for child in chair],
            [
                ("name", "Feed Chair"),
                ("price", "10.50"),
                ("currencyId", self.currency),
                ("categoryId", str(self.chairs.id)),
                ("picture", pictures[0]),
                ("picture", pictures[1]),
                ("stock_quantity", "12"),
                ("param", "4820000000011"),
                ("description", "A chair & a <cushion>"),
                ("main_picture", pictures[0]),
            ],
        )
        self.assertEqual(chair.find("param").get("name"), "Штрихкод")
        desk = offers[str(self.product_b.id)]
        self.assertEqual(desk.findtext("categoryId"), str(self.subcategory.id))
        self.assertEqual(desk.findtext("price"), "99.99")
        # Empty values write no element.
        self.assertIsNone(desk.find("picture"))
        self.assertIsNone(desk.find("param"))
        lamp = offers[str(self.product_zero.id)]
        self.assertEqual(lamp.get("available"), "false")
        self.assertEqual(lamp.findtext("stock_quantity"), "0")
        self.assertEqual(lamp.findtext("categoryId"), str(self.category.parent_id.id))

    def test_yml_currencies_of_the_price_columns(self):
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search(
                [
                    ("name", "in", ("EUR", "USD")),
                    ("id", "!=", self.company.currency_id.id),
                ],
                limit=1,
            )
        )
        other.write(
            {
                "active": True,
                "rate_ids": [
                    (5, 0, 0),
                    # Dated in the past: a rate of "today" in the test user's
                    # time zone can be tomorrow in UTC, when the file is dated.
                    (
                        0,
                        0,
                        {
                            "company_id": self.company.id,
                            "rate": 0.025,
                            "name": "2020-01-01",
                        },
                    ),
                ],
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Feed Foreign", "currency_id": other.id}
        )
        self._set_columns(
            self.xml_feed,
            "yml",
            [
                self._column("@id", field_path="id"),
                self._column("price", "price", price_source="list_price"),
                self._column(
                    "price_foreign",
                    "price",
                    price_source="pricelist",
                    pricelist_id=pricelist.id,
                ),
            ],
        )
        root, _stats = self._document()
        self.assertEqual(
            [(c.get("id"), c.get("rate")) for c in root.find("shop/currencies")],
            [(self.currency, "1"), (other.name, "40")],
        )

    def test_yml_without_price_column_lists_the_company_currency(self):
        self._set_columns(self.xml_feed, "yml", [self._column("@id", field_path="id")])
        root, _stats = self._document()
        self.assertEqual(
            [(c.get("id"), c.get("rate")) for c in root.find("shop/currencies")],
            [(self.currency, "1")],
        )

    def test_hotline_document(self):
        self._set_columns(
            self.xml_feed,
            "hotline",
            [
                self._column("id", field_path="id"),
                self._column("categoryId", field_path="categ_id.id"),
                self._column("name", field_path="name"),
                self._column("priceRUAH", "price", price_source="list_price"),
                self._column(
                    "stock",
                    "stock_status",
                    in_stock_text="В наличии",
                    out_of_stock_text="Нет",
                ),
            ],
        )
        root, _stats = self._document()

        self.assertEqual(root.tag, "price")
        # Hotline's rate is the dollar's: written when the prices' currencies
        # list USD (here when it is the company's).
        rate = ["rate"] if self.currency == "USD" else []
        self.assertEqual(
            [child.tag for child in root],
            ["date", "firmName", *rate, "categories", "items"],
        )
        self.assertEqual(root.findtext("firmName"), self.company.name)
        self._assert_category_tree(
            [
                (c.findtext("id"), c.findtext("parentId"), c.findtext("name"))
                for c in root.find("categories")
            ]
        )
        items = {item.findtext("id"): item for item in root.find("items")}
        self.assertEqual(
            [(child.tag, child.text) for child in items[str(self.product_b.id)]],
            [
                ("id", str(self.product_b.id)),
                ("categoryId", str(self.subcategory.id)),
                ("name", "Feed Desk"),
                ("priceRUAH", "99.99"),
                ("stock", "В наличии"),
            ],
        )
        self.assertEqual(items[str(self.product_zero.id)].findtext("stock"), "Нет")

    def test_google_rss_document(self):
        self._set_columns(
            self.xml_feed,
            "google_rss",
            [
                self._column("g:id", field_path="default_code"),
                self._column("g:title", field_path="name"),
                self._column("g:image_link", "image"),
                self._column("g:additional_image_link", "images", skip_main_image=True),
                self._column(
                    "g:availability",
                    "stock_status",
                    in_stock_text="in_stock",
                    out_of_stock_text="out_of_stock",
                ),
                self._column(
                    "g:price",
                    "price",
                    price_source="list_price",
                    price_with_currency=True,
                ),
            ],
        )
        # Written with a dot whatever the feed's CSV setting.
        self.xml_feed.decimal_comma = True
        root, _stats = self._document()

        self.assertEqual((root.tag, root.get("version")), ("rss", "2.0"))
        self.assertEqual(root.nsmap, {"g": GOOGLE_NS})
        channel = root.find("channel")
        self.assertEqual(channel.findtext("title"), self.company.name)
        self.assertEqual(channel.findtext("link"), self.xml_feed.get_base_url())
        self.assertEqual(channel.findtext("description"), "XML Store")
        items = {item.findtext(f"{G}id"): item for item in channel.iter("item")}
        self.assertEqual(set(items), {"FEED-A", "FEED-B", "FEED-Z"})
        links = [
            items["FEED-A"].findtext(f"{G}image_link"),
            items["FEED-A"].findtext(f"{G}additional_image_link"),
        ]
        self._assert_image_links(links, self.product_a, 2)
        self.assertEqual(
            [(child.tag, child.text) for child in items["FEED-A"]],
            [
                (f"{G}id", "FEED-A"),
                (f"{G}title", "Feed Chair"),
                (f"{G}image_link", links[0]),
                (f"{G}additional_image_link", links[1]),
                (f"{G}availability", "in_stock"),
                (f"{G}price", f"10.50 {self.currency}"),
            ],
        )
        self.assertEqual(items["FEED-Z"].findtext(f"{G}availability"), "out_of_stock")
        self.assertIsNone(items["FEED-B"].find(f"{G}additional_image_link"))

    def test_forbidden_characters_dropped_and_counted(self):
        self.product_b.name = "Feed\x01 Desk\x1f"
        self.product_b.description_sale = "Tab\tand\nline\x0b"
        self._set_columns(
            self.xml_feed,
            "yml",
            [
                self._column("@id", field_path="default_code"),
                self._column("name", field_path="name"),
                self._column("description", field_path="description_sale"),
            ],
        )
        content, stats = self._generate(self.xml_feed)
        root = _parse(content)
        desk = root.find("shop/offers/offer[@id='FEED-B']")
        self.assertEqual(desk.findtext("name"), "Feed Desk")
        self.assertEqual(desk.findtext("description"), "Tab\tand\nline")
        report = "\n".join(stats["report"])
        self.assertIn("3 characters", report)
        self.assertIn("left out", report)

    def test_required_list_column_without_values_is_missing(self):
        self._set_columns(
            self.xml_feed,
            "yml",
            [
                self._column("@id", field_path="default_code"),
                self._column("picture", "images", required_by_store=True),
            ],
        )
        _root, stats = self._document()
        self.assertEqual(stats["missing"], 2)
        self.assertEqual(
            sorted(stats["missing_names"]), ["[FEED-B] Feed Desk", "[FEED-Z] Feed Lamp"]
        )

    def test_preview_joins_the_values_of_a_list(self):
        self._set_columns(
            self.xml_feed,
            "yml",
            [
                self._column("@id", field_path="default_code"),
                self._column("picture", "images"),
            ],
        )
        headers, rows = self.xml_feed._get_preview_rows()
        self.assertEqual(headers, ["@id", "picture"])
        cells = {
            row[0]: [self.xml_feed._get_preview_text(value) for value in row]
            for row in rows
        }
        pictures = cells["FEED-A"][1].split(", ")
        self._assert_image_links(pictures, self.product_a, 2)
        self.assertEqual(cells["FEED-B"], ["FEED-B", ""])


@tagged("post_install", "-at_install")
class TestFeedXmlSettings(MarketplaceFeedXmlCase):
    """Headers are XML names in XML files; the job's options and file."""

    def test_headers_are_checked_when_saved(self):
        self._set_columns(self.xml_feed, "yml", [self._column("@id", field_path="id")])
        cases = [
            ("yml", "Назва позиції", "not an element or attribute name"),
            ("yml", "xmlthing", "not an element or attribute name"),
            ("yml", "@2d", "not an element or attribute name"),
            ("yml", "g:title", "unknown prefix"),
            ("google_rss", "param:Колір", "unknown prefix"),
            ("yml", "param: ", "characteristic's name"),
            ("yml", "@id", "already sets this attribute"),
        ]
        for dialect, header, problem in cases:
            with self.subTest(header=header, dialect=dialect):
                self.xml_feed.xml_dialect = dialect
                with self._assert_invalid(f"{re.escape(repr(header))}.*{problem}"):
                    self.xml_feed.column_ids = [self._column(header, field_path="name")]
        # Also a column written on its own, not through its feed.
        self.xml_feed.xml_dialect = "yml"
        column = self.xml_feed.column_ids
        with self._assert_invalid("not an element"):
            column.header = "1st"
        for dialect, header in (("yml", "param:Колір"), ("google_rss", "g:title")):
            self.xml_feed.write(
                {
                    "xml_dialect": dialect,
                    "column_ids": [(1, column.id, {"header": header})],
                }
            )
            self.assertEqual(column.header, header)

    def test_switching_to_xml_checks_the_headers(self):
        # Any header goes in a CSV file.
        self.feed.column_ids[1].header = "Назва позиції"
        with self._assert_invalid("'Назва позиції'"):
            self.feed.file_type = "xml"
        self.feed.column_ids[1].header = "name"
        self.feed.write({"file_type": "xml", "xml_dialect": "google_rss"})
        self.assertEqual(self.feed.full_file_name, "products.xml")

    def test_template_columns_are_checked(self):
        template = self.env["marketplace.feed.template"].create(
            {"name": "Feed XML", "file_type": "xml", "xml_dialect": "yml"}
        )
        with self._assert_invalid("unknown prefix"):
            template.column_ids = [self._column("g:id", field_path="id")]
        with self._assert_invalid("already sets this attribute"):
            template.column_ids = [
                self._column("@id", field_path="id"),
                self._column("@id", field_path="default_code"),
            ]

    def test_xml_template_replaces_csv_columns(self):
        """The old columns' headers are not XML names: they go, unchecked."""
        self.feed.column_ids[1].header = "Назва позиції"
        self.feed.enabled = True
        self.feed.template_id = self.env.ref(
            "stock_marketplace_feed.marketplace_feed_template_google_rss"
        )
        self.feed.action_apply_template()
        self.assertEqual(
            (self.feed.file_type, self.feed.xml_dialect), ("xml", "google_rss")
        )
        self.assertEqual(self.feed.column_ids[0].header, "g:id")
        self.assertNotIn("Назва позиції", self.feed.column_ids.mapped("header"))

    def test_category_id_is_a_field_path(self):
        self.feed.column_ids = [self._column("Category", field_path="categ_id.id")]
        rows = self._rows_by_code(self._read_csv(self._generate(self.feed)[0]))
        self.assertEqual(rows["FEED-A"][3], str(self.chairs.id))

    def test_job_keeps_the_options_and_serves_xml(self):
        self._set_columns(
            self.xml_feed,
            "google_rss",
            [
                self._column("g:id", field_path="default_code"),
                self._column("g:title", field_path="name"),
            ],
        )
        file = self._run_generation(self.xml_feed)
        self.assertEqual(file.state, "done")
        self.assertEqual(file.content_type, "application/rss+xml; charset=utf-8")
        self.assertEqual(file.file_name, "offers.xml")
        options = FeedOptions(**file.writer_options)
        self.assertIsInstance(options.xml_shop, XmlShop)
        self.assertEqual(options.xml_headers, ("g:id", "g:title"))
        self.assertEqual(options.xml_dialect, "google_rss")
        self.assertIn(
            (self.category.id, self.category.parent_id.id, "Feed Office"),
            options.xml_shop.categories,
        )
        self.assertEqual(options.xml_shop.currencies, ((self.currency, 1),))
        # A gzip copy, as for CSV files.
        self.assertEqual(
            gzip.decompress(file.gzip_attachment_id.raw), file.attachment_id.raw
        )
        self.assertEqual(file.attachment_id.mimetype, "application/rss+xml")
        self._set_columns(self.xml_feed, "yml", [self._column("@id", field_path="id")])
        file = self._run_generation(self.xml_feed)
        self.assertEqual(file.content_type, "application/xml; charset=utf-8")


@tagged("post_install", "-at_install")
class TestFeedProductPage(MarketplaceFeedXmlCase):
    """The "Product page" column: a pattern, or the website's page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website_sale = "website_url" in cls.env["product.product"]._fields
        cls.xml_feed.file_type = "csv"

    def _links(self, products, **values):
        self.xml_feed.column_ids = [
            (5, 0, 0),
            self._column("Code", field_path="default_code"),
            self._column("Link", "product_page", **values),
        ]
        column = self.xml_feed.column_ids[1]
        feed = self.xml_feed._get_generation_env_feed()
        context = {"feed": feed, "image_url_prefix": "", "reached": {}}
        products = products.with_env(feed.env)
        self.env.flush_all()
        self.env.invalidate_all()
        count = self.env.cr.sql_log_count
        links = column.with_env(feed.env)._get_values(products, context)
        return links, self.env.cr.sql_log_count - count

    def test_pattern_is_filled_and_encoded(self):
        sofa = self.env["product.product"].create(
            {
                "name": "Feed Sofa",
                "default_code": "FEED Диван/1",
                "barcode": "4820000000028",
                "is_storable": True,
            }
        )
        pattern = "https://shop.example.com/товар/{default_code}?b={barcode}&t={template_id}#v{id}"
        products = self.product_a | self.product_b | sofa
        links, _queries = self._links(products, url_pattern=pattern)
        self.assertEqual(
            links,
            [
                "https://shop.example.com/%D1%82%D0%BE%D0%B2%D0%B0%D1%80/FEED-A"
                f"?b=4820000000011&t={self.product_a.product_tmpl_id.id}"
                f"#v{self.product_a.id}",
                None,  # the desk has no barcode
                "https://shop.example.com/%D1%82%D0%BE%D0%B2%D0%B0%D1%80/"
                "FEED%20%D0%94%D0%B8%D0%B2%D0%B0%D0%BD%2F1"
                f"?b=4820000000028&t={sofa.product_tmpl_id.id}#v{sofa.id}",
            ],
        )

    def test_pattern_reads_no_more_for_more_products(self):
        pattern = "https://shop.example.com/p/{default_code}-{id}"
        self._links(self.product_a, url_pattern=pattern)  # caches warmed up
        _links, few = self._links(self.product_a, url_pattern=pattern)
        _links, many = self._links(
            self.product_a | self.product_b | self.product_zero, url_pattern=pattern
        )
        self.assertEqual(many, few)

    def test_pattern_is_checked(self):
        for pattern in (
            "shop.example.com/{default_code}",
            "https://shop.example.com/{name}",
            "https://shop.example.com/{}",
            "https://shop.example.com/{id.__class__}",
        ):
            with self.subTest(pattern):
                with self._assert_invalid("pattern"):
                    self.feed.column_ids = [
                        self._column("Link", "product_page", url_pattern=pattern)
                    ]

    def test_without_pattern_nor_website_sale_no_link(self):
        if self.website_sale:
            self.skipTest("website_sale is installed: the website's page is linked")
        links, _queries = self._links(self.product_a | self.product_b)
        self.assertEqual(links, [None, None])

    def test_website_page_of_the_variant(self):
        if not self.website_sale:
            self.skipTest("website_sale is not installed")
        website = self.env.company.website_id
        website.domain = "https://shop.example.com"
        other = self.env["website"].create(
            {"name": "Feed Other Site", "domain": "https://other.example.com"}
        )
        colour = self.env["product.attribute"].create(
            {
                "name": "Feed Colour",
                "value_ids": [(0, 0, {"name": "Red"}), (0, 0, {"name": "Blue"})],
            }
        )
        shirt = self.env["product.template"].create(
            {
                "name": "Feed Shirt",
                "is_storable": True,
                "attribute_line_ids": [
                    (
                        0,
                        0,
                        {
                            "attribute_id": colour.id,
                            "value_ids": [(6, 0, colour.value_ids.ids)],
                        },
                    )
                ],
            }
        )
        self.product_b.website_id = other
        red, blue = shirt.product_variant_ids
        products = red | blue | self.product_b
        links, _queries = self._links(products)
        slug = self.env["ir.http"]._slug
        values = [
            variant.product_template_attribute_value_ids.product_attribute_value_id
            for variant in (red, blue)
        ]
        self.assertEqual(
            links,
            [
                f"https://shop.example.com/shop/{slug(shirt)}"
                f"#attribute_values={values[0].id}",
                f"https://shop.example.com/shop/{slug(shirt)}"
                f"#attribute_values={values[1].id}",
                f"https://other.example.com/shop/{slug(self.product_b.product_tmpl_id)}",
            ],
        )
        # Read for the whole batch: not one query more per product.
        _links, many = self._links(products)  # caches warmed up
        _links, few = self._links(red | self.product_b)
        self.assertEqual(many, few)


@tagged("post_install", "-at_install")
class TestFeedXmlTemplates(MarketplaceFeedXmlCase):
    """The XML templates' files pass their platform's rules (formats file)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_b.product_tmpl_id.image_1920 = _png("red")
        cls.product_zero.product_tmpl_id.image_1920 = _png("white")
        cls.product_zero.description_sale = "A lamp"
        cls.product_zero.barcode = "4820000000035"

    def _apply(self, xmlid, **column_values):
        """Apply the template to the XML feed; ``column_values`` by header
        (the brand, the page pattern) fill what the shop must choose."""
        self.xml_feed.template_id = self.env.ref(f"stock_marketplace_feed.{xmlid}")
        self.xml_feed.action_apply_template()
        self.xml_feed.product_domain = repr(CODES)
        for header, values in column_values.items():
            self.xml_feed.column_ids.filtered(lambda c, h=header: c.header == h).write(
                values
            )
        root, stats = self._document()
        self.assertEqual(stats["missing"], 0, stats["report"])
        return root

    def _check_yml(self, root, vendor_required):
        self.assertRegex(root.get("date"), r"^\d{4}-\d\d-\d\d \d\d:\d\d$")
        shop = root.find("shop")
        for tag in ("name", "company", "url"):
            self.assertTrue(0 < len(shop.findtext(tag)) <= 255, tag)
        currencies = {c.get("id"): c.get("rate") for c in shop.find("currencies")}
        self.assertIn("1", currencies.values())
        categories = {c.get("id"): c.get("parentId") for c in shop.find("categories")}
        for parent in categories.values():
            self.assertIn(parent, {None, *categories})
        offers = shop.find("offers")
        ids = [offer.get("id") for offer in offers]
        self.assertEqual(len(ids), 3)
        self.assertEqual(len(set(ids)), 3)
        for offer in offers:
            self.assertTrue(0 < len(offer.get("id")) <= 100)
            self.assertIn(offer.get("available"), ("true", "false"))
            self.assertRegex(offer.findtext("price"), r"^\d+(\.\d+)?$")
            self.assertIn(offer.findtext("currencyId"), currencies)
            self.assertIn(offer.findtext("categoryId"), categories)
            self.assertTrue(0 < len(offer.findtext("name")) <= 500)
            self.assertTrue(offer.findall("picture"))
            self.assertRegex(offer.findtext("url"), r"^https?://[^ ]+$")
            if vendor_required:
                self.assertTrue(0 < len(offer.findtext("vendor")) <= 100)
        return {offer.get("id"): offer for offer in offers}

    def test_rozetka(self):
        root = self._apply(
            "marketplace_feed_template_rozetka",
            vendor={"constant_value": "Feed Brand"},
            url={"url_pattern": "https://shop.example.com/p/{id}"},
        )
        offers = self._check_yml(root, vendor_required=True)
        chair = offers[str(self.product_a.id)]
        self.assertEqual(len(chair.findall("picture")), 2)
        self.assertEqual(chair.findtext("stock_quantity"), "12")
        self.assertEqual(offers[str(self.product_zero.id)].get("available"), "false")

    def test_prom_yml(self):
        root = self._apply(
            "marketplace_feed_template_prom_yml",
            url={"url_pattern": "https://shop.example.com/p/{id}"},
        )
        offers = self._check_yml(root, vendor_required=False)
        self.assertEqual(offers[str(self.product_b.id)].findtext("quantity"), "3")

    def test_hotline(self):
        root = self._apply(
            "marketplace_feed_template_hotline",
            vendor={"constant_value": "Feed Brand"},
            url={"url_pattern": "https://shop.example.com/p/{id}"},
        )
        self.assertEqual(root.tag, "price")
        self.assertTrue(root.findtext("date"))
        self.assertTrue(root.findtext("firmName"))
        categories = {c.findtext("id"): c for c in root.find("categories")}
        for category in categories.values():
            self.assertTrue(category.findtext("name"))
            self.assertIn(category.findtext("parentId"), {None, *categories})
        items = {item.findtext("id"): item for item in root.find("items")}
        self.assertEqual(len(items), 3)
        for item in items.values():
            self.assertIn(item.findtext("categoryId"), categories)
            self.assertTrue(item.findtext("name"))
            self.assertTrue(item.findtext("vendor"))
            self.assertRegex(item.findtext("priceRUAH"), r"^\d+(\.\d+)?$")
        self.assertEqual(items[str(self.product_zero.id)].findtext("stock"), "Нет")
        self.assertNotEqual(items[str(self.product_a.id)].findtext("stock"), "Нет")

    def test_google_merchant_rss(self):
        root = self._apply(
            "marketplace_feed_template_google_rss",
            **{"g:link": {"url_pattern": "https://shop.example.com/p/{default_code}"}},
        )
        self.assertEqual((root.tag, root.get("version")), ("rss", "2.0"))
        self.assertEqual(root.nsmap["g"], "http://base.google.com/ns/1.0")
        channel = root.find("channel")
        for tag in ("title", "link", "description"):
            self.assertTrue(channel.findtext(tag), tag)
        items = {item.findtext(f"{G}id"): item for item in channel.iter("item")}
        self.assertEqual(set(items), {"FEED-A", "FEED-B", "FEED-Z"})
        for item in items.values():
            for tag in ("title", "description", "link", "image_link", "condition"):
                self.assertTrue(item.findtext(f"{G}{tag}"), tag)
            self.assertIn(
                item.findtext(f"{G}availability"),
                ("in_stock", "out_of_stock", "preorder", "backorder"),
            )
            self.assertRegex(item.findtext(f"{G}price"), r"^\d+\.\d\d [A-Z]{3}$")
            self.assertLessEqual(len(item.findall(f"{G}additional_image_link")), 10)
        chair = items["FEED-A"]
        self.assertEqual(
            chair.findtext(f"{G}link"), "https://shop.example.com/p/FEED-A"
        )
        self.assertEqual(len(chair.findall(f"{G}additional_image_link")), 1)
        self.assertNotEqual(
            chair.findtext(f"{G}additional_image_link"),
            chair.findtext(f"{G}image_link"),
        )
        self.assertEqual(items["FEED-Z"].findtext(f"{G}availability"), "out_of_stock")


@tagged("post_install", "-at_install")
class TestFeedXmlRoute(MarketplaceFeedCase, HttpCase):
    """The link serves the XML file like a CSV one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed.write(
            {
                "file_type": "xml",
                "xml_dialect": "yml",
                "column_ids": [
                    (5, 0, 0),
                    cls._column("@id", field_path="default_code"),
                    cls._column("name", field_path="name"),
                    cls._column("stock_quantity", "quantity"),
                ],
            }
        )
        cls.feed.enabled = True

    def _fetch(self, path=None, headers=None, stream=False):
        """The link's answer; uncompressed unless ``headers`` accept gzip."""
        return self.opener.get(
            self.base_url() + (path or urlsplit(self.feed.public_url).path),
            headers={"Accept-Encoding": "identity", **(headers or {})},
            stream=stream,
            timeout=30,
        )

    def test_serves_xml_with_its_headers(self):
        file = self._run_generation(self.feed)
        response = self._fetch()

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, file.attachment_id.raw)
        self.assertEqual(
            response.headers["Content-Type"], "application/xml; charset=utf-8"
        )
        self.assertEqual(
            response.headers["Content-Disposition"], "attachment; filename=products.xml"
        )
        self.assertEqual(response.headers["ETag"], f'"{file.attachment_id.checksum}"')
        offer = _parse(response.content).find("shop/offers/offer[@id='FEED-A']")
        self.assertEqual(offer.findtext("stock_quantity"), "5")
        not_modified = self._fetch(headers={"If-None-Match": response.headers["ETag"]})
        self.assertEqual(not_modified.status_code, 304)
        self.assertEqual(not_modified.content, b"")

        with self._fetch(headers={"Accept-Encoding": "gzip"}, stream=True) as zipped:
            body = zipped.raw.read(decode_content=False)
        self.assertEqual(zipped.headers["Content-Encoding"], "gzip")
        self.assertEqual(
            zipped.headers["Content-Type"], "application/xml; charset=utf-8"
        )
        self.assertEqual(body, file.gzip_attachment_id.raw)
        self.assertEqual(gzip.decompress(body), response.content)

        path = urlsplit(self.feed.public_url).path
        token = self.feed.access_token
        for refused in (path.replace(".xml", ".csv"), path.replace(token, token[::-1])):
            with self.subTest(refused):
                answer = self._fetch(refused)
                self.assertEqual(answer.status_code, 404)
                self.assertEqual(answer.content, b"Not Found")

    def test_google_rss_content_type(self):
        columns = self.feed.column_ids
        self.feed.write(
            {
                "xml_dialect": "google_rss",
                "column_ids": [self._column("g:id", field_path="default_code")],
            }
        )
        columns.unlink()
        file = self._run_generation(self.feed)
        response = self._fetch()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, file.attachment_id.raw)
        self.assertEqual(
            response.headers["Content-Type"], "application/rss+xml; charset=utf-8"
        )
        self.assertEqual(_parse(response.content).tag, "rss")
