# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Online store feed files: what a file holds and how it is written.

The other sides of a feed are in files of their own: generation
(``marketplace_feed_generation.py``, the rows), publication
(``marketplace_feed_publication.py``, the link), the generated files
(``marketplace_feed_file.py``) and the fetch log
(``marketplace_feed_fetch.py``).
"""

import ast

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..writers.formatting import join_values, to_text


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
        domain=lambda self: self._get_user_domain(),
        help="The file is generated with this user's access rights: an active "
        "internal user with inventory rights in the file's company.",
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
    negative_stock_as_zero = fields.Boolean(tracking=True)
    file_type = fields.Selection(tracking=True)
    xml_dialect = fields.Selection(tracking=True)
    csv_delimiter = fields.Selection(tracking=True)
    csv_encoding = fields.Selection(tracking=True)
    decimal_comma = fields.Boolean(tracking=True)
    escape_formulas = fields.Boolean(tracking=True)
    file_name = fields.Char(tracking=True)
    sheet_name = fields.Char(tracking=True)
    header_row = fields.Integer(tracking=True)
    product_domain = fields.Char(
        string="Products",
        default="[('sale_ok', '=', True)]",
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
        help="A file older than this is generated again in the background; "
        "the link keeps serving the last good file meanwhile.",
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
            ("over_plan", "Over the plan's limit"),
        ],
        string="Status",
        compute="_compute_state",
    )
    integration_enabled = fields.Boolean(
        related="company_id.marketplace_feed_enabled", string="Integration Enabled"
    )
    config_version = fields.Integer(
        string="Settings Version",
        default=1,
        copy=False,
        readonly=True,
        help="Counts the changes of the settings and columns: a file generated "
        "with an earlier version is out of date.",
    )
    file_ids = fields.One2many(
        "marketplace.feed.file", "feed_id", string="Generations", readonly=True
    )
    template_id = fields.Many2one(
        "marketplace.feed.template",
        check_company=True,
        help="A known store's format: applying it sets the file settings and columns.",
    )
    fetch_ids = fields.One2many("marketplace.feed.fetch", "feed_id", string="Fetches")
    fetch_count = fields.Integer(compute="_compute_fetch_stats")
    last_fetch_date = fields.Datetime(compute="_compute_fetch_stats")

    _sql_constraints = [
        (
            "refresh_interval_positive",
            "check(refresh_interval >= 1)",
            "The refresh interval is at least one minute.",
        ),
    ]

    @api.model
    def _get_user_domain(self):
        stock_user = self.env.ref("stock.group_stock_user")
        return (
            "[('company_ids', 'in', company_id), ('share', '=', False), "
            f"('groups_id', 'in', {stock_user.id})]"
        )

    @api.model
    def _get_lang_selection(self):
        return self.env["res.lang"].get_installed()

    @api.depends(
        "enabled",
        "company_id.marketplace_feed_enabled",
        "company_id.marketplace_feed_plan",
    )
    def _compute_state(self):
        covered_ids = {}  # company: ids of the feeds its plan covers
        for feed in self:
            company = feed.company_id
            if company not in covered_ids:
                covered_ids[company] = company._marketplace_feed_covered_ids()
            covered = covered_ids[company]
            if not company._marketplace_feed_is_available():
                feed.state = "integration_off"
            elif covered is not None and feed.id not in covered:
                feed.state = "over_plan"
            else:
                feed.state = "enabled" if feed.enabled else "disabled"

    def _compute_fetch_stats(self):
        # As superuser: the rows are the feed's, which the user reads, and
        # checking the company rule row by row costs three times the count.
        groups = (
            self.env["marketplace.feed.fetch"]
            .sudo()
            ._read_group(
                [("feed_id", "in", self.ids)],
                ["feed_id"],
                ["__count", "create_date:max"],
            )
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
                    self.env._(
                        "Feed %(feed)s: choose at least one warehouse.", feed=feed.name
                    )
                )

    @api.constrains("location_ids", "warehouse_ids")
    def _check_location_ids(self):
        for feed in self:
            foreign = feed.location_ids.filtered(
                lambda loc, feed=feed: loc.warehouse_id not in feed.warehouse_ids
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Locations: %(locations)s do not belong to the feed's "
                        "warehouses.",
                        locations=", ".join(foreign.mapped("complete_name")),
                    )
                )

    @api.constrains("user_id", "company_id")
    def _check_user_id(self):
        """The responsible user, whose rights the file is generated with: an
        active internal user, never a superuser (whose rights skip every
        record rule), with inventory rights in the feed's company. Also
        checked by each generation."""
        for feed in self:
            user = feed.sudo().user_id
            if user._is_superuser():
                problem = self.env._(
                    "%(user)s is a superuser, whose rights skip every access "
                    "rule; choose an ordinary internal user.",
                    user=user.name,
                )
            elif not user.active or user.share:
                problem = self.env._(
                    "%(user)s is not an active internal user.", user=user.name
                )
            elif feed.company_id not in user.company_ids or not user._has_group(
                "stock.group_stock_user"
            ):
                problem = self.env._(
                    "%(user)s has no inventory rights in %(company)s.",
                    user=user.name,
                    company=feed.company_id.name,
                )
            else:
                continue
            raise ValidationError(
                self.env._("Responsible: %(problem)s", problem=problem)
            )

    @api.constrains("user_id")
    def _check_user_column_access(self):
        """The columns' field paths, with the new responsible user's rights
        (once the user itself is valid: whichever constraint runs first)."""
        self._check_user_id()
        self.column_ids._check_field_path()

    @api.constrains("product_domain")
    def _check_product_domain(self):
        for feed in self:
            try:
                domain = ast.literal_eval(feed.product_domain or "[]")
                if not isinstance(domain, list):
                    # Valid Python, but not a domain ("1", "{}", "None"...)
                    raise ValueError(self.env._("a list of conditions is expected"))
                self.env["product.product"].search_count(domain, limit=1)
            except (ValueError, SyntaxError, TypeError, KeyError) as error:
                raise ValidationError(
                    self.env._(
                        "Products: the filter is not valid (%(error)s).", error=error
                    )
                ) from error

    @api.constrains("enabled", "column_ids")
    def _check_enabled_columns(self):
        for feed in self:
            if feed.enabled and not feed.column_ids:
                raise ValidationError(
                    self.env._(
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
        res = super().write(vals)
        if set(vals) & self._get_file_config_fields():
            self._bump_config_version()
        if "company_id" in vals or vals.get("enabled"):
            self.company_id._marketplace_feed_check_plan(
                enabling=bool(vals.get("enabled")), creating="company_id" in vals
            )
        return res

    def unlink(self):
        # Through the ORM, which deletes their attachments (the database's
        # cascade would leave the files behind).
        self.sudo().file_ids.unlink()
        return super().unlink()

    def _bump_config_version(self):
        """The settings or columns changed: files generated before are out
        of date (a version, not a time: two changes in one second count)."""
        for feed in self:
            feed.config_version += 1

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

    def action_generate(self):
        """Queue a generation of the file; it runs in the background."""
        self.ensure_one()
        self._queue_generation(force=True)
        return True

    def action_apply_template(self):
        self.ensure_one()
        previous_columns = self.column_ids
        # The old columns are not checked against the template's file type:
        # they go once the new ones are there (an enabled file is never left
        # without any).
        self.with_context(
            marketplace_feed_replaced_column_ids=previous_columns.ids
        ).write(self.template_id._get_feed_values())
        previous_columns.unlink()
        self.message_post(
            body=self.env._(
                "Template %(template)s applied.", template=self.template_id.name
            )
        )
        return True

    def action_save_as_template(self):
        """Copy this feed's settings and columns into a new template."""
        self.ensure_one()
        template = self.env["marketplace.feed.template"].create(
            {
                "name": self.name,
                "company_id": self.company_id.id,
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
        """Show the headers and first rows of the file, computed now and
        stored nowhere (feed managers)."""
        self.ensure_one()
        self._check_manager_access()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview of %(feed)s", feed=self.name),
            "res_model": "marketplace.feed.preview",
            "view_mode": "form",
            "target": "new",
            "context": {"default_feed_id": self.id},
        }

    def _get_preview_text(self, value):
        """A cell of the preview: several values (an XML file's list) joined."""
        if isinstance(value, list):
            return join_values(value)
        return to_text(value, self._uses_decimal_comma())

    def action_download(self):
        """Download the published file (feed managers)."""
        self.ensure_one()
        self._check_manager_access()
        return {
            "type": "ir.actions.act_url",
            "url": f"/marketplace-feed/download/{self.id}",
            "target": "self",
        }

    def action_view_files(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_marketplace_feed.marketplace_feed_file_action"
        )
        action["domain"] = [("feed_id", "=", self.id)]
        return action

    def action_view_fetches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_marketplace_feed.marketplace_feed_fetch_action"
        )
        action["domain"] = [("feed_id", "=", self.id)]
        return action

    def _check_manager_access(self):
        """Preview and Download show the file as the responsible user's
        rights make it: for feed managers only."""
        if not (self.env.su or self.env.user.has_group("stock.group_stock_manager")):
            raise AccessError(
                self.env._(
                    "Only inventory managers may preview or download feed files."
                )
            )
