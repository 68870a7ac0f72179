# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestFeedPrices(TransactionCase):
    """The feed's batch pricing gives exactly Odoo's ``_get_products_price``
    for every kind of pricelist rule, also those it leaves to Odoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        parent = cls.env["product.category"].create({"name": "Feed Apparel"})
        cls.category = cls.env["product.category"].create(
            {"name": "Feed Shirts", "parent_id": parent.id}
        )
        size = cls.env["product.attribute"].create(
            {
                "name": "Feed Size",
                "value_ids": [Command.create({"name": name}) for name in "SML"],
            }
        )
        cls.shirt = cls.env["product.template"].create(
            {
                "name": "Feed Shirt",
                "list_price": 20.0,
                "categ_id": cls.category.id,
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": size.id,
                            "value_ids": [Command.set(size.value_ids.ids)],
                        }
                    )
                ],
            }
        )
        extras = {"M": 2.5, "L": 5.1}
        for value in cls.shirt.attribute_line_ids.product_template_value_ids:
            value.price_extra = extras.get(value.name, 0.0)
        cls.cap = cls.env["product.template"].create(
            {"name": "Feed Cap", "list_price": 7.99, "categ_id": parent.id}
        )
        cls.plain = cls.env["product.template"].create(
            {"name": "Feed Plain", "list_price": 3.333}
        )
        # Rules are matched once per category: the cap's neighbour in its
        # category, the shirts' in theirs, after them.
        cls.beanie, cls.tie = cls.env["product.template"].create(
            [
                {"name": "Feed Beanie", "list_price": 6.5, "categ_id": parent.id},
                {"name": "Feed Tie", "list_price": 12.0, "categ_id": cls.category.id},
            ]
        )
        cls.products = (
            cls.shirt | cls.cap | cls.plain | cls.beanie | cls.tie
        ).product_variant_ids
        for index, product in enumerate(cls.products):
            product.standard_price = 1.5 + index
        cls.large = cls.products.filtered(
            lambda p: p.product_template_attribute_value_ids.name == "L"
        )
        cls.currency = cls.env.company.currency_id

    def _pricelist(self, *items, currency=None):
        return self.env["product.pricelist"].create(
            {
                "name": "Feed prices",
                "currency_id": (currency or self.currency).id,
                "item_ids": [Command.create(item) for item in items],
            }
        )

    def _assert_odoo_prices(self, pricelist):
        expected = pricelist._get_products_price(self.products, 1.0)
        prices = pricelist._get_feed_prices(self.products)
        self.assertEqual(prices.keys(), expected.keys())
        for product in self.products:
            self.assertAlmostEqual(
                prices[product.id],
                expected[product.id],
                places=9,
                msg=product.display_name,
            )
        return prices

    def test_no_rule_is_the_sales_price_with_extras(self):
        prices = self._assert_odoo_prices(self._pricelist())
        self.assertAlmostEqual(prices[self.large.id], 25.1)

    def test_percentage_and_formula_rules(self):
        for item in (
            {"compute_price": "percentage", "percent_price": 10},
            {"compute_price": "percentage", "percent_price": 100},
            {
                "compute_price": "formula",
                "base": "list_price",
                "price_discount": 15,
                "price_round": 0.5,
                "price_surcharge": -0.01,
                "price_min_margin": -10,
                "price_max_margin": 30,
            },
            {
                "compute_price": "formula",
                "base": "list_price",
                "price_discount": 90,
                "price_min_margin": -1,
            },
            {
                "compute_price": "formula",
                "base": "standard_price",
                "price_discount": -20,
            },
        ):
            with self.subTest(item=item):
                self._assert_odoo_prices(self._pricelist(item))

    def test_rules_on_variant_template_and_category(self):
        pricelist = self._pricelist(
            {
                "applied_on": "0_product_variant",
                "product_id": self.large.id,
                "compute_price": "fixed",
                "fixed_price": 11.0,
            },
            {
                "applied_on": "1_product",
                "product_tmpl_id": self.cap.id,
                "compute_price": "percentage",
                "percent_price": 50,
            },
            {
                "applied_on": "2_product_category",
                "categ_id": self.category.parent_id.id,
                "compute_price": "fixed",
                "fixed_price": 9.0,
            },
            {"compute_price": "percentage", "percent_price": 5},
        )
        prices = self._assert_odoo_prices(pricelist)
        self.assertEqual(prices[self.large.id], 11.0)
        self.assertEqual(prices[self.products[0].id], 9.0, "category rule, by parent")
        self.assertEqual(prices[self.cap.product_variant_id.id], 7.99 * 0.5)
        self.assertEqual(prices[self.beanie.product_variant_id.id], 9.0)
        self.assertEqual(prices[self.tie.product_variant_id.id], 9.0)

    def test_rules_not_applicable_at_quantity_one_or_today(self):
        yesterday = fields.Date.subtract(fields.Date.today(), days=1)
        pricelist = self._pricelist(
            {"compute_price": "fixed", "fixed_price": 1.0, "min_quantity": 10},
            {"compute_price": "fixed", "fixed_price": 2.0, "date_end": yesterday},
            {"compute_price": "percentage", "percent_price": 20},
        )
        prices = self._assert_odoo_prices(pricelist)
        self.assertAlmostEqual(prices[self.cap.product_variant_id.id], 7.99 * 0.8)

    def test_rules_left_to_odoo(self):
        """Another pricelist as base, or another currency: Odoo prices them."""
        base = self._pricelist({"compute_price": "percentage", "percent_price": 10})
        self._assert_odoo_prices(
            self._pricelist(
                {
                    "compute_price": "formula",
                    "base": "pricelist",
                    "base_pricelist_id": base.id,
                    "price_discount": 10,
                }
            )
        )
        euro = self.env.ref("base.EUR")
        euro.active = True
        if euro == self.currency:
            euro = self.env.ref("base.USD")
            euro.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": euro.id, "rate": 2.0, "company_id": self.env.company.id}
        )
        prices = self._assert_odoo_prices(
            self._pricelist(
                {"compute_price": "percentage", "percent_price": 10}, currency=euro
            )
        )
        self.assertNotAlmostEqual(prices[self.cap.product_variant_id.id], 7.99 * 0.9)

    def test_rules_found_once_price_every_batch(self):
        """A generation keeps the pricelist's rules from batch to batch (its
        memo): every batch, one product at a time, is priced as Odoo does."""
        tomorrow = fields.Date.add(fields.Date.today(), days=1)
        pricelist = self._pricelist(
            {
                "applied_on": "0_product_variant",
                "product_id": self.large.id,
                "compute_price": "fixed",
                "fixed_price": 11.0,
            },
            {
                "applied_on": "2_product_category",
                "categ_id": self.category.id,
                "compute_price": "percentage",
                "percent_price": 30,
            },
            {"compute_price": "formula", "base": "standard_price", "price_discount": 5},
            # Tried before the formula (of all products, the newest first)
            # from tomorrow only.
            {"compute_price": "fixed", "fixed_price": 1.0, "date_start": tomorrow},
        )
        memo, prices = {}, {}
        for product in self.products:
            prices.update(pricelist._get_feed_prices(product, memo=memo))
        expected = pricelist._get_products_price(self.products, 1.0)
        self.assertEqual(prices.keys(), expected.keys())
        for product in self.products:
            self.assertAlmostEqual(
                prices[product.id], expected[product.id], places=9, msg=product.name
            )
        self.assertEqual(prices[self.large.id], 11.0)
