# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class MarketplaceFeedFetch(models.Model):
    _name = "marketplace.feed.fetch"
    _description = "Online Store Feed Fetch"
    _order = "id desc"
    _rec_name = "create_date"

    feed_id = fields.Many2one(
        "marketplace.feed", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="feed_id.company_id", store=True)
    ip_address = fields.Char(string="IP Address")
    user_agent = fields.Char()
    status_code = fields.Integer(string="Status")
    bytes_sent = fields.Integer(string="Bytes")
