# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

import lxml.html

from odoo import fields
from odoo.exceptions import ValidationError

from .common import MarketplaceFeedCase

NOT_FETCHED = "stock_marketplace_feed.mail_activity_type_feed_not_fetched"
FAILING = "stock_marketplace_feed.mail_activity_type_feed_generation_failing"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FACEBOOK = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)


class FeedHealthCase(MarketplaceFeedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fetch_model = cls.env["marketplace.feed.fetch"].sudo()
        cls.feed.write({"enabled": True, "fetch_alert_hours": 24})

    def _cron(self):
        self.env["marketplace.feed"]._cron_check_feed_health()

    def _generation(self, feed, state, minutes_ago, error=False):
        """A finished generation of ``feed``, queued ``minutes_ago``."""
        file = (
            self.env["marketplace.feed.file"]
            .sudo()
            .create({"feed_id": feed.id, "state": state, "error": error})
        )
        self.env.cr.execute(
            "UPDATE marketplace_feed_file SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(minutes=minutes_ago), file.id],
        )
        file.invalidate_recordset(["create_date"])
        return file

    @classmethod
    def _new_feed(cls, name, **values):
        return cls.feed.copy(dict(values, name=name, enabled=True))

    @classmethod
    def _log_fetches(cls, feed, fetches):
        """Fetch rows of ``feed``: (hours ago, status, user agent) each."""
        now = fields.Datetime.now()
        rows = cls.fetch_model.create(
            [
                {"feed_id": feed.id, "status_code": status, "user_agent": agent}
                for _hours, status, agent in fetches
            ]
        )
        for row, (hours, _status, _agent) in zip(rows, fetches, strict=True):
            cls.env.cr.execute(
                "UPDATE marketplace_feed_fetch SET create_date = %s WHERE id = %s",
                [now - timedelta(hours=hours), row.id],
            )
        rows.invalidate_recordset(["create_date"])
        return rows


class TestFetchRobotNames(FeedHealthCase):
    def test_known_user_agents_are_named(self):
        names = {
            GOOGLEBOT: "Google",
            "Storebot-Google/1.0": "Google Merchant Center",
            FACEBOOK: "Meta",
            "Prom.ua feed loader": "Prom.ua",
            "RozetkaBot/2.0": "Rozetka",
            "Hotline.ua price fetcher": "Hotline.ua",
            "curl/8.5.0": "curl",
            "python-requests/2.31.0": "Python",
            # Not a robot of the list, or one only by a look-alike substring.
            CHROME: False,
            "Prometheus/2.48": False,
            "": False,
        }
        for user_agent, name in names.items():
            with self.subTest(user_agent=user_agent):
                self.assertEqual(self.fetch_model._get_robot_name(user_agent), name)

    def test_created_rows_store_the_name(self):
        google, unknown = self._log_fetches(
            self.feed, [(1, 200, GOOGLEBOT), (1, 200, CHROME)]
        )
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, robot_name FROM marketplace_feed_fetch WHERE id IN %s",
            [(google.id, unknown.id)],
        )
        self.assertEqual(
            dict(self.env.cr.fetchall()), {google.id: "Google", unknown.id: None}
        )

    def test_modules_extend_the_list(self):
        fetch_class = type(self.fetch_model)
        names = fetch_class._get_user_agent_names

        def extended(model):
            return [(r"^Mozilla/5\.0 \(compatible; Googlebot", "Google Shopping")] + (
                names(model)
            )

        with patch.object(fetch_class, "_get_user_agent_names", extended):
            self.assertEqual(
                self.fetch_model._get_robot_name(GOOGLEBOT), "Google Shopping"
            )
            self.assertEqual(self.fetch_model._get_robot_name(FACEBOOK), "Meta")


class TestFetchChart(FeedHealthCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_feed = cls._new_feed("Other Store")
        # Hours ago, status, user agent: 0-2 days ago, and one row older
        # than the chart's 30 days, which it leaves out.
        cls.fetches = [
            (0.5, 200, GOOGLEBOT),
            (0.6, 304, GOOGLEBOT),
            (0.7, 304, GOOGLEBOT),
            (25, 404, FACEBOOK),
            (26, 503, FACEBOOK),
            (27, 206, FACEBOOK),
            (49, 200, CHROME),
            (24 * 31, 200, CHROME),
        ]
        cls.rows = cls._log_fetches(cls.feed, cls.fetches)
        cls._log_fetches(cls.other_feed, [(0.5, 200, GOOGLEBOT)] * 4)

    def test_grouped_counts_equal_the_rows(self):
        for tz in ("UTC", "Asia/Kathmandu", "America/Los_Angeles"):
            with self.subTest(tz=tz):
                feed = self.feed.with_context(tz=tz)
                chart = feed._get_fetch_chart_data()[feed.id]
                self.assertEqual(len(chart["days"]), 30)
                self.assertEqual(
                    chart["days"][-1]["date"], fields.Date.context_today(feed)
                )
                # The rows, counted one by one, by day there and answer.
                expected = Counter()
                for row in self.rows:
                    date = fields.Datetime.context_timestamp(feed, row.create_date)
                    if date.date() >= chart["days"][0]["date"]:
                        status = row.status_code
                        expected[
                            date.date(),
                            status if status in (200, 304, 404, 503) else "other",
                        ] += 1
                grouped = Counter(
                    {
                        (day["date"], status): count
                        for day in chart["days"]
                        for status, count in day["counts"].items()
                        if count
                    }
                )
                self.assertEqual(grouped, expected)
                self.assertEqual(chart["total"], 7)
                self.assertEqual(
                    chart["max_total"], max(day["total"] for day in chart["days"])
                )
        self.assertEqual(
            self.other_feed._get_fetch_chart_data()[self.other_feed.id]["total"], 4
        )

    def test_chart_of_a_feed_without_fetches(self):
        feed = self._new_feed("Never Fetched")
        chart = feed._get_fetch_chart_data()[feed.id]
        today = fields.Date.context_today(feed)
        self.assertEqual(
            [day["date"] for day in chart["days"]],
            [today - timedelta(days=n) for n in range(29, -1, -1)],
        )
        self.assertEqual({day["total"] for day in chart["days"]}, {0})
        self.assertEqual((chart["max_total"], chart["total"]), (0, 0))
        self.assertIn("No fetch in the last 30 days", feed.fetch_chart_html)
        self.assertFalse(feed.last_fetch_user_agent)
        self.assertFalse(feed.fetch_interval_median)

    def test_chart_bars(self):
        chart = self.feed._get_fetch_chart_data()[self.feed.id]
        segments = sum(
            1 for day in chart["days"] for count in day["counts"].values() if count
        )
        bars = lxml.html.fromstring(self.feed.fetch_chart_html).xpath(
            "//div[contains(@class, 'flex-column-reverse')]"
        )
        self.assertEqual(len(bars), 30)
        # One segment per day and answer with fetches, as high as its share
        # of the busiest day, which is as high as the chart.
        heights = [
            [float(re.search(r"height: ([\d.]+)%", s.get("style"))[1]) for s in bar]
            for bar in bars
        ]
        self.assertEqual(sum(map(len, heights)), segments)
        self.assertAlmostEqual(max(map(sum, heights)), 100, delta=0.05)
        for day, bar_heights in zip(chart["days"], heights, strict=True):
            self.assertAlmostEqual(
                sum(bar_heights), 100 * day["total"] / chart["max_total"], delta=0.05
            )

    def test_last_fetch_and_median_interval(self):
        self.assertEqual(self.feed.last_fetch_user_agent, GOOGLEBOT)
        self.assertEqual(self.feed.last_fetch_robot_name, "Google")
        feed = self._new_feed("Mostly Every Ten Minutes")
        # Minutes ago: intervals of 30, 10, 10, 10 and 60 minutes.
        self._log_fetches(
            feed,
            [(minutes / 60, 304, "curl/8.5.0") for minutes in (0, 30, 40, 50, 60, 120)],
        )
        self.assertEqual(feed.fetch_interval_median, "10 minutes")


class TestFeedHealthAlerts(FeedHealthCase):
    def _alert_messages(self, feed):
        """The chatter's alerts (not the messages of activities marked done)."""
        return feed.message_ids.filtered(
            lambda m: "No store has fetched" in m.body and not m.mail_activity_type_id
        )

    def test_health_states(self):
        quiet = self._new_feed("Quiet Store")
        long_quiet = self._new_feed("Long Quiet Store", fetch_alert_hours=0)
        self._log_fetches(long_quiet, [(24 * 40, 200, GOOGLEBOT)])
        healthy = self._new_feed("Healthy Store")
        self._log_fetches(healthy, [(1, 200, GOOGLEBOT)])
        stale = self._new_feed("Stale Store")
        self._log_fetches(stale, [(25, 304, GOOGLEBOT)])
        failing = self._new_feed("Failing Store")
        self._generation(failing, "failed", 5, error="Boom")
        self._log_fetches(failing, [(25, 304, GOOGLEBOT)])  # and not fetched
        disabled = self._new_feed("Disabled Store")
        disabled.enabled = False
        self._cron()
        feeds = quiet | long_quiet | healthy | stale | failing | disabled
        self.assertEqual(
            feeds.mapped("health_state"),
            ["quiet", "quiet", "healthy", "stale", "failing", False],
        )
        # The list's counters count what its filters show.
        counters = {
            value["id"]: value["__count"]
            for value in self.env["marketplace.feed"].search_panel_select_range(
                "health_state", enable_counters=True, expand=True
            )["values"]
        }
        for state, count in counters.items():
            self.assertEqual(
                count,
                feeds.search_count([("health_state", "=", state)]),
                state,
            )

    def test_activity_created_once_closed_when_fetched_again(self):
        feed = self.feed
        self._log_fetches(feed, [(30, 200, GOOGLEBOT)])
        self._cron()
        self.assertEqual(feed.health_state, "stale")
        activity = feed.activity_search([NOT_FETCHED])
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(len(self._alert_messages(feed)), 1)

        self._cron()  # checked again, still not fetched: nothing more
        self.assertEqual(feed.activity_search([NOT_FETCHED]), activity)
        self.assertEqual(len(self._alert_messages(feed)), 1)

        self._log_fetches(feed, [(0.1, 304, GOOGLEBOT)])
        self._cron()
        self.assertEqual(feed.health_state, "healthy")
        self.assertFalse(feed.activity_search([NOT_FETCHED]))
        self.assertFalse(activity.exists() and activity.active)
        activity_type = self.env.ref(NOT_FETCHED)
        done = feed.message_ids.filtered(
            lambda m: m.mail_activity_type_id == activity_type
        )
        self.assertEqual(len(done), 1)
        self.assertIn("Last fetch:", done.body)
        self.assertEqual(len(self._alert_messages(feed)), 1)

    def test_alert_hours_are_not_negative(self):
        with self.assertRaisesRegex(ValidationError, "Alert when not fetched for"):
            self.feed.fetch_alert_hours = -1

    def test_no_alert_without_interval_or_publication(self):
        no_alert = self._new_feed("No Alert", fetch_alert_hours=0)
        disabled = self._new_feed("Disabled")
        disabled.enabled = False
        for feed in no_alert | disabled:
            self._log_fetches(feed, [(100, 200, GOOGLEBOT)])
        self._cron()
        self.assertFalse((no_alert | disabled).activity_search([NOT_FETCHED]))
        self.assertEqual(no_alert.health_state, "healthy")


class TestGenerationFailingAlert(FeedHealthCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed.refresh_interval = 15

    def test_activity_names_the_error_and_closes_on_success(self):
        feed = self.feed
        self._generation(feed, "done", 60)
        self._generation(feed, "failed", 20, error="Disk full")
        self._generation(feed, "failed", 2, error="Pricelist missing")
        self.assertEqual(feed.health_state, "failing")  # at once, not by the check
        self._cron()
        activity = feed.activity_search([FAILING])
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.manager)
        self.assertIn("Pricelist missing", activity.note)

        self._generation(feed, "failed", 1, error="Pricelist missing")
        self._cron()  # still failing: still the one activity
        self.assertEqual(feed.activity_search([FAILING]), activity)

        self._generation(feed, "done", 0)
        self._cron()
        self.assertFalse(feed.activity_search([FAILING]))
        self.assertNotEqual(feed.health_state, "failing")

    def test_no_activity_before_the_refresh_interval(self):
        feed = self._new_feed("Failing Briefly", refresh_interval=15)
        self._generation(feed, "done", 60)
        self._generation(feed, "failed", 10, error="Disk full")
        # Failures before the last success do not count.
        other = self._new_feed("Failed Long Ago", refresh_interval=15)
        self._generation(other, "failed", 120, error="Disk full")
        self._generation(other, "done", 100)
        self._cron()
        self.assertEqual(feed.health_state, "failing")
        self.assertFalse((feed | other).activity_search([FAILING]))
