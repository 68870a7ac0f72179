# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import MarketplaceFeedCase

ODD_NAMES = [
    'Chair; "Office", 50/50',
    "Line one\r\nline two\nthree",
    "Tab\there",
    '=HYPERLINK("http://x")',
    "+380 phone",
    "-50% sale",
    "@mention",
    "Чохол 📱 для телефону",
]


@tagged("post_install", "-at_install")
class TestFeedOddData(MarketplaceFeedCase):
    """Odd product data gives a correct file or a clear report line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.odd_products = cls.env["product.product"].create(
            [
                {"name": name, "default_code": f"ODD-{index}", "is_storable": True}
                for index, name in enumerate(ODD_NAMES)
            ]
        )
        cls.feed.include_zero_stock = True

    def _names_by_code(self, rows):
        return {row[0]: row[1] for row in rows[1:] if row[0].startswith("ODD-")}

    def _expected(self, transform=lambda name: name):
        return {f"ODD-{index}": transform(name) for index, name in enumerate(ODD_NAMES)}

    def test_csv_every_delimiter_reads_back(self):
        for key, delimiter in (
            ("comma", ","),
            ("semicolon", ";"),
            ("pipe", "|"),
            ("tab", "\t"),
        ):
            with self.subTest(delimiter=key):
                self.feed.csv_delimiter = key
                content, _stats = self._generate(self.feed)
                rows = self._read_csv(content, delimiter=delimiter)
                self.assertEqual(self._names_by_code(rows), self._expected())

    def test_windows_1251_replaces_and_reports(self):
        self.feed.csv_encoding = "cp1251"
        content, stats = self._generate(self.feed)
        rows = self._read_csv(content, encoding="cp1251")
        self.assertEqual(self._names_by_code(rows)["ODD-7"], "Чохол ? для телефону")
        self.assertIn(
            "1 characters the file cannot hold were replaced.", stats["report"]
        )

    def test_xlsx_keeps_text_as_text(self):
        self.feed.file_type = "xlsx"
        rows = self._read_xlsx(self._generate(self.feed)[0])
        names = {row[0]: row[1] for row in rows[1:] if str(row[0]).startswith("ODD-")}
        self.assertEqual(names["ODD-3"], '=HYPERLINK("http://x")', "never a formula")
        self.assertEqual(names["ODD-4"], "+380 phone")
        self.assertEqual(names["ODD-7"], "Чохол 📱 для телефону")

    def test_xls_reads_back(self):
        self.feed.file_type = "xls"
        rows = self._read_xls(self._generate(self.feed)[0])
        names = {row[0]: row[1] for row in rows[1:] if str(row[0]).startswith("ODD-")}
        self.assertEqual(names["ODD-3"], '=HYPERLINK("http://x")')
        self.assertEqual(names["ODD-1"], "Line one\r\nline two\nthree")

    def test_long_text_cut_to_excel_limit_and_reported(self):
        self.odd_products[0].description_sale = "x" * 40_000
        self.feed.write(
            {
                "file_type": "xlsx",
                "column_ids": [
                    (5, 0, 0),
                    self._column("Code", field_path="default_code"),
                    self._column("Description", field_path="description_sale"),
                ],
            }
        )
        content, stats = self._generate(self.feed)
        rows = self._read_xlsx(content)
        cell = next(row[1] for row in rows[1:] if row[0] == "ODD-0")
        self.assertEqual(len(cell), 32_767)
        self.assertIn(
            "1 cells longer than 32,767 characters were cut.", stats["report"]
        )

    def test_products_without_barcode_image_or_stock(self):
        self.feed.column_ids = [
            self._column("Barcode", field_path="barcode"),
            self._column("Images", "images"),
            self._column("Cost", "price", price_source="standard_price"),
        ]
        rows = self._read_csv(self._generate(self.feed)[0])
        row = next(row for row in rows[1:] if row[0] == "ODD-5")
        self.assertEqual(row[3:], ["", "", "0.00"])
