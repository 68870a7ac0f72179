# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.tools import float_round


class ProductPricelistItem(models.Model):
    _inherit = "product.pricelist.item"

    def _get_feed_base(self):
        """What the rule's price derives from, for pricing a feed's batch at
        once: "list_price" (also without a rule), "standard_price", "fixed",
        or None when Odoo must price the products one by one (a rule based on
        another pricelist, or a kind of rule added by another module)."""
        if not self:
            return "list_price"
        self.ensure_one()
        if self.compute_price == "fixed":
            return "fixed"
        if self.compute_price in ("percentage", "formula") and self.base in (
            "list_price",
            "standard_price",
        ):
            return self.base
        return None

    def _get_feed_price_function(self):
        """The rule's price as a function of the base price (in the
        pricelist's currency and the product's unit): the arithmetic of
        ``_compute_price``, with the rule's values read once."""
        if not self:
            return lambda base_price: base_price
        self.ensure_one()
        if self.compute_price == "fixed":
            fixed_price = self.fixed_price
            return lambda base_price: fixed_price
        if self.compute_price == "percentage":
            percent = self.percent_price
            return lambda base_price: (
                (base_price - (base_price * (percent / 100))) or 0.0
            )
        discount, rounding = self.price_discount, self.price_round
        surcharge = self.price_surcharge
        min_margin, max_margin = self.price_min_margin, self.price_max_margin

        def formula(base_price):
            price = (base_price - (base_price * (discount / 100))) or 0.0
            if rounding:
                price = float_round(price, precision_rounding=rounding)
            if surcharge:
                price += surcharge
            if min_margin:
                price = max(price, base_price + min_margin)
            if max_margin:
                price = min(price, base_price + max_margin)
            return price

        return formula
