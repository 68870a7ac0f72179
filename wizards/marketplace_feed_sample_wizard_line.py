# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class MarketplaceFeedSampleWizardLine(models.TransientModel):
    """A column suggested for a header of the sample file."""

    _name = "marketplace.feed.sample.wizard.line"
    _inherit = "marketplace.feed.column.mixin"
    _description = "Column Suggested by a Sample File"

    wizard_id = fields.Many2one(
        "marketplace.feed.sample.wizard", required=True, ondelete="cascade"
    )
    # A wizard never keeps a pricelist from being deleted.
    pricelist_id = fields.Many2one(ondelete="set null")
    confidence = fields.Selection(
        [
            ("high", "High"),
            ("medium", "Medium"),
            ("low", "Low"),
            ("none", "Unknown"),
        ],
        readonly=True,
        help="High: a known header. Medium: a header starting with a known "
        "name. Low: guessed from the sample's first rows. Unknown: not "
        "recognised.",
    )
    note = fields.Char(string="To Check", readonly=True)
