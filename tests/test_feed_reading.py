# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stored product values read by SQL (issue 18): each value is the one the
ORM reads, as the responsible user, in the feed's language and company."""

from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MarketplaceFeedCase

# Columns whose first field is read by SQL: one of each stored type.
SQL_PATHS = [
    "default_code",
    "barcode",
    "name",
    "description_sale",
    "description",
    "color",
    "sale_delay",
    "weight",
    "list_price",
    "standard_price",
    "sale_ok",
    "is_favorite",
    "type",
    "create_date",
    "x_feed_launch",
    "x_feed_deposit",
    "categ_id",
    "categ_id.parent_id.name",
    "uom_id",
    "product_tmpl_id",
]
# Columns read through the ORM: computed, related, x2many.
ORM_PATHS = [
    "display_name",
    "combination_indices",
    "product_template_attribute_value_ids",
    "qty_available",
]


@tagged("post_install", "-at_install")
class TestFeedReading(MarketplaceFeedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        template_model = cls.env.ref("product.model_product_template")
        cls.env["ir.model.fields"].create(
            [
                {
                    "name": "x_feed_launch",
                    "field_description": "Launch",
                    "model_id": template_model.id,
                    "ttype": "date",
                    "state": "manual",
                },
                {
                    "name": "x_feed_deposit",
                    "field_description": "Deposit",
                    "model_id": template_model.id,
                    "ttype": "monetary",
                    "currency_field": "currency_id",
                    "state": "manual",
                },
            ]
        )
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.other_company = cls.env["res.company"].create({"name": "Feed Other Co"})
        cls.product_a.write(
            {
                "description_sale": "Comfortable",
                "description": "<p>A <b>chair</b></p>",
                "color": 3,
                "weight": 7.5,
                "is_favorite": True,
                "x_feed_launch": "2026-03-01",
                "x_feed_deposit": 12.5,
            }
        )
        cls.product_a.with_context(lang="fr_FR").write(
            {"name": "Chaise", "description_sale": "Confortable"}
        )
        cls.product_a.with_company(cls.other_company).standard_price = 99.0
        cls.feed.write(
            {
                "include_zero_stock": True,
                "column_ids": [Command.clear()]
                + [
                    cls._column(path, field_path=path)
                    for path in ["default_code", *SQL_PATHS[1:], *ORM_PATHS]
                ],
            }
        )

    def _rows(self, feed=None, batch_size=None):
        """The rows of the feed's products, by code (first column)."""
        feed = feed or self.feed
        stats = feed._new_generation_stats()
        return {
            row[0]: row
            for rows, _last_id in feed._iter_rows(stats, batch_size=batch_size)
            for row in rows
            if str(row[0]).startswith("FEED-")
        }

    def _orm_rows(self, **kwargs):
        """The same rows, every column read through the ORM."""
        column_class = type(self.env["marketplace.feed.column"])
        with patch.object(column_class, "_get_sql_field", return_value=None):
            return self._rows(**kwargs)

    def _assert_same_rows(self, rows, expected):
        self.assertEqual(rows, expected)
        self.assertEqual(
            {code: [type(value) for value in row] for code, row in rows.items()},
            {code: [type(value) for value in row] for code, row in expected.items()},
        )

    def test_columns_read_by_sql_and_through_the_orm(self):
        feed = self.feed._get_generation_env_feed()
        products = feed.env["product.product"]
        sql_read = [
            column.field_path
            for column in feed.column_ids
            if column._get_sql_field(products)
        ]
        self.assertEqual(sql_read, SQL_PATHS)

    def test_values_are_the_orms_in_the_feeds_language_and_company(self):
        rows = self._rows()
        self._assert_same_rows(rows, self._orm_rows())
        self.assertEqual(
            list(rows["FEED-A"][:5]),
            ["FEED-A", "4820000000011", "Feed Chair", "Comfortable", rows["FEED-A"][4]],
        )
        self.assertEqual(str(rows["FEED-A"][4]), "<p>A <b>chair</b></p>")
        self.assertEqual(rows["FEED-A"][SQL_PATHS.index("standard_price")], 4.25)
        self.assertEqual(
            rows["FEED-A"][SQL_PATHS.index("categ_id")], "All / Feed Office"
        )
        self.assertEqual(list(rows["FEED-Z"][1:5]), [None, "Feed Lamp", None, None])
        self.feed.lang = "fr_FR"
        rows = self._rows()
        self._assert_same_rows(rows, self._orm_rows())
        self.assertEqual(list(rows["FEED-A"][2:4]), ["Chaise", "Confortable"])

    def test_values_of_batches_of_one(self):
        self._assert_same_rows(self._rows(batch_size=1), self._rows())

    def test_a_renamed_category_in_the_next_generation(self):
        column = SQL_PATHS.index("categ_id")
        self.assertEqual(self._rows()["FEED-A"][column], "All / Feed Office")
        self.category.name = "Feed Desks"
        self.assertEqual(self._rows()["FEED-A"][column], "All / Feed Desks")

    def test_changes_not_yet_written_are_read(self):
        self.product_a.weight = 8.0
        self.product_a.product_tmpl_id.description_sale = "Comfier"
        values = self.product_a._read_feed_values(["weight", "description_sale"])
        self.assertEqual(values, {"weight": [8.0], "description_sale": ["Comfier"]})

    def test_a_product_the_user_may_not_read_is_refused_as_by_the_orm(self):
        foreign = self.env["product.product"].create(
            {
                "name": "Foreign",
                "default_code": "FEED-FOREIGN",
                "company_id": self.other_company.id,
            }
        )
        products = (self.product_a | foreign).with_user(self.manager)
        with self.assertRaises(AccessError):
            products.mapped("default_code")
        with self.assertRaises(AccessError):
            products._read_feed_values(["default_code"])
        self.assertEqual(
            products[:1]._read_feed_values(["default_code", "name"]),
            {"default_code": ["FEED-A"], "name": ["Feed Chair"]},
        )

    def test_the_users_field_access_is_checked(self):
        """Also of a template's field, which SQL reads on the template."""
        products = self.product_a.with_user(self.stock_user)
        for name in ("barcode", "list_price"):
            field = self.env["product.product"]._fields[name]
            with (
                self.subTest(field=name),
                patch.object(field, "groups", "base.group_system"),
                self.assertRaises(AccessError),
            ):
                products._read_feed_values(["default_code", name])

    def test_the_planner_settings_end_with_the_query(self):
        self.product_a._read_feed_values(["default_code"])
        self.env.cr.execute("SHOW enable_hashjoin")
        self.assertEqual(self.env.cr.fetchone()[0], "on")
        self.env.cr.execute("SHOW enable_mergejoin")
        self.assertEqual(self.env.cr.fetchone()[0], "on")

    def test_search_and_read_in_one_query_per_batch(self):
        products = self.env["product.product"]
        domain = [("default_code", "=like", "FEED-%"), ("is_storable", "=", True)]
        found = products.search(domain, order="id")
        self.assertGreater(len(found), 2)
        names = ["default_code", "x_feed_launch"]
        batches = list(products._search_feed_batches(domain, names, batch_size=2))
        self.assertEqual([len(ids) for ids, _values in batches][:1], [2])
        ids = [id_ for batch_ids, _values in batches for id_ in batch_ids]
        self.assertEqual(ids, found.ids, "as search finds them, in id order")
        codes = [code for _ids, values in batches for code in values["default_code"]]
        self.assertEqual(codes, found.mapped("default_code"))
        launches = {
            id_: launch
            for batch_ids, values in batches
            for id_, launch in zip(batch_ids, values["x_feed_launch"], strict=True)
        }
        self.assertEqual(launches[self.product_a.id], fields.Date.to_date("2026-03-01"))
        after_first = products._search_feed_batches(domain, names, found[0].id, 100)
        self.assertEqual(next(after_first)[0], found[1:].ids)
