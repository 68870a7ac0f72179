# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import ast
import gzip
import logging
import secrets
import tempfile
import time
from datetime import timedelta
from urllib.parse import quote

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, split_every

from ..writers import CONTENT_TYPES, FeedOptions, FeedTooLargeError, ProcessWriter
from ..writers.formatting import to_text

_logger = logging.getLogger(__name__)

DELIMITERS = {"comma": ",", "semicolon": ";", "pipe": "|", "tab": "\t"}
HTTP_CHARSETS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1251": "windows-1251"}
# First key of the advisory lock that lets one generation per feed run at a time.
GENERATION_LOCK = 0x6D66  # "mf"
BATCH_SIZE = 1000
FETCH_LOG_DAYS = 90
PREVIEW_ROWS = 20
MISSING_LISTED = 50
MAX_RECORD_ID = 2**31 - 1  # PostgreSQL's integer
# The fields a fetch of the link reads (token, publication, file, staleness).
LINK_FIELDS = [
    "access_token",
    "enabled",
    "company_id",
    "file_name",
    "file_type",
    "csv_encoding",
    "attachment_id",
    "gzip_attachment_id",
    "file_date",
    "generation_date",
    "refresh_interval",
    "needs_regeneration",
]


class MarketplaceFeed(models.Model):
    _name = "marketplace.feed"
    _description = "Online Store Feed File"
    _inherit = ["mail.thread", "marketplace.feed.settings.mixin"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(string="Store", required=True, tracking=True)
    store_url = fields.Char(string="Store URL", tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('company_ids', 'in', company_id), ('share', '=', False)]",
        help="The file is generated with this user's access rights.",
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Warehouses",
        check_company=True,
        tracking=True,
        help="The file's quantities are the stock of these warehouses together.",
    )
    location_ids = fields.Many2many(
        "stock.location",
        string="Locations",
        check_company=True,
        tracking=True,
        domain="[('usage', '=', 'internal'), ('warehouse_id', 'in', warehouse_ids)]",
        help="Only count the stock of these locations (and their children). "
        "Leave empty to count all internal locations of the warehouses.",
    )
    quantity_kind = fields.Selection(
        [
            ("available", "Available (on hand minus reserved)"),
            ("on_hand", "On hand"),
            ("forecast", "Forecast"),
        ],
        string="Quantity",
        default="available",
        required=True,
        tracking=True,
    )
    # File settings come from marketplace.feed.settings.mixin; tracked here.
    include_zero_stock = fields.Boolean(tracking=True)
    file_type = fields.Selection(tracking=True)
    csv_delimiter = fields.Selection(tracking=True)
    csv_encoding = fields.Selection(tracking=True)
    decimal_comma = fields.Boolean(tracking=True)
    file_name = fields.Char(tracking=True)
    sheet_name = fields.Char(tracking=True)
    header_row = fields.Integer(tracking=True)
    product_domain = fields.Char(
        string="Products",
        default="[]",
        tracking=True,
        help="Only the storable variants matching this filter go into the file.",
    )
    lang = fields.Selection(
        selection="_get_lang_selection",
        string="Language",
        default=lambda self: self.env.company.partner_id.lang or self.env.lang,
        help="Language of translatable product texts in the file.",
    )
    refresh_interval = fields.Integer(
        string="Refresh Interval (minutes)",
        default=15,
        required=True,
        tracking=True,
        help="A fetch serves the stored file while it is younger than this; "
        "otherwise the file is generated again first.",
    )
    enabled = fields.Boolean(string="File Upload Enabled", tracking=True, copy=False)
    column_ids = fields.One2many(
        "marketplace.feed.column", "feed_id", string="Columns", copy=True
    )
    state = fields.Selection(
        [
            ("disabled", "Disabled"),
            ("enabled", "Enabled"),
            ("integration_off", "Integration off"),
        ],
        string="Status",
        compute="_compute_state",
    )
    integration_enabled = fields.Boolean(
        related="company_id.marketplace_feed_enabled", string="Integration Enabled"
    )
    access_token = fields.Char(
        default=lambda self: secrets.token_urlsafe(32),
        required=True,
        copy=False,
        readonly=True,
        groups="stock.group_stock_manager",
    )
    public_url = fields.Char(
        string="Link",
        compute="_compute_public_url",
        groups="stock.group_stock_manager",
    )
    # The last good file, served by the link.
    attachment_id = fields.Many2one("ir.attachment", copy=False, readonly=True)
    gzip_attachment_id = fields.Many2one("ir.attachment", copy=False, readonly=True)
    file_date = fields.Datetime(string="Last Generated", copy=False, readonly=True)
    needs_regeneration = fields.Boolean(default=True, copy=False, readonly=True)
    # The last generation attempt.
    generation_date = fields.Datetime(copy=False, readonly=True)
    generation_duration = fields.Float(
        string="Duration (s)", digits=(16, 2), copy=False, readonly=True
    )
    rows_written = fields.Integer(copy=False, readonly=True)
    rows_skipped = fields.Integer(copy=False, readonly=True)
    generation_report = fields.Text(copy=False, readonly=True)
    generation_error = fields.Text(copy=False, readonly=True)
    template_id = fields.Many2one(
        "marketplace.feed.template",
        help="A known store's format: applying it sets the file settings and columns.",
    )
    preview_html = fields.Html(
        string="Preview", sanitize=True, copy=False, readonly=True
    )
    fetch_ids = fields.One2many("marketplace.feed.fetch", "feed_id", string="Fetches")
    fetch_count = fields.Integer(compute="_compute_fetch_stats")
    last_fetch_date = fields.Datetime(compute="_compute_fetch_stats")

    _sql_constraints = [
        ("access_token_unique", "unique(access_token)", "The link must be unique."),
        (
            "refresh_interval_positive",
            "check(refresh_interval >= 1)",
            "The refresh interval is at least one minute.",
        ),
    ]

    @api.model
    def _get_lang_selection(self):
        return self.env["res.lang"].get_installed()

    @api.depends(
        "enabled",
        "company_id.marketplace_feed_enabled",
        "company_id.marketplace_feed_plan",
    )
    def _compute_state(self):
        for feed in self:
            if not feed.company_id._marketplace_feed_is_available():
                feed.state = "integration_off"
            else:
                feed.state = "enabled" if feed.enabled else "disabled"

    @api.depends("access_token", "full_file_name")
    def _compute_public_url(self):
        for feed in self:
            feed.public_url = feed.id and (
                f"{feed.get_base_url()}/marketplace-feed/{feed._get_public_slug()}/"
                f"{quote(feed.full_file_name)}"
            )

    def _compute_fetch_stats(self):
        groups = self.env["marketplace.feed.fetch"]._read_group(
            [("feed_id", "in", self.ids)],
            ["feed_id"],
            ["__count", "create_date:max"],
        )
        stats = {feed.id: (count, last) for feed, count, last in groups}
        for feed in self:
            feed.fetch_count, feed.last_fetch_date = stats.get(feed.id, (0, False))

    # Validation

    @api.constrains("warehouse_ids")
    def _check_warehouse_ids(self):
        for feed in self:
            if not feed.warehouse_ids:
                raise ValidationError(
                    _("Feed %(feed)s: choose at least one warehouse.", feed=feed.name)
                )

    @api.constrains("location_ids", "warehouse_ids")
    def _check_location_ids(self):
        for feed in self:
            foreign = feed.location_ids.filtered(
                lambda loc, feed=feed: loc.warehouse_id not in feed.warehouse_ids
            )
            if foreign:
                raise ValidationError(
                    _(
                        "Locations: %(locations)s do not belong to the feed's "
                        "warehouses.",
                        locations=", ".join(foreign.mapped("complete_name")),
                    )
                )

    @api.constrains("user_id", "company_id")
    def _check_user_id(self):
        for feed in self:
            if feed.user_id.share or feed.company_id not in feed.user_id.company_ids:
                raise ValidationError(
                    _(
                        "Responsible: %(user)s has no access to %(company)s.",
                        user=feed.user_id.name,
                        company=feed.company_id.name,
                    )
                )

    @api.constrains("product_domain")
    def _check_product_domain(self):
        for feed in self:
            try:
                domain = ast.literal_eval(feed.product_domain or "[]")
                self.env["product.product"].search_count(domain, limit=1)
            except (ValueError, SyntaxError, TypeError, KeyError) as error:
                raise ValidationError(
                    _("Products: the filter is not valid (%(error)s).", error=error)
                ) from error

    @api.constrains("enabled", "column_ids")
    def _check_enabled_columns(self):
        for feed in self:
            if feed.enabled and not feed.column_ids:
                raise ValidationError(
                    _(
                        "File upload enabled: add at least one column to %(feed)s "
                        "before enabling it.",
                        feed=feed.name,
                    )
                )

    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        feeds = super().create(vals_list)
        feeds.company_id._marketplace_feed_check_plan(creating=True)
        return feeds

    def write(self, vals):
        if set(vals) & self._get_file_config_fields():
            vals = dict(vals, needs_regeneration=True)
        res = super().write(vals)
        if "company_id" in vals or vals.get("enabled"):
            self.company_id._marketplace_feed_check_plan(
                enabling=bool(vals.get("enabled")), creating="company_id" in vals
            )
        return res

    @api.model
    def _get_file_config_fields(self):
        """Fields whose change makes the stored file outdated."""
        return set(self._get_settings_fields()) | {
            "warehouse_ids",
            "location_ids",
            "quantity_kind",
            "lang",
            "product_domain",
            "user_id",
            "company_id",
            "column_ids",
        }

    # Actions

    def action_regenerate_token(self):
        self.ensure_one()
        self.access_token = secrets.token_urlsafe(32)
        self.message_post(
            body=_("The link was replaced: the previous link no longer works.")
        )

    def action_generate(self):
        """Generate the file now, as a marketplace fetch would when it is stale."""
        self.ensure_one()
        self._regenerate_in_transaction()
        if self.generation_error:
            raise UserError(self.generation_error)

    def action_apply_template(self):
        self.ensure_one()
        previous_columns = self.column_ids
        self.write(self.template_id._get_feed_values())
        # Then the old columns go: an enabled file is never left without any.
        previous_columns.unlink()
        self.message_post(
            body=_("Template %(template)s applied.", template=self.template_id.name)
        )

    def action_save_as_template(self):
        """Copy this feed's settings and columns into a new template."""
        self.ensure_one()
        template = self.env["marketplace.feed.template"].create(
            {
                "name": self.name,
                "store_url": self.store_url,
                **self._get_settings_values(),
                "column_ids": [
                    (0, 0, column._get_definition_values())
                    for column in self.column_ids
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": template._name,
            "res_id": template.id,
            "view_mode": "form",
        }

    def action_preview(self):
        """Show the headers and first rows of the file in the form."""
        self.ensure_one()
        headers, rows = self._get_preview_rows()
        self.preview_html = self.env["ir.qweb"]._render(
            "stock_marketplace_feed.marketplace_feed_preview",
            {
                "headers": headers,
                "rows": [
                    [to_text(value, self.decimal_comma) for value in row]
                    for row in rows
                ],
            },
        )

    def action_download(self):
        """Download the file as it is generated now, for the current user only."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/marketplace-feed/download/{self.id}",
            "target": "self",
        }

    def action_view_fetches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_marketplace_feed.marketplace_feed_fetch_action"
        )
        action["domain"] = [("feed_id", "=", self.id)]
        return action

    # Public link

    def _get_public_slug(self):
        self.ensure_one()
        return f"{self.id}-{self.access_token}"

    @api.model
    def _get_by_public_slug(self, slug):
        """Return the feed whose link carries ``slug``, or an empty recordset.

        The id locates the record; the secret is compared in constant time.
        """
        feed_id, _sep, token = (slug or "").partition("-")
        if not (feed_id.isascii() and feed_id.isdigit()) or not token:
            return self.browse()
        feed_id = int(feed_id)
        if feed_id > MAX_RECORD_ID:
            return self.browse()
        # One query for the record and what serving the link reads of it.
        feed = self.sudo().search_fetch([("id", "=", feed_id)], LINK_FIELDS)
        if not feed or not tools.consteq(
            feed.access_token.encode(), token.encode("utf-8", "replace")
        ):
            return self.browse()
        return feed

    def _is_published(self):
        self.ensure_one()
        return self.enabled and self.company_id._marketplace_feed_is_available()

    def _is_stale(self):
        self.ensure_one()
        if not self.attachment_id or self.needs_regeneration:
            return True
        last_attempt = self.generation_date or self.file_date
        return last_attempt + timedelta(minutes=self.refresh_interval) <= (
            fields.Datetime.now()
        )

    def _get_file_stream(self, accept_gzip=False):
        """The stream the link serves, and whether it is the gzip-encoded copy
        (served to clients that accept it, for formats that have one).

        Regenerates the file first when it is stale. Returns (None, False)
        when no good file exists.
        """
        self.ensure_one()
        if self._is_stale():
            served = self._regenerate(get_stream=True, accept_gzip=accept_gzip)
            if served:
                return served
        return self._get_stored_stream(accept_gzip)

    def _has_gzip_copy(self):
        """Whether the file is also stored gzip-encoded (text formats)."""
        self.ensure_one()
        return self.file_type == "csv"

    def _get_content_type(self):
        self.ensure_one()
        if self.file_type == "csv":
            charset = HTTP_CHARSETS[self.csv_encoding]
            return f"{CONTENT_TYPES['csv']}; charset={charset}"
        return CONTENT_TYPES[self.file_type]

    def _get_stored_stream(self, accept_gzip=False):
        self.ensure_one()
        gzipped = accept_gzip and bool(self.gzip_attachment_id)
        attachment = self.gzip_attachment_id if gzipped else self.attachment_id
        if not attachment:
            return None, False
        stream = self.env["ir.binary"].sudo()._get_stream_from(attachment)
        stream.mimetype = self._get_content_type()
        stream.download_name = self.full_file_name
        stream.etag = attachment.checksum
        stream.last_modified = self.file_date
        stream.as_attachment = True
        return stream, gzipped

    def _regenerate(self, get_stream=False, accept_gzip=False):
        """Generate and store the file in a transaction of its own.

        At most one generation per feed runs at a time: when another one holds
        the lock, return None so that the caller serves the previous file. On
        failure the previous file stays and the error is recorded. With
        ``get_stream`` (in an HTTP request), returns what ``_get_stored_stream``
        gives for the file stored now, which the caller's older transaction
        cannot see.
        """
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", (GENERATION_LOCK, self.id)
            )
            if not cr.fetchone()[0]:
                return None
            feed = self.with_env(self.env(cr=cr, su=True))
            if feed._is_stale():
                feed._regenerate_in_transaction()
            return feed._get_stored_stream(accept_gzip) if get_stream else None

    def _regenerate_in_transaction(self):
        """Generate and store the file; on failure keep the previous file."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._generate_and_store()
        except Exception as error:  # pylint: disable=broad-except
            _logger.warning("Feed %s: generation failed: %s", self.id, error)
            self._record_generation_error(error)

    def _record_generation_error(self, error):
        message = error.args[0] if isinstance(error, UserError) else str(error)
        message = _("Generation failed: %(error)s", error=message)
        if message != self.generation_error:
            # Also when a public fetch regenerated: OdooBot, not the public user.
            self.message_post(
                body=message, author_id=self.env.ref("base.partner_root").id
            )
        self.write(
            {
                "generation_error": message,
                "generation_date": fields.Datetime.now(),
                "needs_regeneration": False,
            }
        )

    def _generate_and_store(self):
        self.ensure_one()
        started = time.monotonic()
        content, stats = self._generate()
        attachment_model = self.env["ir.attachment"].sudo()
        values = {"res_model": self._name, "res_id": self.id}
        attachment = attachment_model.create(
            dict(values, name=self.full_file_name, raw=content)
        )
        gzip_attachment = attachment_model
        if self._has_gzip_copy():
            gzip_attachment = attachment_model.create(
                dict(
                    values,
                    name=f"{self.full_file_name}.gz",
                    raw=gzip.compress(content, mtime=0),
                )
            )
        previous = self.attachment_id | self.gzip_attachment_id
        now = fields.Datetime.now()
        self.write(
            {
                "attachment_id": attachment.id,
                "gzip_attachment_id": gzip_attachment.id,
                "file_date": now,
                "generation_date": now,
                "generation_duration": time.monotonic() - started,
                "rows_written": stats["rows"],
                "rows_skipped": stats["skipped"],
                "generation_report": "\n".join(stats["report"]),
                "generation_error": False,
                "needs_regeneration": False,
            }
        )
        previous.unlink()

    # Generation

    def _get_generation_env_feed(self):
        """The feed as its responsible user sees it, in its company and language."""
        self.ensure_one()
        return (
            self.with_user(self.user_id)
            .with_company(self.company_id)
            .with_context(lang=self.lang or self.user_id.lang, active_test=True)
        )

    def _get_writer_options(self):
        self.ensure_one()
        return FeedOptions(
            file_type=self.file_type,
            sheet_name=self.sheet_name or "Sheet1",
            header_row=self.header_row,
            delimiter=DELIMITERS[self.csv_delimiter or "comma"],
            encoding=self.csv_encoding,
            decimal_comma=self.decimal_comma,
        )

    def _get_products_domain(self):
        """Products of the file: storable variants of the company or shared."""
        self.ensure_one()
        return [
            ("is_storable", "=", True),
            ("company_id", "in", [False, self.company_id.id]),
            *ast.literal_eval(self.product_domain or "[]"),
        ]

    def _get_stock_locations(self):
        """The internal locations whose stock the file lists: the selected
        locations, or the selected warehouses', and their children. Found
        once per generation, not again by each batch's stock query."""
        self.ensure_one()
        roots = self.location_ids or self.warehouse_ids.view_location_id
        return self.env["stock.location"].search(
            [("id", "child_of", roots.ids), ("usage", "=", "internal")]
        )

    def _get_quantities(self, products, locations):
        """Quantity of each product in the internal ``locations``:
        {product id: float}.

        Grouped queries for the whole batch, never product by product.
        """
        if self.quantity_kind == "forecast":
            quantities = products.with_context(
                location=locations.ids
            )._compute_quantities_dict(False, False, False)
            return {pid: qty["virtual_available"] for pid, qty in quantities.items()}
        groups = self.env["stock.quant"]._read_group(
            [
                ("product_id", "in", products.ids),
                ("location_id", "in", locations.ids),
            ],
            ["product_id"],
            ["quantity:sum", "reserved_quantity:sum"],
        )
        quantities = dict.fromkeys(products.ids, 0.0)
        for product, quantity, reserved in groups:
            quantities[product.id] = quantity - (
                reserved if self.quantity_kind == "available" else 0.0
            )
        return quantities

    def _get_image_url_prefix(self):
        self.ensure_one()
        return (
            f"{self.get_base_url()}/marketplace-feed/"
            f"{self.sudo()._get_public_slug()}/image"
        )

    @api.model
    def _get_product_images(self, products):
        """Images of each product: {product id: [(record, field name), ...]}.

        In website_sale's order: the variant's own image, the template's,
        then, when website_sale is installed, the variant's and the template's
        extra images. One attachment query per batch.
        """
        templates = products.product_tmpl_id
        sources = [(products, "image_variant_1920"), (templates, "image_1920")]
        extra_images = "product_variant_image_ids" in products._fields
        if extra_images:
            sources.append(
                (
                    products.product_variant_image_ids
                    | templates.product_template_image_ids,
                    "image_1920",
                )
            )
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search_read(
                expression.OR(
                    [
                        ("res_model", "=", records._name),
                        ("res_id", "in", records.ids),
                        ("res_field", "=", fname),
                    ]
                    for records, fname in sources
                ),
                ["res_model", "res_id", "res_field"],
            )
        )
        found = {
            (att["res_model"], att["res_id"], att["res_field"]) for att in attachments
        }
        images = {}
        for product in products:
            template = product.product_tmpl_id
            candidates = [(product, "image_variant_1920"), (template, "image_1920")]
            if extra_images:
                candidates += [
                    (image, "image_1920")
                    for image in product.product_variant_image_ids
                    | template.product_template_image_ids
                ]
            images[product.id] = [
                (record, fname)
                for record, fname in candidates
                if (record._name, record.id, fname) in found
            ]
        return images

    def _get_feed_product_image(self, product_id, index):
        """(record, field name) of a product's ``index``-th image, when the
        product belongs to the file; None otherwise."""
        self.ensure_one()
        feed = self._get_generation_env_feed()
        product = feed.env["product.product"].search(
            [("id", "=", product_id), *feed._get_products_domain()]
        )
        images = feed._get_product_images(product).get(product_id, [])
        return images[index] if index < len(images) else None

    def _iter_rows(self, stats):
        """The file's product rows, batch by batch, read as the responsible user.

        Counts in ``stats`` the products left out for zero stock ("skipped")
        and the products whose required columns are empty ("missing", the
        first ones named in "missing_names").
        """
        self.ensure_one()
        feed = self._get_generation_env_feed()
        # Prefetched together also after the cache is emptied between batches.
        columns = feed.column_ids.with_prefetch()
        for column in columns:
            column._check_generation_access()
        required = [
            index for index, column in enumerate(columns) if column.required_by_store
        ]
        context = {"feed": feed, "image_url_prefix": self._get_image_url_prefix()}
        for pairs in split_every(BATCH_SIZE, feed._iter_product_quantities(stats)):
            quantities = dict(pairs)
            products = feed.env["product.product"].browse(list(quantities))
            context.update(quantities=quantities, reached={}, image_links=None)
            rows = list(
                zip(
                    *(column._get_values(products, context) for column in columns),
                    strict=True,
                )
            )
            for product_id, row in zip(products.ids, rows, strict=True):
                if any(row[index] in (None, "") for index in required):
                    stats["missing"] += 1
                    if len(stats["missing_names"]) < MISSING_LISTED:
                        product = products.browse(product_id)
                        stats["missing_names"].append(product.display_name)
            yield rows
            feed.env.invalidate_all()

    def _iter_product_quantities(self, stats):
        """(product id, quantity) of each product of the file, in id order.

        Quantities are read for a batch of products at a time. Unless zero
        stock is included, the products at zero or below are left out here
        (counted in ``stats["skipped"]``), before the rows' batches are
        formed: those stay full however many products are out of stock.
        """
        self.ensure_one()
        product_model = self.env["product.product"]
        product_ids = product_model.search(self._get_products_domain(), order="id").ids
        locations = self._get_stock_locations()
        include_zero_stock = self.include_zero_stock
        for products in split_every(BATCH_SIZE, product_ids, product_model.browse):
            quantities = self._get_quantities(products, locations)
            for product_id in products.ids:
                if include_zero_stock or quantities[product_id] > 0:
                    yield product_id, quantities[product_id]
                else:
                    stats["skipped"] += 1

    @api.model
    def _new_generation_stats(self):
        return {"skipped": 0, "missing": 0, "missing_names": []}

    def _generate(self):
        """Write the file as the responsible user. Returns (bytes, stats)."""
        self.ensure_one()
        stats = self._new_generation_stats()
        with tempfile.TemporaryFile() as stream:
            # Written by a child process: it writes a batch while the next
            # one is read.
            writer = ProcessWriter(stream, self._get_writer_options())
            try:
                writer.write_header(self.column_ids.mapped("header"))
                for rows in self._iter_rows(stats):
                    writer.write_rows(rows)
                report = writer.close()
            except FeedTooLargeError as error:
                raise UserError(self._get_too_large_message(error)) from error
            finally:
                writer.abort()
            stream.seek(0)
            content = stream.read()
        stats.update(rows=report.rows, report=self._get_report_lines(report, stats))
        return content, stats

    def _get_preview_rows(self, limit=PREVIEW_ROWS):
        """Headers and the first ``limit`` product rows of the file."""
        self.ensure_one()
        rows = []
        for batch in self._iter_rows(self._new_generation_stats()):
            rows.extend(batch[: limit - len(rows)])
            if len(rows) >= limit:
                break
        return self.column_ids.mapped("header"), rows

    def _get_too_large_message(self, error):
        if error.kind == "columns":
            return _(
                "The XLS format holds at most %(limit)s columns; choose XLSX or CSV.",
                limit=error.limit,
            )
        return _(
            "The XLS format holds at most %(limit)s product rows with this header "
            "row; choose XLSX or CSV.",
            limit=error.limit,
        )

    def _get_report_lines(self, report, stats):
        lines = [_("%(rows)s product rows written.", rows=report.rows)]
        if stats["skipped"]:
            lines.append(
                _(
                    "%(count)s products left out: zero or negative stock.",
                    count=stats["skipped"],
                )
            )
        if stats["missing"]:
            lines.append(
                _(
                    "%(count)s products lack a value the store requires: %(products)s",
                    count=stats["missing"],
                    products=", ".join(stats["missing_names"]),
                )
            )
        if report.replaced_chars:
            lines.append(
                _(
                    "%(count)s characters the file cannot hold were replaced.",
                    count=report.replaced_chars,
                )
            )
        if report.truncated_cells:
            lines.append(
                _(
                    "%(count)s cells longer than 32,767 characters were cut.",
                    count=report.truncated_cells,
                )
            )
        return lines

    # Fetch log

    def _log_fetch(self, status, size, ip=None, user_agent=None):
        """Record a fetch of the link: one INSERT, as Odoo's ir.logging handler
        writes its rows. A fetch writes nothing else, and the ORM's create
        (defaults, the related company, the public user's company) would cost
        a 304 more than serving it."""
        self.ensure_one()
        self.env.execute_query(
            SQL(
                """
                INSERT INTO marketplace_feed_fetch (
                    feed_id, company_id, status_code, bytes_sent, ip_address,
                    user_agent, create_uid, create_date, write_uid, write_date
                ) VALUES (
                    %s, %s, %s, %s, %s, %s,
                    %s, NOW() AT TIME ZONE 'UTC', %s, NOW() AT TIME ZONE 'UTC'
                )
                """,
                self.id,
                self.company_id.id,
                status,
                size,
                ip,
                (user_agent or "")[:512],
                self.env.uid,
                self.env.uid,
            )
        )

    # Scheduled actions

    @api.model
    def _cron_regenerate_stale_feeds(self):
        feeds = self.search([("enabled", "=", True)])
        for feed in feeds.filtered(
            lambda feed: feed._is_published() and feed._is_stale()
        ):
            feed._regenerate()

    @api.autovacuum
    def _gc_fetch_log(self):
        limit = fields.Datetime.now() - timedelta(days=FETCH_LOG_DAYS)
        self.env["marketplace.feed.fetch"].sudo().search(
            [("create_date", "<", limit)]
        ).unlink()
