# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import io
from decimal import Decimal
from unittest.mock import patch

import openpyxl
import xlrd
from PIL import Image

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models import marketplace_feed_generation
from .common import MarketplaceFeedCase


def _png(color):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue())


@tagged("post_install", "-at_install")
class TestFeedGeneration(MarketplaceFeedCase):
    def _generate_rows(self, feed=None, reader=None, **kwargs):
        feed = feed or self.feed
        content, stats = self._generate(feed)
        reader = (
            reader
            or {
                "csv": self._read_csv,
                "xlsx": self._read_xlsx,
                "xls": self._read_xls,
            }[feed.file_type]
        )
        return reader(content, **kwargs), stats

    def _rows(self, feed=None, **kwargs):
        return self._rows_by_code(self._generate_rows(feed, **kwargs)[0])

    def _quantities(self, **feed_values):
        self.feed.write(feed_values)
        return {code: row[2] for code, row in self._rows().items()}

    # Rows and quantities

    def test_quantity_per_warehouse(self):
        quantities = self._quantities()
        self.assertEqual(quantities["FEED-A"], "5")
        self.assertNotIn("FEED-B", quantities, "zero stock in WH A: left out")
        self.assertNotIn("FEED-Z", quantities)
        quantities = self._quantities(warehouse_ids=[(6, 0, self.warehouse_b.ids)])
        self.assertEqual((quantities["FEED-A"], quantities["FEED-B"]), ("7", "3"))
        both = (self.warehouse_a | self.warehouse_b).ids
        quantities = self._quantities(warehouse_ids=[(6, 0, both)])
        self.assertEqual((quantities["FEED-A"], quantities["FEED-B"]), ("12", "3"))

    def test_the_file_does_not_depend_on_the_batch_size(self):
        # Out-of-stock products are left out before the batches are formed:
        # with batches of 2, stock is read 2 products at a time and the rows'
        # batches are refilled from the next ones.
        stools = self.env["product.product"].create(
            [
                {
                    "name": f"Stool {n}",
                    "default_code": f"FEED-S{n}",
                    "is_storable": True,
                }
                for n in range(7)
            ]
        )
        for stool in stools[::2]:
            self.env["stock.quant"]._update_available_quantity(
                stool, self.warehouse_a.lot_stock_id, 1
            )
        content, stats = self._generate(self.feed)
        codes = [row[0] for row in self._read_csv(content)[1:]]
        self.assertEqual(codes, ["FEED-A", "FEED-S0", "FEED-S2", "FEED-S4", "FEED-S6"])
        self.assertGreaterEqual(stats["skipped"], 4)
        with patch.object(marketplace_feed_generation, "BATCH_SIZE", 2):
            self.assertEqual(self._generate(self.feed), (content, stats))

    def test_quantity_of_selected_locations_and_children(self):
        shelf = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.warehouse_a.lot_stock_id.id}
        )
        bin_location = self.env["stock.location"].create(
            {"name": "Bin", "location_id": shelf.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.product_b, bin_location, 2
        )
        quantities = self._quantities(location_ids=[(6, 0, shelf.ids)])
        self.assertEqual(quantities, {"FEED-B": "2"})

    def test_zero_stock_option_and_report(self):
        quantities = self._quantities(include_zero_stock=True)
        self.assertEqual(quantities["FEED-Z"], "0")
        self.assertEqual(quantities["FEED-B"], "0")
        self.feed.include_zero_stock = False
        file = self._run_generation(self.feed)
        self.assertFalse(self.feed.generation_error)
        self.assertEqual(self.feed.file_id, file)
        self.assertGreaterEqual(self.feed.last_file_rows_skipped, 2)
        self.assertIn("zero or negative stock", self.feed.last_file_report)
        self.assertTrue(file.attachment_id)
        rows = self._read_csv(file.attachment_id.raw)
        self.assertEqual(self.feed.last_file_rows_written, len(rows) - 1)

    def test_negative_and_fractional_stock(self):
        self.env["stock.quant"]._update_available_quantity(
            self.product_b, self.warehouse_a.lot_stock_id, -4
        )
        kilogram = self.env.ref("uom.product_uom_kgm")
        sugar = self.env["product.product"].create(
            {
                "name": "Feed Sugar",
                "default_code": "FEED-KG",
                "is_storable": True,
                "uom_id": kilogram.id,
                "uom_po_id": kilogram.id,
            }
        )
        self.env["stock.quant"]._update_available_quantity(
            sugar, self.warehouse_a.lot_stock_id, 2.5
        )
        quantities = self._quantities(include_zero_stock=True)
        self.assertEqual(quantities["FEED-B"], "-4")
        self.assertEqual(quantities["FEED-KG"], "2.5")
        self.assertNotIn("FEED-B", self._quantities(include_zero_stock=False))

    def test_quantity_kinds_with_reservation(self):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse_a.out_type_id.id,
                "location_id": self.warehouse_a.lot_stock_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Feed delivery",
                            "product_id": self.product_a.id,
                            "product_uom_qty": 2,
                            "product_uom": self.product_a.uom_id.id,
                            "location_id": self.warehouse_a.lot_stock_id.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        },
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        for kind, expected in (("available", "3"), ("on_hand", "5"), ("forecast", "3")):
            with self.subTest(kind=kind):
                self.assertEqual(
                    self._quantities(quantity_kind=kind)["FEED-A"], expected
                )

    def test_products_scope(self):
        other_company = self.env["res.company"].create({"name": "Feed Other Co"})
        foreign = self.env["product.product"].create(
            {
                "name": "Foreign",
                "default_code": "FEED-FOREIGN",
                "is_storable": True,
                "company_id": other_company.id,
            }
        )
        consumable = self.env["product.product"].create(
            {"name": "Service-like", "default_code": "FEED-CONSU", "type": "consu"}
        )
        archived = self.env["product.product"].create(
            {"name": "Old", "default_code": "FEED-OLD", "is_storable": True}
        )
        archived.action_archive()
        self.feed.include_zero_stock = True
        rows = self._rows()
        self.assertIn("FEED-Z", rows)
        for product in (foreign, consumable, archived):
            self.assertNotIn(product.default_code, rows)

    def test_product_filter(self):
        self.feed.write(
            {
                "include_zero_stock": True,
                "product_domain": f"[('categ_id', '=', {self.category.id})]",
            }
        )
        self.assertEqual(set(self._rows()), {"FEED-A", "FEED-B"})
        for bad in (
            "[('no_such_field', '=', 1)]",
            "not a domain",
            "[('name', 'ilike')]",
        ):
            with (
                self.subTest(domain=bad),
                self.assertRaisesRegex(
                    ValidationError, "Products: the filter is not valid"
                ),
                self.env.cr.savepoint(),
            ):
                self.feed.product_domain = bad

    # Values

    def test_every_column_kind(self):
        euro = self.env.ref("base.EUR")
        euro.active = True
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Feed -10%",
                "currency_id": euro.id,
                "item_ids": [
                    (0, 0, {"compute_price": "percentage", "percent_price": 10})
                ],
            }
        )
        self.product_a.image_1920 = _png("red")
        self.feed.write(
            {
                "include_zero_stock": True,
                "column_ids": [
                    (5, 0, 0),
                    self._column("Code", field_path="default_code"),
                    self._column("Barcode", field_path="barcode"),
                    self._column("Category", field_path="categ_id"),
                    self._column("Parent", field_path="categ_id.parent_id.name"),
                    self._column("Type", field_path="type"),
                    self._column("Sellable", field_path="sale_ok"),
                    self._column("Weight", field_path="weight"),
                    self._column("Qty", "quantity"),
                    self._column("Price", "price", price_source="list_price"),
                    self._column("Cost", "price", price_source="standard_price"),
                    self._column(
                        "Promo",
                        "price",
                        price_source="pricelist",
                        pricelist_id=pricelist.id,
                        price_with_currency=True,
                    ),
                    self._column("Currency", "constant", constant_value="UAH"),
                    self._column(
                        "Status",
                        "stock_status",
                        in_stock_text="+",
                        out_of_stock_text="-",
                    ),
                    self._column("Images", "images"),
                ],
            }
        )
        promo = euro.round(
            self.company.currency_id._convert(10.5, euro, self.company) * 0.9
        )
        rows = self._rows()
        self.assertEqual(
            rows["FEED-A"][:-1],
            [
                "FEED-A",
                "4820000000011",
                "All / Feed Office",
                "All",
                "Goods",
                "1",
                "0.0",
                "5",
                "10.50",
                "4.25",
                f"{promo:.2f} EUR",
                "UAH",
                "+",
            ],
        )
        self.assertEqual(rows["FEED-Z"][1:4], ["", "All", ""])
        self.assertEqual(rows["FEED-Z"][12], "-")
        self.assertEqual(rows["FEED-Z"][13], "", "no image, no link")
        prefix = f"{self.feed.get_base_url()}/marketplace-feed/"
        self.assertTrue(rows["FEED-A"][13].startswith(prefix))
        self.assertIn(
            f"/marketplace-feed/image/{self.feed.id}/{self.product_a.id}/",
            rows["FEED-A"][13],
        )

    def test_images_of_variant_and_template_joined(self):
        self.product_a.product_tmpl_id.image_1920 = _png("blue")
        self.product_a.image_variant_1920 = _png("green")
        self.feed.write(
            {
                "image_separator": " | ",
                "include_zero_stock": True,
                "column_ids": [
                    (5, 0, 0),
                    self._column("Code", field_path="default_code"),
                    self._column("Images", "images"),
                    self._column("Image", "image"),
                ],
            }
        )
        rows = self._rows()
        links = rows["FEED-A"][1].split(" | ")
        self.assertEqual(len(links), 2)
        # .../<product>/<image checksum>/<signature>: two images, two links
        self.assertEqual(
            [link.rsplit("/", 3)[1] for link in links], [str(self.product_a.id)] * 2
        )
        self.assertEqual(len({link.rsplit("/", 2)[1] for link in links}), 2)
        self.assertEqual(rows["FEED-A"][2], links[0], "the main image")
        self.assertEqual(rows["FEED-B"][1:], ["", ""], "no image")
        # The image links, shared by the columns, are the batch's own.
        with patch.object(marketplace_feed_generation, "BATCH_SIZE", 1):
            self.assertEqual(self._rows(), rows)
        images = self.feed._get_product_images(self.product_a)[self.product_a.id]
        self.assertEqual(
            [field for _record, field, _checksum in images],
            ["image_variant_1920", "image_1920"],
        )

    def test_variant_price_extra_and_many_values(self):
        attribute = self.env["product.attribute"].create(
            {
                "name": "Feed Size",
                "value_ids": [(0, 0, {"name": "S"}), (0, 0, {"name": "XL"})],
            }
        )
        template = self.env["product.template"].create(
            {
                "name": "Feed Shirt",
                "is_storable": True,
                "list_price": 20.0,
                "attribute_line_ids": [
                    (
                        0,
                        0,
                        {
                            "attribute_id": attribute.id,
                            "value_ids": [(6, 0, attribute.value_ids.ids)],
                        },
                    )
                ],
            }
        )
        xl_value = template.attribute_line_ids.product_template_value_ids.filtered(
            lambda value: value.name == "XL"
        )
        xl_value.price_extra = 2.5
        for variant in template.product_variant_ids:
            variant.default_code = (
                f"FEED-SHIRT-{variant.product_template_attribute_value_ids.name}"
            )
        self.feed.write(
            {
                "include_zero_stock": True,
                "column_ids": [
                    (5, 0, 0),
                    self._column("Code", field_path="default_code"),
                    self._column("Price", "price", price_source="list_price"),
                    self._column(
                        "Attributes", field_path="product_template_attribute_value_ids"
                    ),
                ],
            }
        )
        rows = self._rows()
        self.assertEqual(rows["FEED-SHIRT-S"][1], "20.00")
        self.assertEqual(rows["FEED-SHIRT-XL"][1], "22.50")
        self.assertEqual(rows["FEED-SHIRT-XL"][2], "Feed Size: XL")

    def test_translated_values_in_feed_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.product_a.with_context(lang="fr_FR").name = "Chaise"
        self.feed.lang = "fr_FR"
        self.assertEqual(self._rows()["FEED-A"][1], "Chaise")
        self.feed.lang = "en_US"
        self.assertEqual(self._rows()["FEED-A"][1], "Feed Chair")

    # Formats

    def test_xlsx_cells_sheet_and_header_row(self):
        self.feed.write(
            {
                "file_type": "xlsx",
                "sheet_name": "Export Products Sheet",
                "header_row": 3,
            }
        )
        content, _stats = self._generate(self.feed)
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        self.assertEqual(book.sheetnames, ["Export Products Sheet"])
        rows = [list(row) for row in book.active.iter_rows(values_only=True)]
        self.assertEqual(rows[2], ["Code", "Name", "Quantity"])
        self.assertTrue(all(value is None for row in rows[:2] for value in row))
        data = {row[0]: row for row in rows[3:]}
        self.assertEqual(data["FEED-A"], ["FEED-A", "Feed Chair", 5])

    def test_xls_cells(self):
        self.feed.write({"file_type": "xls", "sheet_name": "Товари", "header_row": 2})
        content, _stats = self._generate(self.feed)
        book = xlrd.open_workbook(file_contents=content)
        sheet = book.sheet_by_index(0)
        self.assertEqual(sheet.name, "Товари")
        self.assertEqual(sheet.row_values(1), ["Code", "Name", "Quantity"])
        data = {sheet.cell_value(row, 0): row for row in range(2, sheet.nrows)}
        row = data["FEED-A"]
        self.assertEqual(sheet.cell_type(row, 2), xlrd.XL_CELL_NUMBER)
        self.assertEqual(sheet.cell_value(row, 2), 5)

    def test_csv_delimiter_encoding_and_decimal_comma(self):
        self.product_a.name = 'Крісло 🪑 "Офіс"; new'
        self.feed.write(
            {
                "csv_delimiter": "semicolon",
                "csv_encoding": "cp1251",
                "decimal_comma": True,
                "header_row": 2,
                "column_ids": [
                    (5, 0, 0),
                    self._column("Code", field_path="default_code"),
                    self._column("Name", field_path="name"),
                    self._column("Price", "price", price_source="list_price"),
                ],
            }
        )
        content, stats = self._generate(self.feed)
        self.assertIn(b"\r\n", content)
        rows = self._read_csv(content, encoding="cp1251", delimiter=";")
        self.assertEqual(rows[0], [])
        self.assertEqual(rows[1], ["Code", "Name", "Price"])
        data = self._rows_by_code(rows[1:])
        self.assertEqual(data["FEED-A"], ["FEED-A", 'Крісло ? "Офіс"; new', "10,50"])
        self.assertTrue(any("replaced" in line for line in stats["report"]))

    # Rights and failures

    def test_generation_runs_with_responsible_rights(self):
        self.feed.column_ids = [self._column("Barcode", field_path="barcode")]
        barcode = self.env["product.product"]._fields["barcode"]
        with patch.object(barcode, "groups", "base.group_system"):
            failed = self._run_generation(self.feed)
            self.assertEqual(failed.state, "failed")
            self.assertIn("Barcode", self.feed.generation_error)
            self.assertFalse(self.feed.file_id, "nothing leaked")
            self.assertFalse(
                self.env["ir.attachment"].search(
                    [("res_model", "=", failed._name), ("res_id", "=", failed.id)]
                ),
                "no part of the file is kept",
            )
            self.manager.groups_id = [(4, self.env.ref("base.group_system").id)]
            self._run_generation(self.feed)
        self.assertFalse(self.feed.generation_error)
        self.assertIn(b"4820000000011", self.feed.file_id.attachment_id.raw)

    def test_responsible_sees_only_its_companies_products(self):
        other_company = self.env["res.company"].create({"name": "Feed Co B"})
        self.env["product.product"].create(
            {
                "name": "Shared by rule",
                "default_code": "FEED-B-ONLY",
                "is_storable": True,
                "company_id": other_company.id,
            }
        )
        self.feed.include_zero_stock = True
        self.assertNotIn("FEED-B-ONLY", self._rows())

    def test_failed_generation_keeps_last_good_file(self):
        self._run_generation(self.feed)
        field = self.env["ir.model.fields"].create(
            {
                "name": "x_feed_brand",
                "field_description": "Brand",
                "model_id": self.env.ref("product.model_product_template").id,
                "ttype": "char",
                "state": "manual",
            }
        )
        self.feed.column_ids = [self._column("Brand", field_path="x_feed_brand")]
        good_file = self._run_generation(self.feed)
        self.assertFalse(self.feed.generation_error)
        good = good_file.attachment_id
        good_bytes, good_checksum = good.raw, good.checksum
        self.assertIn(b"Brand", good_bytes)
        field.unlink()
        failed = self._run_generation(self.feed)
        self.assertEqual(failed.state, "failed")
        self.assertIn("Brand", self.feed.generation_error)
        self.assertIn("x_feed_brand", self.feed.generation_error)
        self.assertEqual(self.feed.file_id, good_file)
        self.assertEqual(good_file.attachment_id, good)
        self.assertEqual((good.raw, good.checksum), (good_bytes, good_checksum))
        self.assertIn(
            "Generation failed", self.feed.message_ids[0].body, "error in the chatter"
        )

    def test_deleting_a_feed_deletes_its_files(self):
        file = self._run_generation(self.feed)
        files = file.attachment_id | file.gzip_attachment_id
        self.assertEqual(len(files), 2, "the CSV file and its gzip copy")
        self.feed.unlink()
        self.assertFalse(file.exists())
        self.assertFalse(files.exists())

    def test_xls_too_many_columns_is_a_clear_error(self):
        self.feed.write(
            {
                "file_type": "xls",
                "column_ids": [
                    self._column(f"C{index}", "constant", constant_value="x")
                    for index in range(257)
                ],
            }
        )
        file = self._run_generation(self.feed)
        self.assertEqual(file.state, "failed")
        self.assertIn("at most 256 columns", self.feed.generation_error)
        self.assertFalse(self.feed.file_id)

    def test_prices_are_decimals_rounded_to_currency(self):
        self.product_a.list_price = 10.005
        column = self.feed.column_ids[0]
        column.write({"kind": "price", "price_source": "list_price"})
        feed = self.feed._get_generation_env_feed()
        values = column.with_env(feed.env)._get_values(
            self.product_a | self.product_b, {"feed": feed}
        )
        self.assertEqual(values, [Decimal("10.01"), Decimal("99.99")])
