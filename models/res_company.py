# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

PLAN_LIMITS = {"hobby": 0, "startup": 10, "business": None}


class ResCompany(models.Model):
    _inherit = "res.company"

    marketplace_feed_enabled = fields.Boolean(
        string="Online Store Integration Enabled",
        default=True,
        help="Switch off to stop every feed link of the company at once.",
    )
    marketplace_feed_plan = fields.Selection(
        selection=[
            ("hobby", "Hobby"),
            ("startup", "Startup"),
            ("business", "Business"),
        ],
        string="Online Store Integration Plan",
        default="business",
        required=True,
        groups="base.group_system",
        help="Hobby: no feed files. Startup: at most 10 feed files per company. "
        "Business: no limit.",
    )

    def _marketplace_feed_plan_limit(self):
        """Maximum number of feed files of the company (None: no limit)."""
        self.ensure_one()
        return PLAN_LIMITS[self.sudo().marketplace_feed_plan]

    def _marketplace_feed_is_available(self):
        """Whether the company's links may answer at all."""
        self.ensure_one()
        # Only these two fields: a public fetch reads nothing else of the company.
        self.sudo().fetch(["marketplace_feed_enabled", "marketplace_feed_plan"])
        return (
            self.marketplace_feed_enabled and self._marketplace_feed_plan_limit() != 0
        )

    def _marketplace_feed_covered_ids(self):
        """Ids of the company's feed files its plan covers, None for all:
        with a limit, the oldest (by id) up to it. After a downgrade the
        others are not served."""
        self.ensure_one()
        limit = self._marketplace_feed_plan_limit()
        if limit is None:
            return None
        feeds = (
            self.env["marketplace.feed"]
            .sudo()
            .search([("company_id", "=", self.id)], order="id", limit=limit)
        )
        return set(feeds.ids)

    def _marketplace_feed_lock(self):
        """Lock the company's row, by a write, until the transaction ends: a
        concurrent transaction checking the plan waits for this one and, once
        it commits, fails with a serialization error (Odoo retries it, and
        the retry counts this one's files). A SELECT ... FOR UPDATE would not
        do: under REPEATABLE READ the second transaction would then count
        from a snapshot older than this one's commit."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "UPDATE res_company SET marketplace_feed_plan = marketplace_feed_plan "
                "WHERE id = %s",
                self.id,
            )
        )

    def _marketplace_feed_check_plan(self, enabling=False, creating=False):
        """Raise when the company's plan refuses a new or an enabled feed file."""
        plan_labels = dict(
            self._fields["marketplace_feed_plan"]._description_selection(self.env)
        )
        for company in self:
            limit = company._marketplace_feed_plan_limit()
            plan = plan_labels[company.sudo().marketplace_feed_plan]
            if limit == 0 and (enabling or creating):
                raise UserError(
                    self.env._(
                        "The %(plan)s plan does not include the online store "
                        "integration: no feed file can be created or enabled for "
                        "%(company)s. An administrator can change the plan in "
                        "Settings > Inventory.",
                        plan=plan,
                        company=company.name,
                    )
                )
            if limit is None:
                continue
            company._marketplace_feed_lock()
            count = (
                self.env["marketplace.feed"]
                .sudo()
                .search_count([("company_id", "=", company.id)])
            )
            if count > limit:
                raise UserError(
                    self.env._(
                        "The %(plan)s plan allows at most %(limit)s feed files per "
                        "company, and %(company)s would have %(count)s.",
                        plan=plan,
                        limit=limit,
                        company=company.name,
                        count=count,
                    )
                )
