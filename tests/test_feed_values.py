# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every value of the file as Odoo itself tells it (issue 17)."""

import time
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged

from ..models import marketplace_feed_generation
from ..writers import DELIMITERS_BY_CHOICE, FeedOptions, sheet_name_error
from .common import MarketplaceFeedCase

MODULE = "stock_marketplace_feed"
QUANTITY_FIELDS = {
    "available": "free_qty",
    "on_hand": "qty_available",
    "forecast": "virtual_available",
}

# Every public method of the add-on's models (the ORM's own aside).
PUBLIC_METHODS = {
    "marketplace.feed": {
        "action_generate",
        "action_apply_template",
        "action_save_as_template",
        "action_preview",
        "action_download",
        "action_view_files",
        "action_view_fetches",
        "action_view_fetch_analysis",
        "action_regenerate_token",
        "action_regenerate_image_links",
    },
    # Driven step by step in test_feed_sample.py, each answering an action.
    "marketplace.feed.sample.wizard": {
        "action_read",
        "action_detect",
        "action_confirm",
    },
}


class FeedValuesCase(MarketplaceFeedCase):
    def _rows(self, feed=None):
        """The generated CSV file's rows keyed by their first cell (the code)."""
        content, _stats = self._generate(feed or self.feed)
        return self._rows_by_code(self._read_csv(content))

    def _quantity_cells(self, feed=None):
        return {code: row[2] for code, row in self._rows(feed).items()}

    def _move(self, product, quantity, picking_type, source, destination):
        """A confirmed transfer of ``quantity`` units of ``product``."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking

    def _deliver(self, product, quantity, warehouse=None):
        """A delivery from ``warehouse``'s stock, confirmed and reserved."""
        warehouse = warehouse or self.warehouse_a
        picking = self._move(
            product,
            quantity,
            warehouse.out_type_id,
            warehouse.lot_stock_id,
            self.env.ref("stock.stock_location_customers"),
        )
        picking.action_assign()
        return picking

    def _receive(self, product, quantity, warehouse=None):
        """A receipt into ``warehouse``'s stock, confirmed."""
        warehouse = warehouse or self.warehouse_a
        return self._move(
            product,
            quantity,
            warehouse.in_type_id,
            self.env.ref("stock.stock_location_suppliers"),
            warehouse.lot_stock_id,
        )

    def _call_feed_actions(self, call):
        """Call every public method of a feed with ``call(method)``; return
        {method: result}."""
        self.feed.template_id = self.env.ref(
            f"{MODULE}.marketplace_feed_template_amazon"
        )
        results = {}
        for method in sorted(PUBLIC_METHODS["marketplace.feed"]):
            results[method] = call(method)
        return results

    def _assert_odoo_quantities(self, products, warehouse):
        """The file's quantity of each product, for each kind, is Odoo's own
        figure in the feed's warehouse."""
        self.feed.write(
            {"warehouse_ids": [Command.set(warehouse.ids)], "include_zero_stock": True}
        )
        for kind, field_name in QUANTITY_FIELDS.items():
            self.feed.quantity_kind = kind
            cells = self._quantity_cells()
            for product in products:
                odoo_figure = product.with_context(warehouse_id=warehouse.id)[
                    field_name
                ]
                with self.subTest(kind=kind, product=product.default_code):
                    self.assertEqual(float(cells[product.default_code]), odoo_figure)


@tagged("post_install", "-at_install")
class TestFeedQuantities(FeedValuesCase):
    """Lots, packages, consignment stock and kits: the file's quantities are
    Odoo's qty_available, free_qty and virtual_available."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        product_model = cls.env["product.product"]
        quant_model = cls.env["stock.quant"]
        stock = cls.warehouse_a.lot_stock_id
        cls.lot_product = product_model.create(
            {
                "name": "Feed Lot Paint",
                "default_code": "FEED-LOT",
                "is_storable": True,
                "tracking": "lot",
            }
        )
        for lot_name, quantity in (("L-1", 50), ("L-2", 30)):
            lot = cls.env["stock.lot"].create(
                {"name": lot_name, "product_id": cls.lot_product.id}
            )
            quant_model._update_available_quantity(
                cls.lot_product, stock, quantity, lot_id=lot
            )
        cls.package_product = product_model.create(
            {"name": "Feed Boxed Cup", "default_code": "FEED-PKG", "is_storable": True}
        )
        package = cls.env["stock.quant.package"].create({"name": "Feed Box"})
        quant_model._update_available_quantity(
            cls.package_product, stock, 20, package_id=package
        )
        cls.owned_product = product_model.create(
            {
                "name": "Feed Consigned Vase",
                "default_code": "FEED-OWN",
                "is_storable": True,
            }
        )
        owner = cls.env["res.partner"].create({"name": "Feed Consignor"})
        quant_model._update_available_quantity(
            cls.owned_product, stock, 12, owner_id=owner
        )

    def test_lots_packages_and_consignment_as_odoo_counts_them(self):
        self._deliver(self.lot_product, 15)
        self._receive(self.package_product, 5)
        self._deliver(self.owned_product, 4)
        products = self.lot_product | self.package_product | self.owned_product
        self.assertEqual(
            self.lot_product.with_context(warehouse_id=self.warehouse_a.id).free_qty,
            65,
        )
        self._assert_odoo_quantities(products, self.warehouse_a)
        # The grouped query on the quants (without mrp) reads the same.
        feed_class = self.registry["marketplace.feed"]
        with patch.object(
            feed_class, "_has_own_product_quantities", lambda self: False
        ):
            self._assert_odoo_quantities(products, self.warehouse_a)

    def test_kits_as_odoo_counts_them(self):
        if "mrp.bom" not in self.env:
            self.skipTest("needs mrp (kits)")
        product_model = self.env["product.product"]
        legs, top = product_model.create(
            [
                {"name": "Feed Leg", "default_code": "FEED-LEG", "is_storable": True},
                {"name": "Feed Top", "default_code": "FEED-TOP", "is_storable": True},
            ]
        )
        kit = product_model.create(
            {"name": "Feed Table Kit", "default_code": "FEED-KIT", "is_storable": True}
        )
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": kit.product_tmpl_id.id,
                "type": "phantom",
                "product_qty": 1,
                "bom_line_ids": [
                    Command.create({"product_id": legs.id, "product_qty": 4}),
                    Command.create({"product_id": top.id, "product_qty": 1}),
                ],
            }
        )
        stock = self.warehouse_a.lot_stock_id
        self.env["stock.quant"]._update_available_quantity(legs, stock, 18)
        self.env["stock.quant"]._update_available_quantity(top, stock, 6)
        self._deliver(top, 3)
        self._receive(legs, 10)
        self.assertEqual(
            kit.with_context(warehouse_id=self.warehouse_a.id).qty_available, 4
        )
        self._assert_odoo_quantities(kit | legs | top, self.warehouse_a)


@tagged("post_install", "-at_install")
class TestFeedCurrencies(FeedValuesCase):
    """A company's feed writes every price in the company's currency (or
    the pricelist's), at Odoo's rate of the day, whatever the product's
    currency; a currency column writes the code of its prices' currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        main_currency = cls.company.currency_id
        currencies = (cls.env.ref("base.EUR") | cls.env.ref("base.USD")).sudo()
        currencies.active = True
        cls.currency = (currencies - main_currency)[:1]
        cls.other_company = cls.env["res.company"].create(
            {"name": "Feed Foreign Co", "currency_id": cls.currency.id}
        )
        today = fields.Date.today()
        cls.env["res.currency.rate"].create(
            [
                {
                    "name": today,
                    "currency_id": cls.currency.id,
                    "rate": 0.8,
                    "company_id": company.id,
                }
                for company in cls.company | cls.other_company
            ]
        )
        cls.product_a.with_company(cls.other_company).standard_price = 3.0
        user = cls._new_feed_manager("feed_foreign_manager", cls.other_company)
        pricelist_currency = cls.env.ref("base.UAH").sudo()
        pricelist_currency.active = True
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Feed Hryvnia",
                "currency_id": pricelist_currency.id,
                "company_id": cls.other_company.id,
                "item_ids": [
                    Command.create({"compute_price": "fixed", "fixed_price": 420.0})
                ],
            }
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.other_company.id)], limit=1
        )
        cls.foreign_feed = cls.env["marketplace.feed"].create(
            {
                "name": "Foreign Store",
                "company_id": cls.other_company.id,
                "user_id": user.id,
                "warehouse_ids": [Command.set(warehouse.ids)],
                "file_type": "csv",
                "include_zero_stock": True,
                "column_ids": [
                    cls._column("Code", field_path="default_code"),
                    cls._column("Price", "price", price_source="list_price"),
                    cls._column(
                        "Price Text",
                        "price",
                        price_source="list_price",
                        price_with_currency=True,
                    ),
                    cls._column("Currency", "currency", price_source="list_price"),
                    cls._column("Cost", "price", price_source="standard_price"),
                    cls._column(
                        "Cost Currency", "currency", price_source="standard_price"
                    ),
                    cls._column(
                        "Pricelist",
                        "price",
                        price_source="pricelist",
                        pricelist_id=cls.pricelist.id,
                    ),
                    cls._column(
                        "Pricelist Currency",
                        "currency",
                        price_source="pricelist",
                        pricelist_id=cls.pricelist.id,
                    ),
                ],
            }
        )

    def test_prices_in_the_feed_company_currency(self):
        # A product without company is priced in the main company's currency.
        self.assertFalse(self.product_a.company_id)
        self.assertEqual(self.product_a.currency_id, self.company.currency_id)
        expected = self.company.currency_id._convert(
            10.5, self.currency, self.other_company, fields.Date.today()
        )
        self.assertNotEqual(expected, 10.5)
        code = self.currency.name
        row = self._rows(self.foreign_feed)["FEED-A"]
        self.assertEqual(
            row[1:],
            [
                f"{expected:.2f}",
                f"{expected:.2f} {code}",
                code,
                "3.00",
                code,
                "420.00",
                "UAH",
            ],
        )


@tagged("post_install", "-at_install")
class TestFeedProductScope(FeedValuesCase):
    """The file's products are those Odoo lets the feed's company use."""

    def test_branch_lists_its_parent_companies_products(self):
        branch = self.env["res.company"].create(
            {"name": "Feed Branch", "parent_id": self.company.id}
        )
        other = self.env["res.company"].create({"name": "Feed Stranger Co"})
        self.env["product.product"].create(
            [
                {
                    "name": name,
                    "default_code": code,
                    "is_storable": True,
                    "company_id": company.id,
                }
                for name, code, company in (
                    ("Feed Parent Chair", "FEED-PARENT", self.company),
                    ("Feed Branch Chair", "FEED-BRANCH", branch),
                    ("Feed Stranger Chair", "FEED-STRANGER", other),
                )
            ]
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", branch.id)], limit=1
        )
        self.feed.include_zero_stock = True
        branch_feed = self.feed.copy(
            {
                "company_id": branch.id,
                "user_id": self._new_feed_manager("feed_branch_manager", branch).id,
                "warehouse_ids": [Command.set(warehouse.ids)],
            }
        )
        codes = {"FEED-A", "FEED-PARENT", "FEED-BRANCH", "FEED-STRANGER"}
        # Odoo's product rule: the company's, its parents' and shared products.
        self.assertEqual(
            codes & set(self._rows(branch_feed)),
            {"FEED-A", "FEED-PARENT", "FEED-BRANCH"},
        )
        self.assertEqual(codes & set(self._rows()), {"FEED-A", "FEED-PARENT"})

    def test_new_feeds_list_products_that_can_be_sold(self):
        self.env["product.product"].create(
            {
                "name": "Feed Spare Part",
                "default_code": "FEED-NOSALE",
                "is_storable": True,
                "sale_ok": False,
            }
        )
        feed = self.env["marketplace.feed"].create(
            {
                "name": "Feed Scope",
                "user_id": self.manager.id,
                "file_type": "csv",
                "warehouse_ids": [Command.set(self.warehouse_a.ids)],
                "include_zero_stock": True,
                "column_ids": [self._column("Code", field_path="default_code")],
            }
        )
        self.assertEqual(feed.product_domain, "[('sale_ok', '=', True)]")
        self.assertNotIn("FEED-NOSALE", self._rows(feed))
        feed.product_domain = "[]"
        self.assertIn("FEED-NOSALE", self._rows(feed), "the scope stays editable")


@tagged("post_install", "-at_install")
class TestFeedRounding(FeedValuesCase):
    """Zero stock, the stock status and the quantity agree: all decided on
    the quantity rounded to the product's unit (an available one down)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed.column_ids = [cls._column("Status", "stock_status")]
        piece = cls.env["uom.uom"].create(
            {
                "name": "Feed Piece",
                "category_id": cls.env.ref("uom.product_uom_categ_unit").id,
                "uom_type": "bigger",
                "factor_inv": 1.0,
                "rounding": 1.0,
            }
        )
        for code, quantity in (("FEED-R04", 0.4), ("FEED-R26", 2.6), ("FEED-NEG", -3)):
            product = cls.env["product.product"].create(
                {
                    "name": code,
                    "default_code": code,
                    "is_storable": True,
                    "uom_id": piece.id,
                    "uom_po_id": piece.id,
                }
            )
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse_a.lot_stock_id, quantity
            )

    def _cells(self):
        """(quantity, status) of each product, read through Odoo's quantities
        (as with mrp) and through the quants alone: the same either way."""
        cells = {code: row[2:] for code, row in self._rows().items()}
        feed_class = self.registry["marketplace.feed"]
        with patch.object(
            feed_class, "_has_own_product_quantities", lambda self: False
        ):
            quants_cells = {code: row[2:] for code, row in self._rows().items()}
        self.assertEqual(cells, quants_cells)
        return cells

    def test_stock_decided_on_the_rounded_quantity(self):
        cells = self._cells()
        self.assertEqual(cells["FEED-R26"], ["2", "in_stock"], "available: down")
        self.assertNotIn("FEED-R04", cells, "0.4 of a unit is no stock")
        self.feed.quantity_kind = "on_hand"
        cells = self._cells()
        self.assertEqual(cells["FEED-R26"], ["3", "in_stock"], "on hand: as Odoo")
        self.assertNotIn("FEED-R04", cells)
        self.feed.write({"quantity_kind": "available", "include_zero_stock": True})
        self.assertEqual(self._cells()["FEED-R04"], ["0", "out_of_stock"])

    def test_negative_stock_written_as_zero(self):
        self.feed.include_zero_stock = True
        self.assertEqual(self._cells()["FEED-NEG"], ["-3", "out_of_stock"])
        self.feed.negative_stock_as_zero = True
        self.assertEqual(self._cells()["FEED-NEG"], ["0", "out_of_stock"])
        self.assertEqual(self._cells()["FEED-R26"], ["2", "in_stock"])
        template = self.env["marketplace.feed.template"].create(
            {"name": "Feed No Negatives", "negative_stock_as_zero": True}
        )
        other = self.feed.copy({"negative_stock_as_zero": False})
        other.template_id = template
        other.action_apply_template()
        self.assertTrue(other.negative_stock_as_zero, "a template's setting")


@tagged("post_install", "-at_install")
class TestFeedSettingsRules(FeedValuesCase):
    """A setting saved is a setting the writers take: one rule each."""

    def test_sheet_names_the_form_accepts_are_those_the_writer_takes(self):
        names = [
            "Products",
            "Товари 2026",
            "x" * 31,
            "",
            "x" * 32,
            "a/b",
            "a[1]",
            "what?",
            "'quoted'",
            "'leading",
            "trailing'",
            "it's",
            "tab\there",
            "line\nbreak",
        ]
        for file_type in ("xlsx", "xls"):
            for name in names:
                with self.subTest(file_type=file_type, name=name):
                    try:
                        FeedOptions(file_type=file_type, sheet_name=name)
                        writer_takes = True
                    except ValueError:
                        writer_takes = False
                    try:
                        with self.env.cr.savepoint():
                            self.feed.write(
                                {"file_type": file_type, "sheet_name": name}
                            )
                        saved = True
                    except ValidationError as error:
                        self.assertIn("Sheet name", str(error))
                        saved = False
                    self.assertEqual(saved, writer_takes)
        self.assertFalse(sheet_name_error("it's"))
        self.assertTrue(sheet_name_error("'quoted'"))

    def test_every_delimiter_choice_is_a_writer_delimiter(self):
        choices = dict(self.env["marketplace.feed"]._fields["csv_delimiter"].selection)
        self.assertEqual(set(choices), set(DELIMITERS_BY_CHOICE))
        for choice, delimiter in DELIMITERS_BY_CHOICE.items():
            with self.subTest(choice=choice):
                self.feed.csv_delimiter = choice
                self.assertEqual(self.feed._get_writer_options().delimiter, delimiter)


@tagged("post_install", "-at_install")
class TestFeedApi(FeedValuesCase):
    """What an integrator gets through the external API: every public method
    answers True or an action (XML-RPC can't marshal None), bad input a
    clear error."""

    def _public_methods(self):
        """{model: public methods defined by the add-on}."""
        methods = {}
        for name, model_class in self.registry.items():
            for cls in model_class.__mro__:
                if not cls.__module__.startswith(f"odoo.addons.{MODULE}."):
                    continue
                for attr, value in vars(cls).items():
                    # The ORM's own (create, write...) answer as the ORM does.
                    if (
                        callable(value)
                        and not attr.startswith("_")
                        and not hasattr(models.BaseModel, attr)
                    ):
                        methods.setdefault(name, set()).add(attr)
        return methods

    def test_every_public_method_is_listed_here(self):
        self.assertEqual(self._public_methods(), PUBLIC_METHODS)

    def test_feed_methods_answer_true_or_an_action(self):
        feed_model = self.env["marketplace.feed"]
        results = self._call_feed_actions(
            lambda method: getattr(feed_model.browse(self.feed.id), method)()
        )
        for method, result in results.items():
            with self.subTest(method=method):
                self.assertTrue(
                    result is True or (isinstance(result, dict) and result.get("type"))
                )

    def test_product_filter_that_is_not_a_domain(self):
        for text in (
            "1",
            "'products'",
            "{}",
            "None",
            "[1]",
            "['|']",
            "[('name', '=', 'x', 1)]",
            "[{}]",
        ):
            with (
                self.subTest(product_domain=text),
                self.assertRaisesRegex(
                    ValidationError, "Products: the filter is not valid"
                ),
            ):
                self.feed.product_domain = text


@tagged("post_install", "-at_install")
class TestFeedXmlRpc(FeedValuesCase, HttpCase):
    def test_feed_methods_through_xmlrpc(self):
        """Each public method of a feed, called as an integrator calls it,
        answers (a None would be a fault: "cannot marshal None")."""
        admin = self.env.ref("base.user_admin")
        results = self._call_feed_actions(
            lambda method: self.xmlrpc_object.execute(
                self.env.cr.dbname,
                admin.id,
                "admin",
                "marketplace.feed",
                method,
                [self.feed.id],
            ),
        )
        self.assertEqual(results["action_generate"], True)
        self.assertEqual(results["action_download"]["type"], "ir.actions.act_url")


@tagged("post_install", "-at_install")
class TestFeedHeaders(FeedValuesCase):
    def test_headers_and_rows_read_as_the_responsible_user(self):
        """A caller who sees fewer columns than the responsible user gets the
        responsible user's headers: as many as the rows' cells."""
        group = self.env["res.groups"].create({"name": "Feed Column Hiders"})
        self.env["ir.rule"].create(
            {
                "name": "Feed: no Name column",
                "model_id": self.env.ref(f"{MODULE}.model_marketplace_feed_column").id,
                "groups": [Command.link(group.id)],
                "domain_force": "[('header', '!=', 'Name')]",
            }
        )
        caller = self._new_feed_manager("feed_column_hider", name="Hider")
        caller.groups_id = [Command.link(group.id)]
        feed = self.feed.with_user(caller)
        self.assertEqual(feed.column_ids.mapped("header"), ["Code", "Quantity"])
        headers, rows = feed._get_preview_rows()
        self.assertEqual(headers, ["Code", "Name", "Quantity"])
        self.assertEqual({len(row) for row in rows}, {3})


@tagged("post_install", "-at_install")
class TestFeedPlanDowngrade(FeedValuesCase):
    def test_files_over_the_new_limit_stop_being_served(self):
        feed_model = self.env["marketplace.feed"]
        company_feeds = [("company_id", "=", self.company.id)]
        missing = 12 - feed_model.search_count(company_feeds)
        self.assertGreaterEqual(missing, 1, "room for the test")
        feed_model.create(
            [
                dict(self.feed.copy_data()[0], name=f"Feed Plan {n}")
                for n in range(missing)
            ]
        )
        feeds = feed_model.search(company_feeds, order="id")
        feeds.enabled = True
        self.assertTrue(all(feed._is_published() for feed in feeds))
        self.company.sudo().marketplace_feed_plan = "startup"
        feeds.invalidate_recordset(["state"])
        oldest, newest = feeds[:10], feeds[10:]
        self.assertEqual([feed._is_published() for feed in oldest], [True] * 10)
        self.assertEqual([feed._is_published() for feed in newest], [False] * 2)
        self.assertEqual(set(oldest.mapped("state")), {"enabled"})
        self.assertEqual(set(newest.mapped("state")), {"over_plan"})
        newest[:1].unlink()
        self.assertFalse(newest[1]._is_published(), "still the eleventh")
        oldest[:1].unlink()
        self.assertTrue(newest[1]._is_published(), "now among the ten")


@tagged("post_install", "-at_install")
class TestFeedPlanConcurrency(TransactionCase):
    """Transactions creating a company's last feed file at the same time, on
    real cursors of their own (what they commit is deleted at the end)."""

    def test_concurrent_creates_cannot_both_pass_the_limit(self):
        company = self.env.ref("base.main_company")
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        feeds = self.env["marketplace.feed"].sudo()
        limit = feeds.search_count([("company_id", "=", company.id)]) + 1
        values = {
            "name": "Feed Race",
            "company_id": company.id,
            "user_id": self.env.ref("base.user_admin").id,
            "warehouse_ids": [Command.set(warehouse.ids)],
        }
        context = {"tracking_disable": True, "mail_create_nosubscribe": True}
        cursors = [self.registry.cursor() for _n in range(3)]
        first, second, late = (
            api.Environment(cr, SUPERUSER_ID, context)["marketplace.feed"]
            for cr in cursors
        )
        created = []
        try:
            with patch.object(
                self.registry["res.company"],
                "_marketplace_feed_plan_limit",
                lambda company: limit,
            ):
                late.env.cr.execute("SELECT 1")  # its snapshot, taken now
                created += first.create(values).ids  # the last one the plan allows
                # Another one waits for the first transaction to end...
                second.env.cr.execute("SET LOCAL lock_timeout = '200ms'")
                with self.assertRaises(psycopg2.errors.LockNotAvailable):
                    second.create(values)
                second.env.cr.rollback()
                first.env.cr.commit()
                # ...and one that read before the first committed can't count
                # with that old snapshot: it fails (Odoo retries it)...
                with self.assertRaises(psycopg2.errors.SerializationFailure):
                    late.create(values)
                late.env.cr.rollback()
                # ...and counts the first one's file when it starts again.
                with self.assertRaisesRegex(UserError, "allows at most"):
                    second.create(values)
        finally:
            for cr in cursors:
                cr.rollback()
                cr.close()
            with self.registry.cursor() as cr:
                feed_model = api.Environment(cr, SUPERUSER_ID, {})["marketplace.feed"]
                feed_model.browse(created).exists().unlink()


@tagged("post_install", "-at_install")
class TestFeedReportLanguage(FeedValuesCase):
    def test_report_in_the_readers_language_whoever_triggered(self):
        for lang in ("fr_FR", "uk_UA"):
            self.env["res.lang"]._activate_lang(lang)
        trigger = self._new_feed_manager("feed_uk_trigger", lang="uk_UA")
        readers = {
            lang: self._new_feed_manager(f"feed_reader_{lang}", lang=lang)
            for lang in ("fr_FR", "uk_UA", "en_US")
        }
        self.feed.with_user(trigger).action_generate()
        file = self.env["marketplace.feed.file"].search(
            [("feed_id", "=", self.feed.id), ("state", "=", "queued")]
        )
        while file.state in ("queued", "running"):
            file.with_context(lang="uk_UA")._run_unit(time.monotonic() + 3600)
        self.assertEqual(file.state, "done")
        rows = file.rows_written
        expected = {
            "fr_FR": f"Lignes de produits écrites : {rows}.",
            "uk_UA": f"Записано рядків товарів: {rows}.",
            "en_US": f"{rows} product rows written.",
        }
        for lang, reader in readers.items():
            # As the reader's requests read it: as the reader, in their language.
            env = self.env(user=reader, context=dict(self.env.context, lang=lang))
            with self.subTest(lang=lang):
                self.assertEqual(
                    file.with_env(env).report.splitlines()[0], expected[lang]
                )
                self.assertEqual(
                    self.feed.with_env(env).last_file_report.splitlines()[0],
                    expected[lang],
                )


@tagged("post_install", "-at_install")
class TestFeedStockChanges(FeedValuesCase):
    """What the two tests that could not fail meant to check (issue 17,
    item 14), in ways that can."""

    def test_stock_changing_between_the_units_of_a_generation(self):
        """Each unit writes the rows of its products as they are when it
        runs; none is written twice or lost, whatever moves between units."""
        stools = self.env["product.product"].create(
            [
                {
                    "name": f"Stool {n}",
                    "default_code": f"FEED-S{n}",
                    "is_storable": True,
                }
                for n in range(1, 4)
            ]
        )
        quant_model = self.env["stock.quant"]
        stock = self.warehouse_a.lot_stock_id
        for stool in stools:
            quant_model._update_available_quantity(stool, stock, 1)
        self.feed._queue_generation(force=True)
        file = self.env["marketplace.feed.file"].search(
            [("feed_id", "=", self.feed.id), ("state", "=", "queued")]
        )
        with patch.object(marketplace_feed_generation, "BATCH_SIZE", 1):
            file._run_unit(0)  # the first unit: FEED-A's row, nothing else
            self.assertEqual(file.rows_written, 1)
            quant_model._update_available_quantity(self.product_a, stock, 100)
            quant_model._update_available_quantity(stools[1], stock, -1)
            quant_model._update_available_quantity(stools[2], stock, 4)
            for _unit in range(10):  # 3 products left, and the join
                if file.state not in ("queued", "running"):
                    break
                file._run_unit(0)
        self.assertEqual(file.state, "done")
        rows = self._read_csv(file.attachment_id.raw)[1:]
        self.assertEqual(
            [(row[0], row[2]) for row in rows],
            [("FEED-A", "5"), ("FEED-S1", "1"), ("FEED-S3", "5")],
        )
        self.assertEqual(file.rows_written, 3)

    def test_a_feed_on_an_archived_warehouse_lists_no_stock(self):
        """An archived warehouse's locations are archived too: a feed left
        on it alone counts no stock, of any kind (Odoo's quantities, given
        no location, would count every warehouse)."""
        empty = self.env["stock.warehouse"].create({"name": "Feed WH C", "code": "FWC"})
        self.feed.write(
            {
                "warehouse_ids": [Command.link(empty.id)],
                "include_zero_stock": True,
            }
        )
        self.assertEqual(self._quantity_cells()["FEED-A"], "5")
        self.feed.warehouse_ids = [Command.set(empty.ids)]
        empty.action_archive()
        for kind in QUANTITY_FIELDS:
            with self.subTest(kind=kind):
                self.feed.quantity_kind = kind
                cells = self._quantity_cells()
                self.assertEqual((cells["FEED-A"], cells["FEED-B"]), ("0", "0"))


@tagged("post_install", "-at_install")
class TestFeedDecimalComma(FeedValuesCase):
    """The decimal comma is a CSV setting: spreadsheet cells stay numbers,
    their texts keep the point, also when it was ticked before the file
    type changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        kilogram = cls.env.ref("uom.product_uom_kgm")
        sugar = cls.env["product.product"].create(
            {
                "name": "Feed Sugar",
                "default_code": "FEED-KG",
                "is_storable": True,
                "list_price": 2.25,
                "uom_id": kilogram.id,
                "uom_po_id": kilogram.id,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            sugar, cls.warehouse_a.lot_stock_id, 2.5
        )
        cls.feed.write(
            {
                "decimal_comma": True,
                "column_ids": [
                    cls._column("Price", "price", price_source="list_price"),
                    cls._column(
                        "Price Text",
                        "price",
                        price_source="list_price",
                        price_with_currency=True,
                    ),
                ],
            }
        )
        cls.code = cls.company.currency_id.name

    def test_csv_writes_decimal_commas(self):
        row = self._rows()["FEED-KG"]
        self.assertEqual(row[2:], ["2,5", "2,25", f"2,25 {self.code}"])

    def test_spreadsheets_and_their_preview_keep_numbers(self):
        for file_type, read in (("xlsx", self._read_xlsx), ("xls", self._read_xls)):
            with self.subTest(file_type=file_type):
                self.feed.file_type = file_type
                rows = self._rows_by_code(read(self._generate(self.feed)[0]))
                self.assertEqual(rows["FEED-KG"][2:], [2.5, 2.25, f"2.25 {self.code}"])
                preview = self.env["marketplace.feed.preview"].create(
                    {"feed_id": self.feed.id}
                )
                html = str(preview.preview_html)
                self.assertIn(f"2.25 {self.code}", html)
                self.assertNotIn("2,25", html)
                self.assertNotIn("2,5", html)
