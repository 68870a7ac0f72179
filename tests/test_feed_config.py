# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import MarketplaceFeedCase

PLAN_FIELD = "marketplace_feed_plan"


@tagged("post_install", "-at_install")
class TestFeedConfig(MarketplaceFeedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed_model = cls.env["marketplace.feed"]
        cls.column_model = cls.env["marketplace.feed.column"]
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.other_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.other_company.id)], limit=1
        )

    # Helpers

    def _feed_values(self, **values):
        """Values of a valid XLSX feed of warehouse A, updated with ``values``."""
        return {
            "name": "Config Store",
            "user_id": self.manager.id,
            "warehouse_ids": [Command.set(self.warehouse_a.ids)],
            "file_type": "xlsx",
            "column_ids": [self._column("Code", field_path="default_code")],
            **values,
        }

    def _create_feeds(self, count, **values):
        return self.feed_model.create(
            [
                self._feed_values(name=f"Store {index}", **values)
                for index in range(count)
            ]
        )

    def _company_feed_count(self):
        return self.feed_model.search_count([("company_id", "=", self.company.id)])

    def _set_plan(self, plan):
        self.company.sudo()[PLAN_FIELD] = plan

    def _assert_create_refused(self, values, message, exception=ValidationError):
        """Creating feeds with ``values`` (a dict or a list of dicts) raises
        ``message`` and saves nothing."""
        values_list = values if isinstance(values, list) else [values]
        count = self.feed_model.search_count([])
        with self.assertRaisesRegex(exception, message), self.env.cr.savepoint():
            self.feed_model.create([self._feed_values(**vals) for vals in values_list])
        self.assertEqual(self.feed_model.search_count([]), count)

    def _assert_write_refused(self, record, values, message, exception=ValidationError):
        """Writing ``values`` on ``record`` raises ``message`` and changes nothing."""
        before = record.sudo().read(list(values))
        with self.assertRaisesRegex(exception, message), self.env.cr.savepoint():
            record.write(values)
        self.assertEqual(record.sudo().read(list(values)), before)

    def _assert_column_refused(self, values, message, user=None):
        """Adding a column with ``values`` to the feed raises ``message`` and
        saves nothing; checked with ``user``'s rights when given."""
        count = self.column_model.search_count([])
        with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
            self._columns_as(user).create(
                dict(values, feed_id=self.feed.id, header="Extra")
            )
        self.assertEqual(self.column_model.search_count([]), count)

    def _columns_as(self, user=None):
        return self.column_model.with_user(user) if user else self.column_model

    def _create_field_column(self, path, user=None):
        return self._columns_as(user).create(
            {"feed_id": self.feed.id, "header": path, "field_path": path}
        )

    def _flush_tracking(self):
        """Tracking values are written when the transaction is about to commit."""
        self.env.flush_all()
        self.env.cr.flush()

    # File settings

    def test_feed_needs_a_warehouse(self):
        self._assert_create_refused(
            {"warehouse_ids": []}, "choose at least one warehouse"
        )
        self._assert_write_refused(
            self.feed,
            {"warehouse_ids": [Command.clear()]},
            "choose at least one warehouse",
        )

    def test_file_name_without_path_or_control_characters(self):
        for name in ("", "   ", ".", "..", "a..b", "feeds/products", "feeds\\products"):
            with self.subTest(name=name):
                self._assert_create_refused({"file_name": name}, "File name: .* is not")
        self._assert_write_refused(
            self.feed, {"file_name": "bell\x07"}, "File name: .* control characters"
        )
        self.feed.file_name = "Товари export_ua-2"
        self.assertEqual(self.feed.full_file_name, "Товари export_ua-2.csv")

    def test_sheet_name_of_spreadsheets(self):
        for name in (False, "", "x" * 32, *"[]:*?/\\"):
            with self.subTest(name=name):
                self._assert_create_refused(
                    {"sheet_name": name}, "Sheet name: .* 1 to 31 characters"
                )
        self._assert_create_refused(
            {"file_type": "xls", "sheet_name": "Prices: all"}, "Sheet name"
        )
        feed = self.feed_model.create(self._feed_values(sheet_name="x" * 31))
        self.assertEqual(feed.sheet_name, "x" * 31)

    def test_csv_feed_needs_no_sheet_name(self):
        self.feed.sheet_name = False
        self.assertFalse(self.feed.sheet_name)
        self._assert_write_refused(self.feed, {"file_type": "xlsx"}, "Sheet name")

    def test_header_row_between_1_and_1000(self):
        for row in (0, -1, 1001):
            with self.subTest(row=row):
                self._assert_write_refused(
                    self.feed,
                    {"header_row": row},
                    f"Header row number: {row} is not between 1 and 1000",
                )
        for row in (1, 1000):
            with self.subTest(row=row):
                self.feed.header_row = row
                self.assertEqual(self.feed.header_row, row)

    def test_csv_feed_needs_a_delimiter(self):
        self._assert_create_refused(
            {"file_type": "csv", "csv_delimiter": False}, "CSV delimiter: choose one"
        )
        self._assert_write_refused(
            self.feed, {"csv_delimiter": False}, "CSV delimiter: choose one"
        )

    def test_enabling_needs_columns(self):
        message = "add at least one column to .* before enabling it"
        self._assert_create_refused({"enabled": True, "column_ids": []}, message)
        empty_feed = self.feed_model.create(self._feed_values(column_ids=[]))
        self._assert_write_refused(empty_feed, {"enabled": True}, message)
        self.feed.enabled = True
        self._assert_write_refused(
            self.feed, {"column_ids": [Command.clear()]}, message
        )
        with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
            self.feed.column_ids.unlink()
        self.assertEqual(len(self.feed.column_ids), 3)
        self.feed.column_ids[0].unlink()
        self.assertEqual(len(self.feed.column_ids), 2, "some columns may go")

    # Columns

    def test_price_column_needs_its_source(self):
        message = "Column Extra: choose the price source"
        self._assert_column_refused({"kind": "price", "price_source": False}, message)
        self._assert_column_refused(
            {"kind": "price", "price_source": "pricelist"}, message
        )

    def test_field_path_refusals(self):
        refusals = {
            "does not exist": (
                False,
                "no_such_field",
                "categ_id.nope",
                "categ_id.",
            ),
            "is not a relation and cannot be followed": ("name.foo", "list_price.id"),
            "is binary data": ("image_1920", "product_tmpl_id.image_128"),
            "reaches .*, which a feed file may not publish": (
                "create_uid",
                "create_uid.login",
                "write_uid",
                "responsible_id.name",
                "product_tmpl_id.create_uid.password",
                "seller_ids.partner_id.user_ids.login",
                "company_id.user_ids",
                "product_document_ids.ir_attachment_id",
                "product_document_ids.access_token",
                "message_follower_ids",
                "message_ids.body",
                "message_partner_ids.email",
                "activity_ids",
                "activity_user_id.name",
            ),
        }
        for problem, paths in refusals.items():
            for path in paths:
                with self.subTest(path=path):
                    self._assert_column_refused(
                        {"field_path": path},
                        f"the product field {path or ''} {problem}",
                        user=self.manager,
                    )

    def test_field_path_refused_when_a_change_makes_it_invalid(self):
        column = self.feed.column_ids.filtered(lambda col: col.kind == "field")[:1]
        self._assert_write_refused(
            column, {"field_path": "create_uid.login"}, "may not publish"
        )
        self._assert_write_refused(
            self.feed.column_ids.filtered(lambda col: col.kind == "quantity"),
            {"kind": "field"},
            "does not exist",
        )

    def test_field_readable_only_by_settings_administrators(self):
        admin = self.env.ref("base.user_admin")
        self.feed.user_id = admin
        barcode = self.env["product.product"]._fields["barcode"]
        with patch.object(barcode, "groups", "base.group_system"):
            self._assert_column_refused(
                {"field_path": "barcode"},
                "barcode is not readable by Feed Manager",
                user=self.manager,
            )
            column = self._create_field_column("barcode", user=admin)
        self.assertEqual(column.field_path, "barcode")

    def test_valid_field_paths(self):
        for path in (
            "barcode",
            "categ_id",
            "categ_id.parent_id.name",
            "product_tmpl_id.name",
            "uom_id.name",
            "product_tag_ids",
            "standard_price",
        ):
            with self.subTest(path=path):
                column = self._create_field_column(path, user=self.manager)
                self.assertEqual(column.field_path, path)

    def test_custom_fields(self):
        self.env["ir.model.fields"].create(
            [
                {
                    "model_id": self.env["ir.model"]._get_id("product.template"),
                    "name": name,
                    "field_description": name,
                    "ttype": ttype,
                    "relation": relation,
                    "state": "manual",
                }
                for name, ttype, relation in (
                    ("x_test_brand", "char", False),
                    ("x_test_supplier_id", "many2one", "res.partner"),
                )
            ]
        )
        column = self._create_field_column("x_test_brand", user=self.manager)
        self.assertEqual(column.field_path, "x_test_brand")
        self._assert_column_refused(
            {"field_path": "x_test_supplier_id"},
            "x_test_supplier_id reaches res.partner, which a feed file may not publish",
            user=self.manager,
        )

    def test_headers_may_repeat(self):
        header = "Назва_Характеристики"
        feed = self.feed_model.create(
            self._feed_values(
                column_ids=[
                    self._column(header, "constant", constant_value="Колір"),
                    self._column("Значення_Характеристики", field_path="name"),
                    self._column(header, "constant", constant_value="Бренд"),
                ]
            )
        )
        self.assertEqual(
            feed.column_ids.mapped("header"),
            [header, "Значення_Характеристики", header],
        )

    def test_columns_follow_their_sequence(self):
        feed = self.feed_model.create(
            self._feed_values(
                column_ids=[
                    self._column("Third", "quantity", sequence=30),
                    self._column("First", field_path="name", sequence=10),
                    self._column("Second", field_path="barcode", sequence=20),
                ]
            )
        )
        feed.invalidate_recordset(["column_ids"])
        self.assertEqual(feed.column_ids.mapped("header"), ["First", "Second", "Third"])
        feed.column_ids.filtered(lambda col: col.header == "Third").sequence = 5
        feed.invalidate_recordset(["column_ids"])
        self.assertEqual(feed.column_ids.mapped("header"), ["Third", "First", "Second"])

    # Companies

    def test_records_of_another_company_refused(self):
        self._assert_create_refused(
            {"warehouse_ids": [Command.set(self.other_warehouse.ids)]},
            "Incompatible companies",
            exception=UserError,
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Other Prices", "company_id": self.other_company.id}
        )
        self._assert_create_refused(
            {
                "column_ids": [
                    self._column(
                        "Price",
                        "price",
                        price_source="pricelist",
                        pricelist_id=pricelist.id,
                    )
                ]
            },
            "Incompatible companies",
            exception=UserError,
        )

    def test_locations_belong_to_the_feed_warehouses(self):
        message = "Locations: .*FWB/Stock do not belong to the feed's warehouses"
        self._assert_create_refused(
            {"location_ids": [Command.set(self.warehouse_b.lot_stock_id.ids)]}, message
        )
        both = self.feed_model.create(
            self._feed_values(
                warehouse_ids=[Command.set((self.warehouse_a | self.warehouse_b).ids)],
                location_ids=[Command.set(self.warehouse_b.lot_stock_id.ids)],
            )
        )
        self._assert_write_refused(
            both, {"warehouse_ids": [Command.set(self.warehouse_a.ids)]}, message
        )

    def test_responsible_user_works_in_the_feed_company(self):
        outsider = self._new_feed_manager(
            "feed_outsider", self.other_company, name="Outsider"
        )
        message = "Responsible: Outsider has no inventory rights in"
        self._assert_create_refused({"user_id": outsider.id}, message)
        self._assert_write_refused(self.feed, {"user_id": outsider.id}, message)
        portal = new_test_user(
            self.env, login="feed_portal", name="Portal", groups="base.group_portal"
        )
        message = "Responsible: Portal is not an active internal user"
        self._assert_write_refused(self.feed, {"user_id": portal.id}, message)

    # Plans

    def test_startup_plan_allows_ten_files(self):
        self._set_plan("startup")
        existing = self._company_feed_count()
        self.assertLessEqual(existing, 9, "the company has no room for the test")
        self._create_feeds(9 - existing)
        message = "The Startup plan allows at most 10 feed files per company"
        self._assert_create_refused(
            [{"name": "Tenth"}, {"name": "Eleventh"}], message, exception=UserError
        )
        self._create_feeds(1, enabled=True)
        self.assertEqual(self._company_feed_count(), 10)
        self._assert_create_refused(
            {}, f"{message}, and .* would have 11", exception=UserError
        )

    def test_hobby_plan_allows_no_file(self):
        self.feed.enabled = True
        self._set_plan("hobby")
        self.assertFalse(self.feed._is_published())
        message = "The Hobby plan does not include the online store integration"
        self._assert_create_refused({}, message, exception=UserError)
        self.feed.enabled = False
        self._assert_write_refused(
            self.feed, {"enabled": True}, message, exception=UserError
        )
        self.feed.name = "Renamed Store"
        self.feed.unlink()
        self.assertFalse(self.feed.exists())

    def test_business_plan_has_no_limit(self):
        existing = self._company_feed_count()
        self._create_feeds(12, enabled=True)
        self.assertEqual(self._company_feed_count(), existing + 12)

    def test_integration_switch_stops_every_feed(self):
        self.feed.enabled = True
        self.assertTrue(self.feed._is_published())
        self.assertEqual(self.feed.state, "enabled")
        self.company.marketplace_feed_enabled = False
        self.assertFalse(self.feed._is_published())
        self.assertEqual(self.feed.state, "integration_off")

    def test_only_settings_administrators_change_the_plan(self):
        access_manager = new_test_user(
            self.env,
            login="feed_access_manager",
            groups="base.group_user,base.group_erp_manager",
        )
        for user, message in (
            (self.manager, r"not allowed to modify .*\(res.company\)"),
            (access_manager, f'enough rights to access the fields "{PLAN_FIELD}"'),
        ):
            with self.subTest(user=user.login):
                self._assert_write_refused(
                    self.company.with_user(user),
                    {PLAN_FIELD: "hobby"},
                    message,
                    exception=AccessError,
                )
        admin = self.env.ref("base.user_admin")
        self.env["res.config.settings"].with_user(admin).create(
            {PLAN_FIELD: "startup"}
        ).execute()
        self.assertEqual(self.company.sudo()[PLAN_FIELD], "startup")

    # Tracking

    def test_file_settings_changes_are_tracked(self):
        # A feed created with tracking disabled stays untracked in its transaction.
        feed = self.feed_model.with_context(tracking_disable=False).create(
            self._feed_values(file_type="csv")
        )
        self._flush_tracking()
        feed.write({"file_type": "xlsx", "header_row": 3})
        self._flush_tracking()
        values = {
            value.field_id.name: value for value in feed.message_ids.tracking_value_ids
        }
        self.assertEqual(
            (values["file_type"].old_value_char, values["file_type"].new_value_char),
            ("CSV", "XLSX"),
        )
        self.assertEqual(
            (
                values["header_row"].old_value_integer,
                values["header_row"].new_value_integer,
            ),
            (1, 3),
        )

    # Link token

    def test_token_is_long_random_and_unique(self):
        token = self.feed.access_token
        self.assertRegex(token, r"^[A-Za-z0-9_-]{43,}$")
        copy = self.feed.copy()
        self.assertRegex(copy.access_token, r"^[A-Za-z0-9_-]{43,}$")
        self.assertNotEqual(copy.access_token, token)
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            copy.access_token = token
            copy.flush_recordset()

    def test_regenerated_token_replaces_the_link(self):
        old_slug = self.feed._get_public_slug()
        old_url = self.feed.public_url
        self.feed.action_regenerate_token()
        new_slug = self.feed._get_public_slug()
        self.assertNotEqual(new_slug, old_slug)
        self.assertNotEqual(self.feed.public_url, old_url)
        self.assertIn(new_slug, self.feed.public_url)
        self.assertFalse(self.feed_model._get_link(old_slug)[0])
        self.assertEqual(self.feed_model._get_link(new_slug)[0], self.feed)
        self.assertIn("previous link no longer works", self.feed.message_ids[0].body)

    def test_wrong_slugs_find_nothing(self):
        feed_id, token = self.feed.id, self.feed.access_token
        other = self.feed.copy()
        for slug in (
            None,
            "",
            "abc",
            "12",
            "12-",
            "-" + token,
            f"{feed_id}-",
            f"{feed_id}-wrong",
            f"{feed_id}-{token[:-1]}",
            f"{feed_id}-{token}x",
            f"{feed_id}-{token.upper()}",
            f"{other.id}-{token}",
            f"{feed_id}-é{token}",
            f"²-{token}",
            f"99999999999999999999-{token}",
        ):
            with self.subTest(slug=slug):
                self.assertFalse(self.feed_model._get_link(slug)[0])
