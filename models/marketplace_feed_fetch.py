# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import atexit
import logging
import re
import threading
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.modules.registry import Registry
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

FETCH_LOG_DAYS = 90
# The longest a fetch waits in its worker's buffer before its row is written.
FLUSH_SECONDS = 0.5


class FetchLogBuffer:
    """The fetch-log rows of this process not written yet, by database.

    A fetch only appends its row: it neither waits for the log nor writes to
    the database. A timer started by the first row writes the rows that came
    within FLUSH_SECONDS, one INSERT per database in a transaction of its own;
    the process's exit writes the rest (Odoo's workers leave by sys.exit).
    Telemetry: a crash loses the rows of the last FLUSH_SECONDS.
    A database in test mode is written only by ``_flush_log``: the tests'
    flush point, in their own transaction."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rows = {}
        self._timer = None

    def add(self, dbname, row):
        with self._lock:
            self._rows.setdefault(dbname, []).append(row)
            if self._timer is None:
                self._timer = threading.Timer(FLUSH_SECONDS, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def take(self, dbname):
        """The rows of ``dbname``, removed from the buffer."""
        with self._lock:
            return self._rows.pop(dbname, [])

    def flush(self):
        """Write the rows of every database not in test mode."""
        with self._lock:
            self._timer = None
            dbnames = list(self._rows)
        for dbname in dbnames:
            registry = Registry.registries.get(dbname)
            if registry is not None and not registry.in_test_mode():
                rows = self.take(dbname)
                if rows:
                    self._write(registry, rows)

    def _write(self, registry, rows):
        try:
            with registry.cursor() as cr:
                # Telemetry: the commit does not wait for the disk.
                cr.execute("SET LOCAL synchronous_commit TO OFF")
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["marketplace.feed.fetch"]._write_log(rows)
        except Exception:
            _logger.exception("%d fetch log rows were not written", len(rows))


FETCH_LOG_BUFFER = FetchLogBuffer()
atexit.register(FETCH_LOG_BUFFER.flush)


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
        """Record a fetch of ``feed``'s link. The row waits in the worker's
        buffer (``FetchLogBuffer``): a fetch writes nothing to the database,
        and its row is in the table at most FLUSH_SECONDS later, or after
        ``_flush_log``."""
        FETCH_LOG_BUFFER.add(
            self.env.cr.dbname,
            (
                feed.id,
                status,
                size,
                ip,
                (user_agent or "")[:512],
                self.env.uid,
                fields.Datetime.now(),
            ),
        )

    @api.model
    def _flush_log(self):
        """Write the fetches of this database still in the buffer, in this
        transaction (the timer writes them otherwise)."""
        self._write_log(FETCH_LOG_BUFFER.take(self.env.cr.dbname))
        return True

    @api.model
    def _write_log(self, rows):
        """Insert buffered fetch rows (``_log``) in their order: one INSERT,
        as Odoo's ir.logging handler writes its rows (the ORM's create would
        cost more than the fetches). The company is the feed's; the rows of
        a feed deleted since are dropped."""
        if not rows:
            return
        robot_names = {}
        values = []
        for index, (feed_id, status, size, ip, agent, uid, date) in enumerate(rows):
            if agent not in robot_names:
                robot_names[agent] = self._get_robot_name(agent) or None
            values.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s::integer, %s::timestamp)",
                    index,
                    feed_id,
                    status,
                    size,
                    ip,
                    agent,
                    robot_names[agent],
                    uid,
                    date,
                )
            )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO marketplace_feed_fetch (
                    feed_id, company_id, status_code, bytes_sent, ip_address,
                    user_agent, robot_name,
                    create_uid, create_date, write_uid, write_date
                )
                SELECT feed.id, feed.company_id, fetch_row.status,
                       fetch_row.size, fetch_row.ip, fetch_row.agent,
                       fetch_row.robot, fetch_row.uid, fetch_row.fetched,
                       fetch_row.uid, fetch_row.fetched
                  FROM (VALUES %s) AS fetch_row(
                           position, feed_id, status, size, ip, agent, robot,
                           uid, fetched
                       )
                  JOIN marketplace_feed AS feed ON feed.id = fetch_row.feed_id
                 ORDER BY fetch_row.position
                """,
                SQL(", ").join(values),
            )
        )

    @api.autovacuum
    def _gc_fetch_log(self):
        limit = fields.Datetime.now() - timedelta(days=FETCH_LOG_DAYS)
        self.sudo().search([("create_date", "<", limit)]).unlink()
