# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import csv
import io
import time

import openpyxl
import xlrd

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user


class MarketplaceFeedCase(TransactionCase):
    """Two warehouses with stock, three storable products and a CSV feed.

    Demo products may exist in the database too: tests look their own
    products up by internal reference (column "Code").
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.sudo().write(
            {"marketplace_feed_enabled": True, "marketplace_feed_plan": "business"}
        )
        cls.manager = cls._new_feed_manager("feed_manager", name="Feed Manager")
        cls.stock_user = new_test_user(
            cls.env,
            login="feed_stock_user",
            name="Stock User",
            groups="base.group_user,stock.group_stock_user",
        )
        warehouse_model = cls.env["stock.warehouse"]
        cls.warehouse_a = warehouse_model.create({"name": "Feed WH A", "code": "FWA"})
        cls.warehouse_b = warehouse_model.create({"name": "Feed WH B", "code": "FWB"})
        cls.category = cls.env["product.category"].create(
            {
                "name": "Feed Office",
                "parent_id": cls.env.ref("product.product_category_all").id,
            }
        )
        product_model = cls.env["product.product"]
        cls.product_a = product_model.create(
            {
                "name": "Feed Chair",
                "default_code": "FEED-A",
                "barcode": "4820000000011",
                "is_storable": True,
                "categ_id": cls.category.id,
                "list_price": 10.5,
                "standard_price": 4.25,
            }
        )
        cls.product_b = product_model.create(
            {
                "name": "Feed Desk",
                "default_code": "FEED-B",
                "is_storable": True,
                "categ_id": cls.category.id,
                "list_price": 99.99,
            }
        )
        cls.product_zero = product_model.create(
            {"name": "Feed Lamp", "default_code": "FEED-Z", "is_storable": True}
        )
        quant_model = cls.env["stock.quant"]
        for product, warehouse, quantity in (
            (cls.product_a, cls.warehouse_a, 5),
            (cls.product_a, cls.warehouse_b, 7),
            (cls.product_b, cls.warehouse_b, 3),
        ):
            quant_model._update_available_quantity(
                product, warehouse.lot_stock_id, quantity
            )
        cls.feed = cls.env["marketplace.feed"].create(
            {
                "name": "Test Store",
                "warehouse_ids": [(6, 0, cls.warehouse_a.ids)],
                "file_type": "csv",
                "user_id": cls.manager.id,
                "column_ids": [
                    (
                        0,
                        0,
                        {
                            "header": "Code",
                            "kind": "field",
                            "field_path": "default_code",
                        },
                    ),
                    (0, 0, {"header": "Name", "kind": "field", "field_path": "name"}),
                    (0, 0, {"header": "Quantity", "kind": "quantity"}),
                ],
            }
        )

    @classmethod
    def _run_generation(cls, feed, seconds=3600):
        """Queue a generation of ``feed`` and run the background job's units
        of work on it (each writing for ``seconds`` at most) until it ends;
        return its file record."""
        feed._queue_generation(force=True)
        file = cls.env["marketplace.feed.file"].search(
            [("feed_id", "=", feed.id), ("state", "=", "queued")]
        )
        while file.state in ("queued", "running"):
            file._run_unit(time.monotonic() + seconds)
        return file

    @classmethod
    def _generate(cls, feed):
        """Generate ``feed``'s file through the background job: (the file's
        bytes, its counts and report). A failed generation raises its error
        as a UserError."""
        file = cls._run_generation(feed)
        if file.state == "failed":
            raise UserError(file.error)
        stats = {
            "rows": file.rows_written,
            "skipped": file.rows_skipped,
            "missing": file.rows_missing,
            "missing_names": file.missing_names,
            "report": file._get_report_lines(),
        }
        return file.attachment_id.raw, stats

    @classmethod
    def _new_feed_manager(cls, login, company=None, **values):
        """An inventory manager (who manages feeds), of ``company`` alone when
        given."""
        if company:
            values.update(company_id=company.id, company_ids=[Command.set(company.ids)])
        return new_test_user(
            cls.env,
            login=login,
            groups="base.group_user,stock.group_stock_manager",
            **values,
        )

    @classmethod
    def _column(cls, header, kind="field", **values):
        return (0, 0, dict(values, header=header, kind=kind))

    @staticmethod
    def _image_checksum(record, field_name):
        """The checksum of ``record``'s image in ``field_name`` (its
        attachment's), as image links carry it."""
        return (
            record.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", record._name),
                    ("res_id", "=", record.id),
                    ("res_field", "=", field_name),
                ]
            )
            .checksum
        )

    @staticmethod
    def _read_csv(content, encoding="utf-8", delimiter=","):
        return list(
            csv.reader(
                io.StringIO(content.decode(encoding), newline=""), delimiter=delimiter
            )
        )

    @staticmethod
    def _read_xlsx(content):
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    @staticmethod
    def _read_xls(content):
        sheet = xlrd.open_workbook(file_contents=content).sheet_by_index(0)
        return [sheet.row_values(index) for index in range(sheet.nrows)]

    @staticmethod
    def _rows_by_code(rows, code_index=0):
        """Data rows keyed by the value of their code column (header row 1)."""
        return {row[code_index]: row for row in rows[1:]}
