# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import fields, models

from .product_product import FEED_SALES_PRICE_FIELDS

# What the feed's pricelist prices read of each variant (_get_feed_prices).
FEED_PRICE_FIELDS = (
    "product_tmpl_id",
    "categ_id",
    "company_id",
    *FEED_SALES_PRICE_FIELDS,
)


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    def _get_feed_prices(self, products, values=None, memo=None):
        """Each variant's price for quantity 1 in its own unit, the prices
        ``_get_products_price(products, 1.0)`` gives: {product id: float}.

        ``values``: the variants' ``FEED_PRICE_FIELDS`` when read already
        (``_read_feed_values``). ``memo``: a dict the caller keeps from batch
        to batch of one generation, for what holds for all of them (the
        rules that may apply, the companies whose prices are in the
        pricelist's currency).

        Odoo prices product by product, reading each variant's price again
        per rule. Here the rules are matched by Odoo
        (``_is_applicable_for``), and the variants whose rule is fixed, or
        derives from the sales price or the cost in the pricelist's currency,
        are priced from base prices read for the whole batch at once. Any
        other variant goes through ``_get_products_price``.
        """
        self.ensure_one()
        if values is None:
            values = products._read_feed_values(FEED_PRICE_FIELDS)
        memo = {} if memo is None else memo
        prices, left = {}, []
        bases = {}  # base price kind: {product id: price}, read when needed
        for rule, product_ids in self._get_feed_rules(products, values, memo).items():
            base = rule._get_feed_base()
            if base in ("list_price", "standard_price") and base not in bases:
                bases[base] = self._get_feed_base_prices(products, base, values, memo)
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

    def _get_feed_candidate_rules(self):
        """The rules of the pricelist valid now, in the order Odoo tries
        them: the rules ``_get_applicable_rules`` finds for any products, the
        rest of its domain (the products' categories, templates and
        variants) being what ``_is_applicable_for`` checks of each product.
        Found once for all the batches of a generation."""
        now = fields.Datetime.now()
        rules = (
            self.env["product.pricelist.item"]
            .with_context(active_test=False)
            .search(
                [
                    ("pricelist_id", "=", self.id),
                    "|",
                    ("date_start", "=", False),
                    ("date_start", "<=", now),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", now),
                ]
            )
        )
        return rules.with_env(self.env)

    def _get_feed_rules(self, products, values, memo=None):
        """The variants of each rule that applies first to them, for
        quantity 1: {rule or empty recordset: [product id, ...]}.
        ``values``: the variants' ``FEED_PRICE_FIELDS``; ``memo``: see
        ``_get_feed_prices``."""
        memo = {} if memo is None else memo
        if "rules" not in memo:
            rules = self._get_feed_candidate_rules()
            # A rule on a category or on all products applies alike to every
            # product of a category, a rule on a template to its variants:
            # the first rule is matched once per category, or per template a
            # rule names, or for each variant of a template whose variant a
            # rule names; the match is kept for the generation's batches.
            memo["rules"] = rules.ids
            memo["per_variant"] = set(
                rules.filtered(
                    lambda rule: rule.applied_on == "0_product_variant"
                ).product_id.product_tmpl_id.ids
            )
            memo["per_template"] = set(
                rules.filtered(
                    lambda rule: rule.applied_on == "1_product"
                ).product_tmpl_id.ids
            )
            memo["matched"] = {}  # category id or ("template", id): rule id
        rules = self.env["product.pricelist.item"].browse(memo["rules"])
        per_variant, per_template = memo["per_variant"], memo["per_template"]
        matched = memo["matched"]
        # A variant's record made only to match the rules, reading only the
        # fields a rule reads.
        products = products.with_context(prefetch_fields=False)
        products_by_rule = defaultdict(list)
        for product_id, template_id, categ_id in zip(
            products._ids, values["product_tmpl_id"], values["categ_id"], strict=True
        ):
            key = None
            if template_id in per_template:
                key = ("template", template_id)
            elif template_id not in per_variant:
                key = categ_id
            rule_id = matched.get(key)
            if rule_id is None:
                product = products.browse(product_id).with_prefetch(products._ids)
                rule_id = next(
                    (
                        rule.id
                        for rule in rules
                        if rule._is_applicable_for(product, 1.0)
                    ),
                    False,
                )
                if key is not None:
                    matched[key] = rule_id
            products_by_rule[rule_id].append(product_id)
        return {
            rules.browse(rule_id): product_ids
            for rule_id, product_ids in products_by_rule.items()
        }

    def _get_feed_base_prices(self, products, base, values, memo=None):
        """The ``base`` price ("list_price" or "standard_price") of the
        variants whose price is in the pricelist's currency: {id: float}.
        ``values``: the variants' ``FEED_PRICE_FIELDS``; ``memo``: see
        ``_get_feed_prices``."""
        if base == "standard_price":
            # As _price_compute: the cost read as superuser (a salesman may
            # not see costs, yet pricelists use them).
            costs = products.sudo()._read_feed_values(["standard_price"])
            prices = {
                product_id: cost or 0.0
                for product_id, cost in zip(
                    products._ids, costs["standard_price"], strict=True
                )
            }
            currency_field = "cost_currency_id"
        else:
            prices = products._get_feed_sales_prices(values)
            currency_field = "currency_id"
        # A template's currencies depend on its company only: one template
        # of each company tells them.
        memo = {} if memo is None else memo
        in_currency = memo.setdefault(("in_currency", currency_field), {})
        for company_id, template_id in dict(
            zip(values["company_id"], values["product_tmpl_id"], strict=True)
        ).items():
            if company_id not in in_currency:
                template = self.env["product.template"].browse(template_id)
                in_currency[company_id] = template[currency_field] == self.currency_id
        if all(in_currency[company_id] for company_id in set(values["company_id"])):
            return prices
        return {
            product_id: prices[product_id]
            for product_id, company_id in zip(
                products._ids, values["company_id"], strict=True
            )
            if in_currency[company_id]
        }
