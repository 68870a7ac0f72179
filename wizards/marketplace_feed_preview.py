# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class MarketplaceFeedPreview(models.TransientModel):
    """The headers and first rows of a feed's file, computed when the
    preview opens and stored nowhere: rows read with the responsible user's
    rights, shown to feed managers only."""

    _name = "marketplace.feed.preview"
    _description = "Online Store Feed Preview"

    feed_id = fields.Many2one("marketplace.feed", required=True, ondelete="cascade")
    preview_html = fields.Html(string="Preview", compute="_compute_preview_html")

    @api.depends("feed_id")
    def _compute_preview_html(self):
        for preview in self:
            feed = preview.feed_id
            if not feed:
                preview.preview_html = False
                continue
            feed._check_manager_access()
            headers, rows = feed._get_preview_rows()
            preview.preview_html = self.env["ir.qweb"]._render(
                "stock_marketplace_feed.marketplace_feed_preview",
                {
                    "headers": headers,
                    "rows": [
                        [feed._get_preview_text(value) for value in row] for row in rows
                    ],
                },
            )
