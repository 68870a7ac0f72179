# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL, format_date, format_datetime

CHART_DAYS = 30
# The answers the chart shows apart; any other one counts as "other".
CHART_STATUSES = (200, 304, 404, 503)
# The median interval is that of the last fetches: the stores' schedule now.
MEDIAN_FETCHES = 100
NOT_FETCHED_ACTIVITY = "stock_marketplace_feed.mail_activity_type_feed_not_fetched"
GENERATION_FAILING_ACTIVITY = (
    "stock_marketplace_feed.mail_activity_type_feed_generation_failing"
)


class MarketplaceFeed(models.Model):
    _name = "marketplace.feed"
    # Activities: the health alerts go to the responsible user.
    _inherit = ["marketplace.feed", "mail.activity.mixin"]

    fetch_alert_hours = fields.Integer(
        string="Alert When Not Fetched For",
        tracking=True,
        help="Hours. When no store has fetched the published file for this "
        "long, the responsible user gets an activity. 0: no alert.",
    )
    # Stored for the list's filters and counters: kept up to date when the
    # feed changes, and by the health check for what time changes.
    health_state = fields.Selection(
        [
            ("healthy", "Healthy"),
            ("stale", "Stale"),
            ("failing", "Failing"),
            ("quiet", "Quiet"),
        ],
        string="Health",
        compute="_compute_health_state",
        store=True,
        help="Of published files only. Failing: the last generation failed. "
        "Stale: no store has fetched the file for longer than its alert "
        "allows. Quiet: no store has fetched it for 30 days. Healthy: the "
        "others. Brought up to date every 10 minutes.",
    )
    fetch_chart_html = fields.Html(
        string="Fetches per Day",
        compute="_compute_fetch_chart_html",
        sanitize=False,
    )
    last_fetch_user_agent = fields.Char(
        string="User Agent", compute="_compute_fetch_summary"
    )
    last_fetch_robot_name = fields.Char(
        string="Robot", compute="_compute_fetch_summary"
    )
    fetch_interval_median = fields.Char(
        string="Median Interval",
        compute="_compute_fetch_summary",
        help="The median time between two of the last 100 fetches.",
    )

    @api.depends(
        "enabled",
        "company_id.marketplace_feed_enabled",
        "company_id.marketplace_feed_plan",
        "fetch_alert_hours",
        "generation_error",
    )
    def _compute_health_state(self):
        states = self._get_health_states()
        for feed in self:
            feed.health_state = states[feed.id]

    def _compute_fetch_chart_html(self):
        charts = self._get_fetch_chart_data()
        for feed in self:
            feed.fetch_chart_html = self.env["ir.qweb"]._render(
                "stock_marketplace_feed.marketplace_feed_fetch_chart",
                charts[feed.id],
            )

    def _compute_fetch_summary(self):
        summaries = self._get_fetch_summaries()
        duration = self.env["ir.qweb.field.duration"]
        for feed in self:
            summary = summaries.get(feed._origin.id, {})
            seconds = summary.get("median_seconds")
            feed.last_fetch_user_agent = summary.get("user_agent")
            feed.last_fetch_robot_name = summary.get("robot_name")
            feed.fetch_interval_median = seconds is not None and duration.value_to_html(
                seconds,
                {"unit": "second", "round": "second" if seconds < 60 else "minute"},
            )

    @api.constrains("fetch_alert_hours")
    def _check_fetch_alert_hours(self):
        for feed in self:
            if feed.fetch_alert_hours < 0:
                raise ValidationError(
                    self.env._(
                        "Alert when not fetched for: %(feed)s needs a number of "
                        "hours, or 0 for no alert.",
                        feed=feed.name,
                    )
                )

    # Actions

    def action_view_fetch_analysis(self):
        """The feed's fetches of the last 30 days in the graph view."""
        self.ensure_one()
        action = self.action_view_fetches()
        action.update(
            view_mode="graph,pivot,list",
            views=[(False, "graph"), (False, "pivot"), (False, "list")],
            context={"search_default_filter_30_days": 1},
        )
        return action

    # Scheduled actions

    @api.model
    def _cron_check_feed_health(self):
        """Bring the health of the feeds up to date, and their alerts (also
        of the disabled ones that have activities: they are closed)."""
        feeds = self.search(
            ["|", ("enabled", "=", True), ("activity_ids", "!=", False)]
        )
        feeds._refresh_health_state()
        feeds._update_health_activities()

    # Business methods

    def _refresh_health_state(self):
        """Have the stored health recomputed where it changed with time
        (fetches, or their absence): the others are not written."""
        states = self._get_health_states()
        changed = self.filtered(lambda feed: feed.health_state != states[feed.id])
        self.env.add_to_compute(self._fields["health_state"], changed)

    def _get_health_states(self):
        """{feed id: health state} (False for files that are not published)."""
        last_fetches = {
            feed_id: summary["date"]
            for feed_id, summary in self._get_fetch_summaries().items()
        }
        now = fields.Datetime.now()
        quiet_before = now - timedelta(days=CHART_DAYS)
        states = {}
        for feed in self:
            last_fetch = last_fetches.get(feed._origin.id)
            if not feed._is_published():
                state = False
            elif feed._is_generation_failing():
                state = "failing"
            elif feed._is_not_fetched(last_fetch, now):
                state = "stale"
            elif not last_fetch or last_fetch < quiet_before:
                state = "quiet"
            else:
                state = "healthy"
            states[feed.id] = state
        return states

    def _is_generation_failing(self):
        self.ensure_one()
        return bool(self.generation_error)

    def _is_not_fetched(self, last_fetch, now):
        """Whether the feed, fetched last at ``last_fetch`` (None: not in the
        log), has not been fetched for longer than its alert allows. A file
        no store has fetched yet does not count: the alert watches stores
        that fetched it and stopped."""
        self.ensure_one()
        return bool(
            self.fetch_alert_hours
            and last_fetch
            and last_fetch <= now - timedelta(hours=self.fetch_alert_hours)
        )

    def _get_fetch_summaries(self):
        """{feed id: {"date", "user_agent", "robot_name", "median_seconds"}}
        of the fetched feeds: their last fetch and the median interval of
        their last fetches. Index lookups per feed, whatever the log's size.
        """
        feed_ids = [feed_id for feed_id in self._origin.ids if feed_id]
        if not feed_ids:
            return {}
        fetch_model = self.env["marketplace.feed.fetch"]
        fetch_model.flush_model(["feed_id", "user_agent", "robot_name"])
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT feed.id, last.create_date AS date, last.user_agent,
                       last.robot_name, gaps.median_seconds
                  FROM unnest(%(feed_ids)s::int[]) AS feed(id)
                  JOIN LATERAL (
                        SELECT create_date, user_agent, robot_name
                          FROM %(table)s
                         WHERE feed_id = feed.id
                      ORDER BY create_date DESC
                         LIMIT 1
                       ) AS last ON TRUE
                  JOIN LATERAL (
                        SELECT percentile_cont(0.5) WITHIN GROUP (
                                   ORDER BY EXTRACT(EPOCH FROM gap)
                               ) AS median_seconds
                          FROM (
                                SELECT create_date - lag(create_date) OVER (
                                           ORDER BY create_date
                                       ) AS gap
                                  FROM (
                                        SELECT create_date
                                          FROM %(table)s
                                         WHERE feed_id = feed.id
                                      ORDER BY create_date DESC
                                         LIMIT %(limit)s
                                       ) AS recent
                               ) AS intervals
                       ) AS gaps ON TRUE
                """,
                feed_ids=feed_ids,
                table=SQL.identifier(fetch_model._table),
                limit=MEDIAN_FETCHES + 1,
            )
        )
        return {row.pop("id"): row for row in rows}

    def _get_fetch_chart_data(self):
        """{feed id: chart values}: the fetches of each of the last 30 days
        (in the user's time zone) by answer, read by one grouped query on
        the index of the feed and time.

        Chart values: "days", a list of {"date", "label", "counts" (by
        status, "other" for the rest), "total"} from the oldest day to today;
        "statuses" (200, 304, 404, 503, "other"); "max_total", the largest daily
        total; "total", the fetches of the 30 days.
        """
        tz_name = self.env.context.get("tz")
        tz = pytz.timezone(tz_name if tz_name in pytz.all_timezones_set else "UTC")
        today = fields.Date.context_today(self)
        dates = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
        # Day n holds the fetches from bounds[n] to bounds[n + 1] (UTC): the
        # rows are put in days by comparing times, not by converting each.
        bounds = [
            tz.localize(datetime.combine(date, time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
            for date in (*dates, today + timedelta(days=1))
        ]
        statuses = (*CHART_STATUSES, "other")
        counts = defaultdict(int)  # (feed id, date, status): fetches
        fetch_model = self.env["marketplace.feed.fetch"]
        fetch_model.flush_model(["feed_id", "status_code"])
        groups = self.env.execute_query(
            SQL(
                """
                SELECT feed_id, width_bucket(create_date, %(bounds)s::timestamp[]),
                       status_code, count(*)
                  FROM %(table)s
                 WHERE feed_id = ANY(%(feed_ids)s)
                   AND create_date >= %(since)s AND create_date < %(until)s
              GROUP BY 1, 2, 3
                """,
                bounds=bounds,
                table=SQL.identifier(fetch_model._table),
                feed_ids=[feed_id for feed_id in self._origin.ids if feed_id],
                since=bounds[0],
                until=bounds[-1],
            )
        )
        for feed_id, day, status, count in groups:
            status = status if status in CHART_STATUSES else "other"
            counts[feed_id, dates[day - 1], status] += count
        charts = {}
        for feed in self:
            days = []
            for date in dates:
                day_counts = {s: counts[feed._origin.id, date, s] for s in statuses}
                days.append(
                    {
                        "date": date,
                        "label": format_date(self.env, date, date_format="EEE d MMM"),
                        "counts": day_counts,
                        "total": sum(day_counts.values()),
                    }
                )
            charts[feed.id] = {
                "days": days,
                "statuses": statuses,
                "max_total": max(day["total"] for day in days),
                "total": sum(day["total"] for day in days),
            }
        return charts

    def _update_health_activities(self):
        """The health alerts: each an activity for the feed's responsible
        user, scheduled once, and marked done when it no longer holds.

        - Not fetched: no store has fetched the published file for longer
          than its alert allows (said in the chatter too); done when a store
          fetches it again.
        - Generation failing: the file's generations have failed for longer
          than its refresh interval; done when one succeeds.

        Both are done when the file is no longer published.
        """
        last_fetches = {
            feed_id: summary["date"]
            for feed_id, summary in self._get_fetch_summaries().items()
        }
        failures = self._get_generation_failures()
        now = fields.Datetime.now()
        not_fetched, failing = {}, {}
        for feed in self.filtered(lambda feed: feed._is_published()):
            feed = feed.with_context(lang=feed.user_id.lang, tz=feed.user_id.tz)
            last_fetch = last_fetches.get(feed.id)
            if feed._is_not_fetched(last_fetch, now):
                not_fetched[feed.id] = (
                    feed.env._(
                        "Not fetched for %(hours)s hours", hours=feed.fetch_alert_hours
                    ),
                    feed.env._(
                        "No store has fetched %(feed)s since %(date)s: a "
                        "marketplace may be selling stock you no longer have. "
                        "Check the link in the store's settings.",
                        feed=feed.name,
                        date=format_datetime(feed.env, last_fetch),
                    ),
                )
            since, error = failures.get(feed.id, (None, None))
            if since and since <= now - timedelta(minutes=feed.refresh_interval):
                failing[feed.id] = (
                    feed.env._("Generation failing"),
                    feed.env._(
                        "The generations of %(feed)s have failed since %(date)s "
                        "(the link serves the last good file). Last error: "
                        "%(error)s",
                        feed=feed.name,
                        date=format_datetime(feed.env, since),
                        error=error,
                    ),
                )
        alerted = self._update_health_activity(
            NOT_FETCHED_ACTIVITY,
            not_fetched,
            lambda feed: (
                feed.id in last_fetches
                and feed.env._(
                    "Last fetch: %(date)s.",
                    date=format_datetime(feed.env, last_fetches[feed.id]),
                )
            ),
        )
        for feed in alerted:
            feed.message_post(
                body=not_fetched[feed.id][1],
                author_id=self.env.ref("base.partner_root").id,
            )
        self._update_health_activity(
            GENERATION_FAILING_ACTIVITY,
            failing,
            lambda feed: feed.env._("A generation succeeded."),
        )

    def _update_health_activity(self, activity_xmlid, alerts, get_feedback):
        """Schedule the activity ``activity_xmlid`` on the feeds of ``alerts``
        ({feed id: (summary, note)}) that have none open, for their
        responsible user; mark it done on the others, with the feedback
        ``get_feedback(feed)``. Returns the feeds it was scheduled on."""
        open_ids = set(self.activity_search([activity_xmlid]).mapped("res_id"))
        scheduled = self.browse()
        for feed in self:
            if (feed.id in alerts) == (feed.id in open_ids):
                continue
            feed = feed.with_context(lang=feed.user_id.lang, tz=feed.user_id.tz)
            if feed.id in alerts:
                summary, note = alerts[feed.id]
                feed.activity_schedule(
                    activity_xmlid, summary=summary, note=note, user_id=feed.user_id.id
                )
                scheduled |= feed
            else:
                feedback = feed._is_published() and get_feedback(feed)
                feed.activity_feedback([activity_xmlid], feedback=feedback or None)
        return scheduled

    def _get_generation_failures(self):
        """{feed id: (since, error)} of the feeds whose last generation
        failed: when the first of the generations that failed since the last
        successful one was queued, and the last one's error."""
        file_model = self.env["marketplace.feed.file"].sudo()
        last_done = {
            feed.id: file_id
            for feed, file_id in file_model._read_group(
                [("feed_id", "in", self.ids), ("state", "=", "done")],
                ["feed_id"],
                ["id:max"],
            )
        }
        groups = file_model._read_group(
            expression.AND(
                [
                    [("state", "=", "failed")],
                    expression.OR(
                        [
                            ("feed_id", "=", feed_id),
                            ("id", ">", last_done.get(feed_id, 0)),
                        ]
                        for feed_id in self.ids
                    ),
                ]
            ),
            ["feed_id"],
            ["create_date:min", "id:max"],
        )
        return {
            feed.id: (since, file_model.browse(last_id).error)
            for feed, since, last_id in groups
        }
