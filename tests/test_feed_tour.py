# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import csv
import io
from urllib.parse import urlsplit

from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestFeedTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.sudo().marketplace_feed_plan = "business"
        cls.env.company.marketplace_feed_enabled = True
        cls.warehouse = cls.env["stock.warehouse"].create(
            {"name": "Tour WH", "code": "TOUR"}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Tour Phone",
                "default_code": "TOUR-1",
                "barcode": "4820000009991",
                "is_storable": True,
                "list_price": 199.0,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 4
        )

    def _fetch_rows(self, feed):
        """The file at the link: the first fetch queues its generation, the
        background job generates it, the next fetch gets it."""
        path = urlsplit(feed.public_url).path
        headers = {"Accept-Encoding": "identity"}
        self.assertEqual(self.url_open(path, headers=headers).status_code, 503)
        self.assertEqual(feed.generation_id.state, "queued")
        for _call in range(100):
            if not feed.generation_id:
                break
            self.env["marketplace.feed.file"]._cron_generate()
        response = self.url_open(path, headers=headers)
        self.assertEqual(response.status_code, 200)
        return list(
            csv.reader(
                io.StringIO(response.content.decode(), newline=""), delimiter=";"
            )
        )

    def test_configure_feed_in_the_browser(self):
        self.start_tour(
            "/odoo/action-stock.action_stock_config_settings",
            "stock_marketplace_feed_tour",
            login="admin",
        )
        feed = self.env["marketplace.feed"].search([("name", "=", "Tour Store")])
        self.assertTrue(feed.enabled)
        self.assertEqual(
            feed.column_ids.mapped("kind"),
            ["field", "quantity", "price", "constant", "images", "stock_status"],
        )
        rows = self._fetch_rows(feed)
        self.assertEqual(rows[0], [])
        self.assertEqual(
            rows[1], ["Barcode", "Qty", "Price", "Currency", "Photos", "Available"]
        )
        row = next(row for row in rows[2:] if row[0] == "4820000009991")
        self.assertEqual(row[1:4], ["4", "199.00", "UAH"])
        self.assertEqual(row[5], "in_stock")

        self.start_tour(
            f"/odoo/action-stock_marketplace_feed.marketplace_feed_action/{feed.id}",
            "stock_marketplace_feed_template_tour",
            login="admin",
        )
        self.assertEqual(feed.column_ids.mapped("header"), ["sku", "price", "quantity"])
        # What the dialog showed, computed again: nothing was stored.
        preview = self.env["marketplace.feed.preview"].create({"feed_id": feed.id})
        self.assertIn(
            "<th>sku</th><th>price</th><th>quantity</th>", preview.preview_html
        )
        self.assertEqual(preview.preview_html.count("<tr>"), 1 + 20)

    def test_start_from_a_sample_in_the_browser(self):
        """Upload a store's sample, confirm (replacing the columns), preview
        (the tour checks the preview's headers and rows)."""
        feed = self.env["marketplace.feed"].create(
            {
                "name": "Sample Store",
                "user_id": self.env.ref("base.user_admin").id,
                "warehouse_ids": [Command.set(self.warehouse.ids)],
                "column_ids": [Command.create({"header": "Old", "kind": "quantity"})],
            }
        )
        self.start_tour(
            f"/odoo/action-stock_marketplace_feed.marketplace_feed_action/{feed.id}",
            "stock_marketplace_feed_sample_tour",
            login="admin",
        )
        self.assertEqual(
            [(column.header, column.kind) for column in feed.column_ids],
            [
                ("Код_товару", "field"),
                ("Назва_позиції", "field"),
                ("Ціна", "price"),
                ("Наявність", "stock_status"),
                ("Особисті_нотатки", "constant"),
            ],
        )
        self.assertEqual(
            (feed.file_type, feed.csv_delimiter, feed.decimal_comma, feed.file_name),
            ("csv", "semicolon", True, "prom_sample"),
        )
