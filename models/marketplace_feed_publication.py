# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Publication of a feed: its secret link, the file the link serves, and
when a new file is due. A fetch never generates: it serves the published
file and, when that is out of date, queues a generation for the
background job (``marketplace.feed.file``)."""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import quote

import psycopg2

from odoo import api, fields, models, tools
from odoo.tools import SQL

MAX_RECORD_ID = 2**31 - 1  # PostgreSQL's integer
IMAGE_SIGNATURE_BYTES = 16  # of the HMAC-SHA256 in an image link (128 bits)
# What a fetch of the link reads of the feed.
LINK_FIELDS = [
    "access_token",
    "enabled",
    "company_id",
    "file_name",
    "file_type",
    "refresh_interval",
    "config_version",
]
# What serving the link reads of the feed's company and, for the file's
# stream, of its attachment (ir.attachment._to_http_stream) when stored in
# the filestore.
LINK_COMPANY_FIELDS = ["marketplace_feed_enabled", "marketplace_feed_plan"]
LINK_ATTACHMENT_FIELDS = ["name", "mimetype", "checksum", "public", "store_fname"]
# What an image link's check reads of the feed.
IMAGE_LINK_FIELDS = [
    "image_secret",
    "enabled",
    "company_id",
    "user_id",
    "lang",
    "product_domain",
]
FILE_STATES = [
    ("none", "No file yet"),
    ("up_to_date", "Up to date"),
    ("stale", "Out of date"),
    ("queued", "Queued"),
    ("running", "Generating"),
    ("failed", "Failed"),
]


class MarketplaceFeed(models.Model):
    _inherit = "marketplace.feed"

    access_token = fields.Char(
        default=lambda self: secrets.token_urlsafe(32),
        required=True,
        copy=False,
        readonly=True,
        groups="stock.group_stock_manager",
    )
    image_secret = fields.Char(
        default=lambda self: secrets.token_urlsafe(32),
        required=True,
        copy=False,
        readonly=True,
        groups="stock.group_stock_manager",
        help="Signs the file's image links; the file's link does not open them.",
    )
    public_url = fields.Char(
        string="Link",
        compute="_compute_public_url",
        groups="stock.group_stock_manager",
    )
    file_id = fields.Many2one(
        "marketplace.feed.file",
        string="Published File",
        compute="_compute_file_ids",
        help="The file the link serves: the last one generated successfully.",
    )
    generation_id = fields.Many2one(
        "marketplace.feed.file",
        compute="_compute_file_ids",
        help="The generation queued or running.",
    )
    last_file_id = fields.Many2one(
        "marketplace.feed.file", string="Last Generation", compute="_compute_file_ids"
    )
    file_date = fields.Datetime(string="Last Generated", compute="_compute_file_ids")
    file_state = fields.Selection(
        FILE_STATES,
        string="File",
        compute="_compute_file_ids",
        search="_search_file_state",
    )
    generation_error = fields.Text(compute="_compute_file_ids")
    # The running generation's progress and the last one's report.
    generation_progress = fields.Float(compute="_compute_file_ids")
    generation_products_done = fields.Integer(compute="_compute_file_ids")
    generation_products_total = fields.Integer(compute="_compute_file_ids")
    generation_duration = fields.Float(compute="_compute_file_ids")
    generation_remaining_time = fields.Float(compute="_compute_file_ids")
    last_file_finished_date = fields.Datetime(compute="_compute_file_ids")
    last_file_duration = fields.Float(compute="_compute_file_ids")
    last_file_rows_written = fields.Integer(compute="_compute_file_ids")
    last_file_rows_skipped = fields.Integer(compute="_compute_file_ids")
    last_file_report = fields.Text(compute="_compute_file_ids")

    _sql_constraints = [
        ("access_token_unique", "unique(access_token)", "The link must be unique."),
    ]

    @api.depends("access_token", "full_file_name")
    def _compute_public_url(self):
        for feed in self:
            feed.public_url = feed.id and (
                f"{feed.get_base_url()}/marketplace-feed/{feed._get_public_slug()}/"
                f"{quote(feed.full_file_name)}"
            )

    @api.depends("file_ids.state", "config_version", "refresh_interval")
    @api.depends_context("lang")  # the last file's report, in the reader's language
    def _compute_file_ids(self):
        file_model = self.env["marketplace.feed.file"].sudo()
        latest = {}  # feed id: {state: the feed's latest file in that state}
        for file in file_model.search([("feed_id", "in", self.ids)], order="id desc"):
            latest.setdefault(file.feed_id.id, {}).setdefault(file.state, file)
        for feed in self:
            files = latest.get(feed.id, {})
            published = files.get("done", file_model)
            running = files.get("running") or files.get("queued") or file_model
            last = max(
                (files.get("done", file_model), files.get("failed", file_model)),
                key=lambda file: file.id or 0,
            )
            feed.file_id = published
            feed.file_date = published.finished_date
            feed.generation_id = running
            feed.generation_progress = running.progress
            feed.generation_products_done = running.products_done
            feed.generation_products_total = running.products_total
            feed.generation_duration = running.duration
            feed.generation_remaining_time = running.remaining_time
            feed.last_file_id = last
            feed.last_file_finished_date = last.finished_date
            feed.last_file_duration = last.duration
            feed.last_file_rows_written = last.rows_written
            feed.last_file_rows_skipped = last.rows_skipped
            feed.last_file_report = last.report
            feed.generation_error = last.state == "failed" and last.error
            if running:
                feed.file_state = running.state
            elif last.state == "failed":
                feed.file_state = "failed"
            elif not published:
                feed.file_state = "none"
            else:
                feed.file_state = (
                    "stale" if feed._is_file_stale(published) else "up_to_date"
                )

    def _search_file_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise NotImplementedError(operator)
        states = {value} if isinstance(value, str) else set(value)
        # All feeds (a company has a few): their state is computed, not stored.
        feeds = self.search([])  # pylint: disable=no-search-all
        matching = feeds.filtered(lambda feed: feed.file_state in states)
        positive = operator in ("=", "in")
        return [("id", "in" if positive else "not in", matching.ids)]

    # Link

    def action_regenerate_token(self):
        self.ensure_one()
        self.access_token = secrets.token_urlsafe(32)
        self.message_post(
            body=self.env._(
                "The link was replaced: the previous link no longer works. "
                "The image links in the file stay the same."
            )
        )
        return True

    def action_regenerate_image_links(self):
        """Replace the secret of the image links: the links the stores hold
        stop working; the file is generated again with new ones."""
        self.ensure_one()
        self.image_secret = secrets.token_urlsafe(32)
        self._bump_config_version()
        self._queue_generation(force=True)
        self.message_post(
            body=self.env._(
                "The image links were replaced: the previous ones no longer work, "
                "and the file is being generated again with the new ones."
            )
        )
        return True

    def _get_public_slug(self):
        self.ensure_one()
        return f"{self.id}-{self.access_token}"

    @api.model
    def _get_link(self, slug):
        """The feed whose link carries ``slug`` and its published file:
        (feed, file), both empty when the slug opens nothing.

        The id locates the record; the secret is compared in constant time.
        One query reads what serving the link reads (``_read_link``).
        """
        feed_id, _sep, token = (slug or "").partition("-")
        feed_id = self._parse_record_id(feed_id)
        nothing = self.browse(), self.env["marketplace.feed.file"]
        if not feed_id or not token:
            return nothing
        feed, file = self._read_link(feed_id)
        if not feed or not tools.consteq(
            feed.access_token.encode(), token.encode("utf-8", "replace")
        ):
            return nothing
        return feed, file

    @api.model
    def _read_link(self, feed_id):
        """Feed ``feed_id`` and its published file (as superuser; an archived
        feed is none), read by one query (``_get_link_query``) with all that
        serving the link reads of them. The values go to the ORM's cache as
        ``fetch`` puts them (never over a value there): serving them reads
        the database no more. Returns (feed, file), empty when not found."""
        query, reads = self._get_link_query(feed_id)
        rows = self.env.execute_query(query)
        found = [self.env[model].sudo().browse() for model, _names in reads]
        if rows:
            values = iter(rows[0])
            for index, (_model, names) in enumerate(reads):
                record_id, *record_values = (next(values) for _name in names)
                if not record_id:
                    continue
                record = found[index] = found[index].browse(record_id)
                for name, value in zip(names[1:], record_values, strict=True):
                    self.env.cache.insert_missing(record, record._fields[name], [value])
        return found[0], found[-1]

    @api.model
    @tools.ormcache("feed_id")
    def _get_link_query(self, feed_id):
        """The query of ``_read_link``, the same for every fetch of the feed
        (built once per worker): (SQL, ((model, field names), ...)), the row
        holding, in that order, each model's record id and values. The
        feed's ``LINK_FIELDS``, its company's switches, its published file's
        serving fields and, for the file and its gzip copy, what their
        stream reads of the attachment; the published file, the last one
        done, is a subquery of one row."""
        feeds = self.sudo()
        files = self.env["marketplace.feed.file"].sudo()
        companies = self.env["res.company"].sudo()
        attachments = self.env["ir.attachment"].sudo()
        query = feeds._search([("id", "=", feed_id)])
        company = query.make_alias(query.table, "company_id")
        query.add_join(
            "JOIN",
            company,
            companies._table,
            SQL(
                "%s = %s",
                SQL.identifier(company, "id"),
                feeds._field_to_sql(query.table, "company_id", query),
            ),
        )
        file_names = ["id", *files._get_serving_fields()]
        published = files._search(
            [("feed_id", "=", feed_id), ("state", "=", "done")],
            order="id desc",
            limit=1,
        )
        file = query.make_alias(query.table, "published_file")
        query.add_join(
            "LEFT JOIN",
            file,
            SQL(
                "(%s)",
                published.select(
                    *(
                        SQL(
                            "%s AS %s",
                            files._field_to_sql(published.table, name, published),
                            SQL.identifier(name),
                        )
                        for name in file_names
                    )
                ),
            ),
            SQL("TRUE"),
        )
        reads = [
            (feeds, query.table, ["id", *LINK_FIELDS]),
            (companies, company, ["id", *LINK_COMPANY_FIELDS]),
        ]
        for name in ("attachment_id", "gzip_attachment_id"):
            attachment = query.make_alias(file, name)
            query.add_join(
                "LEFT JOIN",
                attachment,
                attachments._table,
                SQL(
                    "%s = %s",
                    SQL.identifier(attachment, "id"),
                    SQL.identifier(file, name),
                ),
            )
            reads.append((attachments, attachment, ["id", *LINK_ATTACHMENT_FIELDS]))
        terms = [
            model._field_to_sql(alias, name, query)
            for model, alias, names in reads
            for name in names
        ]
        terms += [SQL.identifier(file, name) for name in file_names]
        reads.append((files, file, file_names))
        return query.select(*terms), tuple(
            (model._name, tuple(names)) for model, _alias, names in reads
        )

    @api.model
    def _parse_record_id(self, text):
        """The record id ``text`` writes (ASCII digits, within PostgreSQL's
        integer), or None."""
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_RECORD_ID:
            return None
        return int(text)

    @api.model
    def _get_by_image_link(self, feed_id, product_id, checksum, signature):
        """The feed whose image link is ``feed_id/product_id/checksum/
        signature`` (texts of the link), or an empty recordset. The
        signature is compared in constant time."""
        feed_id = self._parse_record_id(feed_id)
        product_id = self._parse_record_id(product_id)
        if not feed_id or not product_id:
            return self.browse()
        feed = self.sudo().search_fetch([("id", "=", feed_id)], IMAGE_LINK_FIELDS)
        if not feed or not tools.consteq(
            feed._get_image_signer()(product_id, checksum).encode(),
            signature.encode("utf-8", "replace"),
        ):
            return self.browse()
        return feed

    def _get_image_signer(self):
        """The function signing this feed's image links: (product id, image
        checksum) -> the link's signature, an HMAC-SHA256 keyed by the feed's
        image secret (read once), cut to 128 bits, URL-safe base64."""
        self.ensure_one()
        key = hmac.new(self.sudo().image_secret.encode(), digestmod=hashlib.sha256)
        feed_id = self.id

        def sign(product_id, checksum):
            mac = key.copy()
            mac.update(f"{feed_id}/{product_id}/{checksum}".encode())
            digest = mac.digest()[:IMAGE_SIGNATURE_BYTES]
            return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

        return sign

    def _is_published(self):
        self.ensure_one()
        company = self.company_id
        if not (self.enabled and company._marketplace_feed_is_available()):
            return False
        covered_ids = company._marketplace_feed_covered_ids()
        return covered_ids is None or self.id in covered_ids

    # The published file

    def _get_published_file(self):
        """The last file generated successfully (what the link serves)."""
        self.ensure_one()
        return (
            self.env["marketplace.feed.file"]
            .sudo()
            .search_fetch(
                [("feed_id", "=", self.id), ("state", "=", "done")],
                self.env["marketplace.feed.file"]._get_serving_fields(),
                limit=1,
            )
        )

    def _get_file_to_serve(self, published=None):
        """The file the link serves now: the published one (``published``
        when found already, ``_get_link``), if it has the link's current
        name (a changed name answers 503 until its first file exists).
        Queues a generation when it is missing or out of date; the fetch is
        never kept waiting for it."""
        self.ensure_one()
        file = self._get_published_file() if published is None else published
        if not file or self._is_file_stale(file):
            self._queue_generation()
        return file if file.file_name == self.full_file_name else file.browse()

    def _is_file_stale(self, file):
        """Whether ``file`` (generated or failed) is out of date: the settings
        or the server's address changed since, or it is older than the
        refresh interval."""
        self.ensure_one()
        return (
            file.config_version != self.config_version
            or file.base_url != self.get_base_url()
            or file.finished_date + timedelta(minutes=self.refresh_interval)
            <= fields.Datetime.now()
        )

    def _queue_generation(self, force=False):
        """Queue a generation of each feed that has none queued or running,
        and wake the background job. Unless ``force``, a feed whose last
        generation failed waits for its refresh interval (or a change of its
        settings) before the next one."""
        file_model = self.env["marketplace.feed.file"].sudo()
        queued = file_model
        for feed in self:
            files = file_model.search([("feed_id", "=", feed.id)], limit=1)
            if files.state in ("queued", "running"):
                continue
            if not force and files.state == "failed" and not feed._is_file_stale(files):
                continue
            try:
                # Two fetches may queue at once: one generation is queued,
                # the other one's insert is refused by the unique index.
                with self.env.cr.savepoint():
                    queued |= file_model.create({"feed_id": feed.id})
            except (psycopg2.IntegrityError, psycopg2.errors.SerializationFailure):
                continue
        if queued:
            # Once: the fetches made while a generation runs write nothing.
            file_model._trigger_job()
        return True

    @api.model
    def _cron_queue_stale_feeds(self):
        """Queue the published feeds whose file is missing or out of date."""
        for feed in self.search([("enabled", "=", True)]):
            if not feed._is_published():
                continue
            published = feed._get_published_file()
            if not published or feed._is_file_stale(published):
                feed._queue_generation()
