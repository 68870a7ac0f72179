# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class MarketplaceFeedTemplateColumn(models.Model):
    _name = "marketplace.feed.template.column"
    _inherit = "marketplace.feed.column.mixin"
    _description = "Online Store Feed Template Column"

    template_id = fields.Many2one(
        "marketplace.feed.template", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="template_id.company_id", store=True)

    @api.constrains("header", "template_id")
    def _check_xml_header(self):
        self.template_id._check_xml_headers()
