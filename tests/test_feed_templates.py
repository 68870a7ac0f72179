# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import MarketplaceFeedCase


@tagged("post_install", "-at_install")
class TestFeedTemplates(MarketplaceFeedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_a.description_sale = 'A chair, "comfortable"\nand sturdy'
        cls.product_b.description_sale = "A desk"
        cls.feed.warehouse_ids = [(6, 0, (cls.warehouse_a | cls.warehouse_b).ids)]

    def _apply(self, xmlid):
        template = self.env.ref(f"stock_marketplace_feed.{xmlid}")
        self.feed.template_id = template
        self.feed.action_apply_template()
        return template

    def _csv_rows(self, delimiter):
        content, stats = self._generate(self.feed)
        rows = self._read_csv(content, delimiter=delimiter)
        return rows, {row[0]: row for row in rows[1:]}, stats

    def test_apply_replaces_settings_and_columns(self):
        template = self._apply("marketplace_feed_template_prom")
        self.assertEqual(
            self.feed.column_ids.mapped("header"), template.column_ids.mapped("header")
        )
        self.assertEqual(
            (self.feed.file_type, self.feed.sheet_name, self.feed.file_name),
            ("xlsx", "Export Products Sheet", "prom_products"),
        )
        self._apply("marketplace_feed_template_amazon")
        self.assertEqual(
            self.feed.column_ids.mapped("header"), ["sku", "price", "quantity"]
        )
        self.assertEqual(self.feed.full_file_name, "amazon_price_quantity.csv")

    def test_prom_xlsx(self):
        self._apply("marketplace_feed_template_prom")
        rows = self._read_xlsx(self._generate(self.feed)[0])
        self.assertEqual(
            rows[0][:6],
            [
                "Код_товару",
                "Назва_позиції",
                "Ціна",
                "Валюта",
                "Одиниця_виміру",
                "Наявність",
            ],
        )
        product_rows = {row[0]: row for row in rows[1:]}
        self.assertEqual(
            product_rows["FEED-A"][:8],
            [
                "FEED-A",
                "Feed Chair",
                10.5,
                self.company.currency_id.name,
                "Units",
                "+",
                12,
                None,
            ],
        )
        self.assertNotIn("FEED-Z", product_rows, "Prom gets products in stock")

    def test_google_merchant_tab_separated(self):
        self._apply("marketplace_feed_template_google")
        content = self._generate(self.feed)[0]
        self.assertTrue(content.startswith(b"id\ttitle\tdescription\tlink\t"))
        rows, by_code, stats = self._csv_rows("\t")
        header = rows[0]
        currency = self.company.currency_id.name
        row = dict(zip(header, by_code["FEED-A"], strict=True))
        self.assertEqual(row["availability"], "in_stock")
        self.assertEqual(row["price"], f"10.50 {currency}")
        self.assertEqual(row["description"], 'A chair, "comfortable"\nand sturdy')
        self.assertEqual(row["gtin"], "4820000000011")
        self.assertEqual(row["condition"], "new")
        zero = dict(zip(header, by_code["FEED-Z"], strict=True))
        self.assertEqual(zero["availability"], "out_of_stock")
        # The products without a required value (a description, an image, a
        # page without eCommerce...) are counted and named, 50 at most.
        required = [
            index
            for index, column in enumerate(self.feed.column_ids)
            if column.required_by_store
        ]
        lacking = [
            code
            for code, values in by_code.items()
            if any(values[index] == "" for index in required)
        ]
        self.assertIn("FEED-Z", lacking, "no description, no image")
        self.assertEqual(stats["missing"], len(lacking))
        self.assertEqual(len(stats["missing_names"]), min(50, len(lacking)))
        self.assertIn("lack a value the store requires", "\n".join(stats["report"]))

    def test_meta_catalogue_csv(self):
        self._apply("marketplace_feed_template_meta")
        rows, by_code, _stats = self._csv_rows(",")
        row = dict(zip(rows[0], by_code["FEED-A"], strict=True))
        self.assertEqual(row["availability"], "in stock")
        self.assertEqual(
            dict(zip(rows[0], by_code["FEED-Z"], strict=True))["availability"],
            "out of stock",
        )
        self.assertTrue(row["price"].startswith("10.50 "))
        self.assertEqual(row["quantity_to_sell_on_facebook"], "12")

    def test_shopify_inventory_csv(self):
        self._apply("marketplace_feed_template_shopify")
        rows, by_code, _stats = self._csv_rows(",")
        self.assertEqual(rows[0], ["Handle", "Title", "SKU", "Location", "Available"])
        self.assertEqual(by_code["FEED-B"], ["FEED-B", "Feed Desk", "FEED-B", "", "3"])
        self.assertEqual(by_code["FEED-Z"][4], "0")

    def test_woocommerce_csv(self):
        self._apply("marketplace_feed_template_woocommerce")
        content = self._generate(self.feed)[0]
        rows = self._read_csv(content)
        header = rows[0]
        self.assertIn("In stock?", header)
        by_sku = {
            row[header.index("SKU")]: dict(zip(header, row, strict=True))
            for row in rows[1:]
        }
        self.assertEqual(by_sku["FEED-A"]["In stock?"], "1")
        self.assertEqual(by_sku["FEED-Z"]["In stock?"], "0")
        self.assertEqual(by_sku["FEED-A"]["Regular price"], "10.50")
        self.assertEqual(by_sku["FEED-A"]["Categories"], "Feed Office")

    def test_amazon_price_quantity(self):
        self._apply("marketplace_feed_template_amazon")
        rows, by_code, _stats = self._csv_rows("\t")
        self.assertEqual(rows[0], ["sku", "price", "quantity"])
        self.assertEqual(by_code["FEED-A"], ["FEED-A", "10.50", "12"])
        self.assertEqual(by_code["FEED-Z"], ["FEED-Z", "1.00", "0"])

    def test_save_as_template_and_apply_elsewhere(self):
        self.feed.column_ids[0].required_by_store = True
        action = self.feed.action_save_as_template()
        template = self.env["marketplace.feed.template"].browse(action["res_id"])
        self.assertEqual(
            template.column_ids.mapped("header"), self.feed.column_ids.mapped("header")
        )
        self.assertTrue(template.column_ids[0].required_by_store)
        other = self.feed.copy({"name": "Copy", "column_ids": [(5, 0, 0)]})
        other.template_id = template
        other.action_apply_template()
        self.assertEqual(
            other.column_ids.mapped("field_path"),
            self.feed.column_ids.mapped("field_path"),
        )

    def test_preview_escapes_and_limits_rows(self):
        self.product_a.name = "<b>Bold</b> & <script>alert(1)</script>"
        action = self.feed.action_preview()
        preview = self.env[action["res_model"]].with_context(**action["context"])
        html = str(preview.create({}).preview_html)
        self.assertIn("&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;", html)
        self.assertNotIn("<script>", html)
        self.assertIn("<th>Quantity</th>", html)
        headers, rows = self.feed._get_preview_rows(limit=2)
        self.assertEqual(headers, ["Code", "Name", "Quantity"])
        self.assertEqual(len(rows), 2)
        self.assertFalse(
            self.env["marketplace.feed.file"].search([("feed_id", "=", self.feed.id)]),
            "preview leaves the link alone: no file, none queued",
        )
