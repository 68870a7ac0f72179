# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import fields, models


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    def _get_feed_prices(self, products):
        """Each variant's price for quantity 1 in its own unit, the prices
        ``_get_products_price(products, 1.0)`` gives: {product id: float}.

        Odoo prices product by product, reading each variant's price again
        per rule. Here the rules are matched by Odoo (``_is_applicable_for``),
        and the variants whose rule is fixed, or derives from the sales price
        or the cost in the pricelist's currency, are priced from base prices
        read for the whole batch at once. Any other variant goes through
        ``_get_products_price``.
        """
        self.ensure_one()
        prices, left = {}, []
        bases = {}  # base price kind: {product id: price}, read when needed
        for rule, product_ids in self._get_feed_rules(products).items():
            base = rule._get_feed_base()
            if base in ("list_price", "standard_price") and base not in bases:
                bases[base] = self._get_feed_base_prices(products, base)
            base_prices = bases.get(base, {})
            price_function = rule._get_feed_price_function()
            for product_id in product_ids:
                if base == "fixed" or product_id in base_prices:
                    prices[product_id] = price_function(base_prices.get(product_id))
                else:
                    left.append(product_id)
        if left:
            prices.update(self._get_products_price(products.browse(left), 1.0))
        return prices

    def _get_feed_rules(self, products):
        """The variants of each rule that applies first to them, for
        quantity 1: {rule or empty recordset: [product id, ...]}."""
        # The rules of the variants' templates: a superset (also rules of
        # other variants, which never apply), found from the templates'
        # categories instead of each variant's related category.
        rules = self._get_applicable_rules(
            products.product_tmpl_id, fields.Datetime.now()
        )
        # A rule on a category, a template or all products applies alike to
        # every variant of a template: matched once per template, unless a
        # rule names one of its variants.
        per_variant = set(
            rules.filtered(
                lambda rule: rule.applied_on == "0_product_variant"
            ).product_id.product_tmpl_id.ids
        )
        # Keyed by ids, which hash faster than records, row after row.
        template_rules = {}
        products_by_rule = defaultdict(list)
        for product in products:
            template_id = product.product_tmpl_id.id
            rule = template_rules.get(template_id)
            if rule is None:
                rule = next(
                    (rule for rule in rules if rule._is_applicable_for(product, 1.0)),
                    rules.browse(),
                )
                if template_id not in per_variant:
                    template_rules[template_id] = rule
            products_by_rule[rule.id].append(product.id)
        return {
            rules.browse(rule_id): product_ids
            for rule_id, product_ids in products_by_rule.items()
        }

    def _get_feed_base_prices(self, products, base):
        """The ``base`` price ("list_price" or "standard_price") of the
        variants whose price is in the pricelist's currency: {id: float}."""
        if base == "standard_price":
            # As _price_compute: the cost read as superuser (a salesman may
            # not see costs, yet pricelists use them).
            products = products.sudo()
            prices = {product.id: product.standard_price for product in products}
            currency_field = "cost_currency_id"
        else:
            prices = products._get_feed_sales_prices()
            currency_field = "currency_id"
        # A template's currencies depend on its company only.
        groups = products.product_tmpl_id.grouped("company_id")
        companies_in_currency = {
            company
            for company, templates in groups.items()
            if templates[:1][currency_field] == self.currency_id
        }
        if len(companies_in_currency) == len(groups):
            return prices
        return {
            product.id: prices[product.id]
            for product in products
            if product.product_tmpl_id.company_id in companies_in_currency
        }
