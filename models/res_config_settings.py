# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    marketplace_feed_enabled = fields.Boolean(
        related="company_id.marketplace_feed_enabled", readonly=False
    )
    marketplace_feed_plan = fields.Selection(
        related="company_id.marketplace_feed_plan", readonly=False
    )
