# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class MarketplaceFeedTemplate(models.Model):
    """A known store's file format: settings and columns a feed starts from."""

    _name = "marketplace.feed.template"
    _inherit = "marketplace.feed.settings.mixin"
    _description = "Online Store Feed Template"
    _order = "sequence, name, id"

    name = fields.Char(required=True)
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        index=True,
        help="The company whose feeds may use this template; empty: every "
        "company's (the templates that come with the add-on).",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    store_url = fields.Char(string="Store URL")
    note = fields.Text(string="About the Format")
    column_ids = fields.One2many(
        "marketplace.feed.template.column", "template_id", string="Columns", copy=True
    )

    def _get_feed_values(self):
        """Values that give a feed this template's settings and add its
        columns."""
        self.ensure_one()
        values = self._get_settings_values()
        values["column_ids"] = [
            (0, 0, column._get_definition_values()) for column in self.column_ids
        ]
        return values
