# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

FETCH_LOG_DAYS = 90


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
    # Stored for the graph and pivot views. A fetch is logged by one SQL
    # INSERT, which sets it with _get_robot_name(); the ORM computes it for
    # rows it creates (and, once, for the rows present when it is added).
    robot_name = fields.Char(
        string="Robot",
        compute="_compute_robot_name",
        store=True,
        help="The store or tool that fetched the file, when its user agent is "
        "a known one.",
    )
    status_code = fields.Integer(string="Status")
    bytes_sent = fields.Integer(string="Bytes")

    def init(self):
        # A feed's chart, counters and last fetch read its rows by time; the
        # status makes the chart's count an index-only scan.
        tools.create_index(
            self.env.cr,
            "marketplace_feed_fetch_feed_id_create_date_index",
            self._table,
            ["feed_id", "create_date", "status_code"],
        )

    @api.depends("user_agent")
    def _compute_robot_name(self):
        for fetch in self:
            fetch.robot_name = self._get_robot_name(fetch.user_agent)

    @api.model
    def _get_user_agent_names(self):
        """Known user agents: ordered (regular expression, readable name)
        pairs; the first expression found in a user agent (ignoring case)
        names it. Modules add their stores' robots by extending the list."""
        return [
            (r"Google-?Merchant|Storebot-Google", "Google Merchant Center"),
            (r"AdsBot-Google|Googlebot|Feedfetcher-Google", "Google"),
            (r"facebookexternalhit|facebookcatalog|meta-externalagent", "Meta"),
            (r"\bprom(\.ua)?\b", "Prom.ua"),
            (r"rozetka", "Rozetka"),
            (r"hotline", "Hotline.ua"),
            (r"kaspi", "Kaspi.kz"),
            (r"bingbot|BingPreview", "Bing"),
            (r"^curl/", "curl"),
            (r"^Wget/", "Wget"),
            (r"python-requests|python-urllib|aiohttp|httpx", "Python"),
        ]

    @api.model
    def _get_robot_name(self, user_agent):
        """The readable name of ``user_agent``, False when it is unknown.
        Cheap enough to be called for every fetch of a link."""
        if not user_agent:
            return False
        for pattern, name in self._get_user_agent_names():
            if re.search(pattern, user_agent, re.IGNORECASE):
                return name
        return False

    @api.model
    def _log(self, feed, status, size, ip=None, user_agent=None):
        """Record a fetch of ``feed``'s link: one INSERT, as Odoo's ir.logging
        handler writes its rows. A fetch writes nothing else, and the ORM's
        create (defaults, the related company, the public user's company)
        would cost a 304 more than serving it."""
        user_agent = (user_agent or "")[:512]
        # Telemetry: a crash may lose the last fraction of a second of rows,
        # and the fetch does not wait for the log's write to disk. Both
        # statements go to the database at once.
        self.env.cr.execute(
            SQL(
                """
                SET LOCAL synchronous_commit TO OFF;
                INSERT INTO marketplace_feed_fetch (
                    feed_id, company_id, status_code, bytes_sent, ip_address,
                    user_agent, robot_name,
                    create_uid, create_date, write_uid, write_date
                ) VALUES (
                    %s, %s, %s, %s, %s, %s, %s,
                    %s, NOW() AT TIME ZONE 'UTC', %s, NOW() AT TIME ZONE 'UTC'
                )
                """,
                feed.id,
                feed.company_id.id,
                status,
                size,
                ip,
                user_agent,
                self._get_robot_name(user_agent) or None,
                self.env.uid,
                self.env.uid,
            )
        )

    @api.autovacuum
    def _gc_fetch_log(self):
        limit = fields.Datetime.now() - timedelta(days=FETCH_LOG_DAYS)
        self.sudo().search([("create_date", "<", limit)]).unlink()
