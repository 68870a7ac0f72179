# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form

from .common import MarketplaceFeedCase
from .engine import sample_files as files

WIZARD = "marketplace.feed.sample.wizard"
FILE_SETTINGS = [
    "file_type",
    "csv_delimiter",
    "csv_encoding",
    "decimal_comma",
    "sheet_name",
    "header_row",
    "file_name",
]
PRICE = ("price", "list_price")


class TestFeedSample(MarketplaceFeedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed = cls.feed.with_user(cls.manager)

    def _wizard(self, data, file_name):
        return (
            self.env[WIZARD]
            .with_user(self.manager)
            .with_context(active_model="marketplace.feed", active_id=self.feed.id)
            .create(
                {"sample_file": base64.b64encode(data), "sample_file_name": file_name}
            )
        )

    def _read(self, data, file_name):
        wizard = self._wizard(data, file_name)
        wizard.action_read()
        return wizard

    @staticmethod
    def _mapping(columns):
        """(header, kind, field path or price source) of lines or columns."""
        return [
            (
                column.header,
                column.kind,
                column.field_path
                or (column.kind in ("price", "currency") and column.price_source)
                or "",
            )
            for column in columns
        ]

    def _feed_state(self):
        """The feed's file settings and columns, to see that nothing changed."""
        columns = self.feed.column_ids
        return (
            self.feed.read(FILE_SETTINGS)[0],
            columns.ids,
            [column._get_definition_values() for column in columns],
        )

    def _assert_refused(self, message, action):
        before = self._feed_state()
        with self.assertRaisesRegex(UserError, message):
            action()
        self.assertEqual(self._feed_state(), before)

    def _confirm(self, wizard):
        previous_columns = self.feed.column_ids
        self.assertEqual(wizard.action_confirm()["type"], "ir.actions.act_window_close")
        self.assertFalse(previous_columns.exists())
        self.assertFalse(wizard.sample_file)  # nothing of the sample is kept
        self.assertEqual(
            self._mapping(self.feed.column_ids), self._mapping(wizard.line_ids)
        )

    def test_prom_xlsx(self):
        wizard = self._read(files.prom_xlsx(), "prom_export.xlsx")
        self.assertEqual(
            (wizard.state, wizard.file_type, wizard.header_row, wizard.file_name),
            ("columns", "xlsx", 1, "prom_export"),
        )
        self.assertEqual(
            wizard.sheet_ids.mapped("name"), ["Export Products Sheet", "Інструкція"]
        )
        self.assertEqual(wizard.sheet_id.name, "Export Products Sheet")
        self.assertEqual(
            self._mapping(wizard.line_ids),
            [
                ("Код_товару", "field", "default_code"),
                ("Назва_позиції", "field", "name"),
                ("Назва_позиції_укр", "field", "name"),
                ("Пошукові_запити", "constant", ""),
                ("Опис", "field", "description_sale"),
                ("Ціна", *PRICE),
                ("Валюта", "currency", "list_price"),
                ("Одиниця_виміру", "field", "uom_id.name"),
                ("Наявність", "stock_status", ""),
                ("Кількість", "quantity", ""),
                ("Посилання_зображення", "images", ""),
                ("Назва_групи", "field", "categ_id.name"),
                ("Виробник", "constant", ""),  # no brand field here
            ]
            + [(header, "constant", "") for header in files.PROM_HEADERS[13:]],
        )
        self.assertEqual(set(wizard.line_ids.mapped("confidence")), {"high"})
        flagged = wizard.line_ids.filtered("note")
        self.assertEqual(
            flagged.mapped("header"),
            ["Пошукові_запити", "Виробник"] + files.PROM_HEADERS[13:],
        )
        status = wizard.line_ids[8]
        self.assertEqual((status.in_stock_text, status.out_of_stock_text), ("+", "-"))

        self._confirm(wizard)
        feed = self.feed
        self.assertEqual(
            feed.read(FILE_SETTINGS)[0],
            {
                "id": feed.id,
                "file_type": "xlsx",
                "csv_delimiter": "comma",
                "csv_encoding": "utf-8",
                "decimal_comma": False,
                "sheet_name": "Export Products Sheet",
                "header_row": 1,
                "file_name": "prom_export",
            },
        )
        self.assertEqual(feed.column_ids.mapped("header"), files.PROM_HEADERS)
        self.assertEqual(feed.column_ids[8].in_stock_text, "+")
        # The sample's own values are copied nowhere.
        self.assertEqual(set(feed.column_ids.mapped("constant_value")), {False})
        self.assertIn("prom_export.xlsx", feed.message_ids[0].body)

    def test_cp1251_csv_with_semicolons(self):
        data = files.russian_cp1251_csv()
        wizard = self._read(data, "товари.csv")
        self.assertEqual(
            wizard.read(
                ["file_type", "csv_delimiter", "csv_encoding", "decimal_comma"]
                + ["header_row", "file_name", "sheet_ids"]
            )[0],
            {
                "id": wizard.id,
                "file_type": "csv",
                "csv_delimiter": "semicolon",
                "csv_encoding": "cp1251",
                "decimal_comma": True,
                "header_row": 1,
                "file_name": "товари",
                "sheet_ids": [],
            },
        )
        self.assertEqual(
            self._mapping(wizard.line_ids),
            [
                ("Артикул", "field", "default_code"),
                ("Название", "field", "name"),
                ("Цена", *PRICE),
                ("Количество", "quantity", ""),
                ("Наличие", "stock_status", ""),
                ("Фото", "image", ""),
            ],
        )
        self.assertFalse(wizard.line_ids.filtered("note"))
        status = wizard.line_ids[4]
        self.assertEqual(
            (status.in_stock_text, status.out_of_stock_text),
            ("в наличии", "нет в наличии"),
        )

        self._confirm(wizard)
        self.assertEqual(
            self.feed.read(FILE_SETTINGS)[0],
            {
                "id": self.feed.id,
                "file_type": "csv",
                "csv_delimiter": "semicolon",
                "csv_encoding": "cp1251",
                "decimal_comma": True,
                "sheet_name": "Products",  # a CSV sample has none: unchanged
                "header_row": 1,
                "file_name": "товари",
            },
        )
        self.assertEqual(self.feed.column_ids[4].out_of_stock_text, "нет в наличии")

    def test_utf8_bom_csv_with_tabs(self):
        data = b"\xef\xbb\xbf" + files.csv_file(
            [
                ["id", "title", "link", "image_link", "availability", "price", "gtin"],
                ["G-1", "Phone", "https://s.example/p/1", "https://s.example/1.jpg"]
                + ["in_stock", "129.99 USD", "4820000000011"],
            ],
            delimiter="\t",
        )
        wizard = self._read(data, "google.tsv")
        self.assertEqual(
            (wizard.file_type, wizard.csv_delimiter, wizard.csv_encoding),
            ("csv", "tab", "utf-8-sig"),
        )
        self.assertFalse(wizard.decimal_comma)
        # The product page's link: website_sale's field when installed.
        has_link = "website_url" in self.env["product.product"]._fields
        self.assertEqual(
            self._mapping(wizard.line_ids),
            [
                ("id", "field", "default_code"),
                ("title", "field", "name"),
                ("link", *(("field", "website_url") if has_link else ("constant", ""))),
                ("image_link", "image", ""),
                ("availability", "stock_status", ""),
                ("price", *PRICE),
                ("gtin", "field", "barcode"),
            ],
        )
        self.assertEqual(bool(wizard.line_ids[2].note), not has_link)
        self.assertEqual(wizard.line_ids[4].in_stock_text, "in_stock")
        self.assertTrue(wizard.line_ids[5].price_with_currency)

        self._confirm(wizard)
        self.assertEqual(
            (self.feed.csv_delimiter, self.feed.csv_encoding, self.feed.file_name),
            ("tab", "utf-8-sig", "google"),
        )
        self.assertTrue(self.feed.column_ids[5].price_with_currency)

    def test_xls_with_headers_on_row_3(self):
        data = files.xls_file(
            {
                "Товари": [
                    ["Прайс-лист"],
                    ["Оновлено:", 45000.0],
                    ["Артикул", "Назва", "Ціна", "Кількість", "Штрих-код"],
                    ["X-1", "Чайник", 12.5, 3, "4820000000028"],
                ],
                "Довідка": [["Прочитайте", "це"]],
            }
        )
        wizard = self._read(data, "price.xls")
        self.assertEqual(
            (wizard.file_type, wizard.sheet_id.name, wizard.header_row),
            ("xls", "Товари", 3),
        )
        expected = [
            ("Артикул", "field", "default_code"),
            ("Назва", "field", "name"),
            ("Ціна", *PRICE),
            ("Кількість", "quantity", ""),
            ("Штрих-код", "field", "barcode"),
        ]
        self.assertEqual(self._mapping(wizard.line_ids), expected)
        # Another sheet: its header row is found again.
        wizard.sheet_id = wizard.sheet_ids[1]
        wizard.action_detect()
        self.assertEqual(wizard.header_row, 1)
        self.assertEqual(wizard.line_ids.mapped("header"), ["Прочитайте", "це"])
        wizard.sheet_id = wizard.sheet_ids[0]
        wizard.action_detect()
        self.assertEqual(wizard.header_row, 3)
        # A header row the user chose: its cells are the headers.
        wizard.header_row = 4
        wizard.action_detect()
        self.assertEqual(
            wizard.line_ids.mapped("header"),
            ["X-1", "Чайник", "12.5", "3", "4820000000028"],
        )
        wizard.header_row = 3
        wizard.action_detect()

        self._confirm(wizard)
        self.assertEqual(self._mapping(self.feed.column_ids), expected)
        self.assertEqual(
            (self.feed.file_type, self.feed.sheet_name, self.feed.header_row),
            ("xls", "Товари", 3),
        )

    def test_shopify_product_csv(self):
        wizard = self._read(files.shopify_csv(), "products_export.csv")
        self.assertEqual(
            (wizard.csv_delimiter, wizard.csv_encoding, wizard.header_row),
            ("comma", "utf-8", 1),
        )
        self.assertEqual(wizard.line_ids.mapped("header"), files.SHOPIFY_HEADERS)
        placed = [
            mapping
            for mapping, line in zip(
                self._mapping(wizard.line_ids), wizard.line_ids, strict=True
            )
            if not line.note
        ]
        self.assertEqual(
            placed,
            [
                ("Handle", "field", "default_code"),
                ("Title", "field", "name"),
                ("Body (HTML)", "field", "description_sale"),
                ("Product Category", "field", "categ_id.name"),
                ("Variant SKU", "field", "default_code"),
                ("Variant Inventory Qty", "quantity", ""),
                ("Variant Price", *PRICE),
                ("Variant Barcode", "field", "barcode"),
                ("Image Src", "image", ""),
            ],
        )
        vendor = wizard.line_ids.filtered(lambda line: line.header == "Vendor")
        self.assertEqual((vendor.kind, vendor.confidence), ("constant", "high"))
        self.assertIn("no such product field", vendor.note)

        self._confirm(wizard)
        self.assertEqual(self.feed.column_ids.mapped("header"), files.SHOPIFY_HEADERS)
        self.assertEqual(self.feed.file_name, "products_export")

    def test_unknown_header(self):
        data = files.csv_file(
            [["SKU", "Name", "Flux capacitor rating"], ["F-1", "DeLorean", "1.21"]]
        )
        wizard = self._read(data, "flux.csv")
        unknown = wizard.line_ids[2]
        self.assertEqual(
            (unknown.header, unknown.kind, unknown.constant_value, unknown.confidence),
            ("Flux capacitor rating", "constant", False, "none"),
        )
        self.assertTrue(unknown.note)
        self.assertFalse(wizard.line_ids[:2].filtered("note"))
        self._confirm(wizard)
        column = self.feed.column_ids[2]
        self.assertEqual(
            (column.header, column.kind, column.constant_value),
            ("Flux capacitor rating", "constant", False),
        )

    def test_lines_are_edited_before_confirm(self):
        wizard = self._read(
            files.csv_file([["SKU", "Gigawatts", "Price"], ["F-1", "1.21", "9"]]),
            "f.csv",
        )
        wizard.write(
            {
                "line_ids": [
                    Command.update(wizard.line_ids[1].id, {"constant_value": "1.21"}),
                    Command.update(
                        wizard.line_ids[2].id, {"price_source": "standard_price"}
                    ),
                    Command.delete(wizard.line_ids[0].id),
                ]
            }
        )
        wizard.action_confirm()
        self.assertEqual(
            [
                (column.header, column.constant_value, column.price_source)
                for column in self.feed.column_ids
            ],
            [("Gigawatts", "1.21", "list_price"), ("Price", False, "standard_price")],
        )

    def test_header_dictionary_extended_by_a_module(self):
        wizard_class = type(self.env[WIZARD])
        dictionary = dict(
            wizard_class._get_header_dictionary(self.env[WIZARD]),
            Марка={"kind": "field", "field_path": "description"},
        )
        with patch.object(
            wizard_class, "_get_header_dictionary", return_value=dictionary
        ):
            wizard = self._read(files.csv_file([["Code", "Марка"]]), "brands.csv")
        self.assertEqual(
            self._mapping(wizard.line_ids),
            [("Code", "field", "default_code"), ("Марка", "field", "description")],
        )

    def test_delimiter_chosen_when_it_cannot_be_told(self):
        data = b"a,b;c,d\r\n1,2;3,4\r\n"
        form = Form(
            self.env[WIZARD]
            .with_user(self.manager)
            .with_context(active_model="marketplace.feed", active_id=self.feed.id)
        )
        form.sample_file = base64.b64encode(data)
        self.assertEqual(form.file_type, "csv")  # the delimiter can be chosen
        wizard = form.save()
        self._assert_refused("delimiter can't be told", wizard.action_read)
        self.assertEqual(wizard.state, "upload")
        wizard.csv_delimiter = "semicolon"
        wizard.action_read()
        self.assertEqual(wizard.line_ids.mapped("header"), ["a,b", "c,d"])
        wizard.csv_delimiter = "comma"
        wizard.action_detect()
        self.assertEqual(wizard.line_ids.mapped("header"), ["a", "b;c", "d"])

    def test_bad_files_change_nothing(self):
        cases = [
            (files.prom_xlsx()[:3000], "damaged"),
            (files.encrypted_xls(), "protected by a password"),
            (files.encrypted_xlsx(), "protected by a password"),
            (b"Code,Name\r\n" + b"A,B\r\n" * (2 * 1024 * 1024), "larger than 10 MB"),
            (files.xlsx_file({"Numbers": [[1, 2], [3, "four"]]}), "looks like headers"),
            (b"Code;Name\r\nA;\x98\r\n", "neither UTF-8 nor Windows-1251"),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                wizard = self._wizard(data, "bad.xlsx")
                self._assert_refused(message, wizard.action_read)
                self.assertFalse(wizard.line_ids)

    def test_chosen_settings_the_file_does_not_have(self):
        wizard = self._read(files.prom_xlsx(), "prom.xlsx")
        lines = wizard.line_ids
        wizard.header_row = 50
        self._assert_refused("Row 50 of the sheet has no headers", wizard.action_detect)
        wizard.header_row = 1
        data = "Код;Назва\r\nA;Б\r\n".encode("cp1251")
        wizard = self._read(data, "c.csv")
        wizard.csv_encoding = "utf-8"
        self._assert_refused("not in the encoding UTF-8", wizard.action_detect)
        self.assertTrue(lines.exists())

    def test_more_than_256_columns_for_xls(self):
        headers = [f"Column {number}" for number in range(300)]
        wizard = self._read(files.xlsx_file({"Wide": [headers]}), "wide.xlsx")
        self.assertEqual(len(wizard.line_ids), 300)
        wizard.file_type = "xls"
        message = "300 columns; the XLS format holds at most 256"
        self._assert_refused(message, wizard.action_confirm)
        self._assert_refused(message, wizard.action_detect)
        wizard.file_type = "xlsx"
        wizard.action_confirm()
        self.assertEqual(len(self.feed.column_ids), 300)

    def test_feed_managers_only(self):
        with self.assertRaises(AccessError):
            self.env[WIZARD].with_user(self.stock_user).create(
                {"feed_id": self.feed.id}
            )
