# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class MarketplaceFeedSampleWizardSheet(models.TransientModel):
    _name = "marketplace.feed.sample.wizard.sheet"
    _description = "Sheet of a Sample File"

    wizard_id = fields.Many2one(
        "marketplace.feed.sample.wizard", required=True, ondelete="cascade"
    )
    name = fields.Char(required=True)
