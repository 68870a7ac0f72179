# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The background generation: file records, units of work, resuming,
publication, and what a fetch does (never generate)."""

import contextlib
from unittest.mock import patch
from urllib.parse import urlsplit

import psycopg2

from odoo.tests import HttpCase, tagged

from ..models import marketplace_feed_generation
from ..models.marketplace_feed_file import (
    CPU_LIMIT_MESSAGE,
    GENERATION_LOCK,
    MAX_ATTEMPTS,
    MarketplaceFeedFile,
)
from .common import MarketplaceFeedCase


class _Killed(BaseException):
    """A unit of work ended by the server (a time limit, SIGKILL): nothing
    the job can catch."""


class MarketplaceFeedJobCase(MarketplaceFeedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.many = cls.env["product.product"].create(
            [
                {
                    "name": f"Job Item {i}",
                    "default_code": f"JOB-{i:02d}",
                    "is_storable": True,
                }
                for i in range(9)
            ]
        )
        for index, product in enumerate(cls.many):
            if index % 3:
                cls.env["stock.quant"]._update_available_quantity(
                    product, cls.warehouse_a.lot_stock_id, index
                )
        cls.file_model = cls.env["marketplace.feed.file"]

    def _in_units_of_one_batch(self, feed, batch_size=2):
        """Generate ``feed`` in batches of ``batch_size`` products, one batch
        per unit of work (each unit's deadline is already past)."""
        with patch.object(marketplace_feed_generation, "BATCH_SIZE", batch_size):
            return self._run_generation(feed, seconds=0)

    def _killed_unit(self, file, kill=_Killed):
        """Run a unit that the server kills (not with assertRaises, whose
        savepoint would undo what the unit committed before it died)."""
        try:
            file._run_unit(0)
        except kill:
            file.invalidate_recordset()
        else:
            self.fail("the unit was not killed")

    def _queued(self, feed):
        feed._queue_generation(force=True)
        return self.file_model.search(
            [("feed_id", "=", feed.id), ("state", "=", "queued")]
        )


@tagged("post_install", "-at_install")
class TestFeedJob(MarketplaceFeedJobCase):
    def test_a_file_in_many_units_is_the_file_in_one(self):
        for file_type, read in (
            ("csv", bytes),
            ("xlsx", self._read_xlsx),
            ("xls", self._read_xls),
        ):
            with self.subTest(file_type):
                self.feed.file_type = file_type
                whole = self._run_generation(self.feed)
                content = whole.attachment_id.raw
                parts = self._in_units_of_one_batch(self.feed)
                self.assertEqual((whole.state, parts.state), ("done", "done"))
                self.assertGreater(parts.rows_written, 6)
                self.assertEqual(read(parts.attachment_id.raw), read(content))
                self.assertEqual(
                    (parts.rows_written, parts.rows_skipped),
                    (whole.rows_written, whole.rows_skipped),
                )
                self.assertFalse(parts.part_ids, "the parts are gone once joined")

    def test_each_unit_commits_a_part_and_its_progress(self):
        file = self._queued(self.feed)
        with patch.object(marketplace_feed_generation, "BATCH_SIZE", 2):
            file._run_unit(0)  # the header and the first batch
            self.assertEqual(file.state, "running")
            self.assertEqual(len(file.part_ids), 1)
            self.assertEqual(file.rows_written, 2)
            self.assertTrue(0 < file.progress < 100)
            self.assertEqual(self.feed.file_state, "running")
            file._run_unit(0)
        self.assertEqual(len(file.part_ids), 2)
        self.assertEqual(file.rows_written, 4)

    def test_a_killed_unit_is_resumed_from_its_last_part(self):
        """Killed (SIGKILL at limit_time_real), or stopped by Odoo's worker
        at limit_time_cpu or limit_memory_hard, whatever the format."""
        kills = {
            "csv": _Killed(),
            "xlsx": Exception(CPU_LIMIT_MESSAGE),
            "xls": MemoryError(),
        }
        for file_type, kill in kills.items():
            with self.subTest(file_type):
                self.feed.file_type = file_type
                self._assert_resumed_after(kill)

    def _assert_resumed_after(self, kill):
        expected = self._run_generation(self.feed).attachment_id.raw
        file = self._queued(self.feed)
        write_part = MarketplaceFeedFile._write_part
        calls = []

        def killed_at_the_third(record, deadline):
            calls.append(record.cursor_product_id)
            if len(calls) == 3:
                raise kill
            return write_part(record, deadline)

        with (
            patch.object(marketplace_feed_generation, "BATCH_SIZE", 2),
            patch.object(MarketplaceFeedFile, "_write_part", killed_at_the_third),
        ):
            file._run_unit(0)
            file._run_unit(0)
            self._killed_unit(file, type(kill))
            # What the killed unit left: its start counted, nothing else.
            self.assertEqual((file.state, file.attempts), ("running", 1))
            self.assertEqual(len(file.part_ids), 2)
            while file.state == "running":
                file._run_unit(0)
        self.assertEqual(file.state, "done")
        self.assertEqual(calls[3], calls[2], "resumed where the killed unit began")
        if self.feed.file_type == "xlsx":
            self.assertEqual(
                self._read_xlsx(file.attachment_id.raw), self._read_xlsx(expected)
            )
        else:
            self.assertEqual(file.attachment_id.raw, expected)

    def test_a_serialization_failure_is_retried_not_a_failure(self):
        file = self._queued(self.feed)
        conflict = psycopg2.errors.SerializationFailure("concurrent update")
        with patch.object(MarketplaceFeedFile, "_write_part", side_effect=conflict):
            for _unit in range(MAX_ATTEMPTS + 1):
                file._run_unit(0)
        self.assertEqual((file.state, file.attempts, file.error), ("running", 0, False))
        while file.state == "running":
            file._run_unit(0)
        self.assertEqual(file.state, "done")

    def test_a_feed_locked_by_another_worker_is_left_alone(self):
        file = self._queued(self.feed)
        with self.registry.cursor() as other:
            other.execute(
                "SELECT pg_advisory_lock(%s, %s)", (GENERATION_LOCK, self.feed.id)
            )
            try:
                self.assertIsNone(file._run_unit(0))
                self.file_model._cron_generate()
            finally:
                other.execute(
                    "SELECT pg_advisory_unlock(%s, %s)",
                    (GENERATION_LOCK, self.feed.id),
                )
        self.assertEqual((file.state, file.attempts), ("queued", 0))
        self.assertEqual(file._run_unit(0) and file.state, "running")

    def test_a_call_with_work_left_wakes_the_job(self):
        """Odoo calls a job with work left ten times in a row, then leaves it
        to a cron worker's poll (a minute, or never under a shorter
        limit_time_real): each call with work left adds a trigger, the last
        one none."""
        cron = self.env.ref(
            "stock_marketplace_feed.marketplace_feed_file_cron_generate"
        )
        triggers = self.env["ir.cron.trigger"]
        file = self._queued(self.feed)
        before = triggers.search_count([("cron_id", "=", cron.id)])
        with (
            patch.object(marketplace_feed_generation, "BATCH_SIZE", 2),
            patch.object(MarketplaceFeedFile, "_get_unit_seconds", return_value=0),
            # (no other feed queued meanwhile)
            patch.object(type(self.feed), "_cron_queue_stale_feeds"),
        ):
            calls = 0
            while file.state != "done":
                self.file_model._cron_generate()
                calls += 1
        self.assertGreater(calls, 2)
        self.assertEqual(
            triggers.search_count([("cron_id", "=", cron.id)]), before + calls - 1
        )

    def test_a_unit_killed_again_and_again_fails_the_generation(self):
        file = self._queued(self.feed)
        with patch.object(MarketplaceFeedFile, "_write_part", side_effect=_Killed):
            for _attempt in range(MAX_ATTEMPTS):
                self._killed_unit(file)
        file._run_unit(0)
        self.assertEqual(file.state, "failed")
        self.assertIn("stopped 3 times", file.error)

    def test_a_killed_call_has_progress_so_odoo_keeps_the_job_active(self):
        """Odoo disables a job whose calls time out without progress
        (ir.cron._process_job: timed_out_counter and no done)."""
        cron = self.env.ref(
            "stock_marketplace_feed.marketplace_feed_file_cron_generate"
        )
        cron, progress = cron._add_progress(timed_out_counter=0)
        files = self.file_model.with_context(ir_cron_progress_id=progress.id)
        file = self._queued(self.feed)
        with (
            patch.object(MarketplaceFeedFile, "_write_part", side_effect=_Killed),
            contextlib.suppress(_Killed),
        ):
            files._cron_generate()
        self.assertEqual(file.attempts, 1)
        self.assertGreater(progress.done, 0)
        self.assertGreater(progress.remaining, 0)
        self.assertTrue(cron.active)

    def test_failing_halfway_keeps_the_published_file(self):
        published = self._run_generation(self.feed)
        content = published.attachment_id.raw
        file = self._queued(self.feed)
        write_part = MarketplaceFeedFile._write_part

        def failing_second(record, deadline):
            if record.part_ids:
                raise RuntimeError("Stock service down")
            return write_part(record, deadline)

        with (
            patch.object(marketplace_feed_generation, "BATCH_SIZE", 2),
            patch.object(MarketplaceFeedFile, "_write_part", failing_second),
        ):
            file._run_unit(0)
            file._run_unit(0)
        self.assertEqual(file.state, "failed")
        self.assertEqual(file.error, "Stock service down")
        self.assertFalse(file.part_ids)
        self.assertEqual(self.feed.file_id, published)
        self.assertEqual(self.feed.file_id.attachment_id.raw, content)
        self.assertEqual(self.feed.file_state, "failed")
        self.assertIn("Stock service down", self.feed.generation_error)
        self.assertIn(
            "Stock service down", self.feed.message_ids[0].body, "in the chatter"
        )

    def test_generate_now_queues_and_keeps_its_error(self):
        self.assertIs(self.feed.action_generate(), True)
        file = self.feed.generation_id
        self.assertEqual(file.state, "queued")
        self.assertFalse(file.attachment_id, "nothing generated in the request")
        self.assertTrue(self.feed.action_generate(), "queued once")
        self.assertEqual(self.feed.generation_id, file)
        with patch.object(
            type(self.env["marketplace.feed"]),
            "_get_headers",
            side_effect=RuntimeError("Boom"),
        ):
            self.env["marketplace.feed.file"]._cron_generate()
        self.assertEqual(file.state, "failed")
        self.assertEqual(self.feed.generation_error, "Boom")

    def test_editing_the_feed_during_a_generation_restarts_it(self):
        file = self._queued(self.feed)
        with patch.object(marketplace_feed_generation, "BATCH_SIZE", 2):
            file._run_unit(0)
            self.feed.column_ids[1].header = "Title"
            self.feed.with_user(self.manager).write({"include_zero_stock": True})
            while file.state == "running":
                file._run_unit(0)
        self.assertEqual(file.state, "done")
        rows = self._read_csv(file.attachment_id.raw)
        self.assertEqual(rows[0], ["Code", "Title", "Quantity"])
        self.assertEqual(file.config_version, self.feed.config_version)
        self.assertIn("FEED-Z", [row[0] for row in rows], "the new settings hold")

    def test_a_new_server_address_makes_the_file_out_of_date(self):
        self.feed.write({"column_ids": [self._column("Images", kind="images")]})
        self.product_a.image_1920 = self.env.ref("base.partner_demo").avatar_128
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", "http://shop.example.com:8069")
        file = self._run_generation(self.feed)
        self.assertIn(b"http://shop.example.com:8069/", file.attachment_id.raw)
        self.assertEqual(self.feed.file_state, "up_to_date")
        params.set_param("web.base.url", "http://shop.example.com:8098")
        self.feed.invalidate_recordset()
        self.assertEqual(self.feed.file_state, "stale")
        self.assertTrue(self.feed._is_file_stale(file))
        new = self._run_generation(self.feed)
        self.assertIn(b"http://shop.example.com:8098/", new.attachment_id.raw)
        self.assertNotIn(b":8069/", new.attachment_id.raw)

    def test_one_failing_feed_does_not_stop_the_others(self):
        broken = self.feed.copy({"name": "Broken"})
        self.feed._queue_generation()
        broken._queue_generation()
        broken_files = self.file_model.search([("feed_id", "=", broken.id)])
        write_part = MarketplaceFeedFile._write_part

        def failing_for_broken(record, deadline):
            if record.feed_id == broken:
                raise RuntimeError("Broken feed")
            return write_part(record, deadline)

        with patch.object(MarketplaceFeedFile, "_write_part", failing_for_broken):
            for _call in range(10):
                self.file_model._cron_generate()
        self.assertEqual(broken_files.state, "failed")
        self.assertEqual(self.feed.file_id.state, "done")

    def test_unchanged_file_keeps_its_attachment_and_older_files_are_removed(self):
        first = self._run_generation(self.feed)
        attachment = first.attachment_id
        second = self._run_generation(self.feed)
        self.assertEqual(second.attachment_id, attachment, "no new attachment")
        self.assertFalse(first.attachment_id)
        self._add_stock(self.product_a, 1)
        third = self._run_generation(self.feed)
        self.assertNotEqual(third.attachment_id, attachment)
        self.assertFalse(attachment.exists(), "only the published file is kept")
        files = self.env["ir.attachment"].search(
            [("res_model", "=", "marketplace.feed.file")]
        )
        self.assertEqual(files, third.attachment_id | third.gzip_attachment_id)

    def test_generated_attachments_are_not_indexed_nor_in_the_chatter(self):
        file = self._run_generation(self.feed)
        attachments = file.attachment_id | file.gzip_attachment_id
        self.assertEqual(len(attachments), 2)
        self.assertEqual(attachments.mapped("index_content"), [False, False])
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "marketplace.feed"), ("res_id", "=", self.feed.id)]
            )
        )
        self.assertEqual(file.attachment_id.checksum, file.checksum)
        self.assertEqual(file.file_size, len(file.attachment_id.raw))

    def _add_stock(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse_a.lot_stock_id, quantity
        )


@tagged("post_install", "-at_install")
class TestFeedJobLink(MarketplaceFeedJobCase, HttpCase):
    """What the link serves while files are generated in the background."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed.enabled = True

    def _fetch(self, path=None):
        return self.url_open(
            path or urlsplit(self.feed.public_url).path,
            headers={"Accept-Encoding": "identity"},
            timeout=30,
        )

    def test_a_fetch_never_generates(self):
        with patch.object(MarketplaceFeedFile, "_write_part") as write_part:
            response = self._fetch()
        self.assertEqual(response.status_code, 503)
        self.assertTrue(response.headers["Retry-After"])
        write_part.assert_not_called()
        self.assertEqual(self.feed.generation_id.state, "queued")
        trigger = self.env["ir.cron.trigger"].search(
            [
                (
                    "cron_id",
                    "=",
                    self.env.ref(
                        "stock_marketplace_feed.marketplace_feed_file_cron_generate"
                    ).id,
                )
            ]
        )
        self.assertTrue(trigger, "the job is woken")

    def test_a_stale_fetch_serves_the_old_file_and_queues(self):
        old = self._run_generation(self.feed)
        self.feed.column_ids[1].header = "Title"
        triggers = self.env["ir.cron.trigger"]
        before = triggers.search_count([])
        response = self._fetch()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, old.attachment_id.raw)
        self.assertEqual(self.feed.generation_id.state, "queued")
        self.assertEqual(triggers.search_count([]), before + 1)
        self._fetch()
        self.assertEqual(
            triggers.search_count([]), before + 1, "a fetch meanwhile writes nothing"
        )

    def test_headers_come_from_the_file_record(self):
        old = self._run_generation(self.feed)
        self.feed.csv_encoding = "cp1251"
        response = self._fetch()
        self.assertEqual(response.content, old.attachment_id.raw)
        self.assertEqual(response.headers["Content-Type"], "text/csv; charset=utf-8")
        self._run_generation(self.feed)
        self.assertEqual(
            self._fetch().headers["Content-Type"], "text/csv; charset=windows-1251"
        )

    def test_a_renamed_file_answers_503_until_generated_and_the_old_url_404(self):
        self._run_generation(self.feed)
        old_path = urlsplit(self.feed.public_url).path
        self.feed.file_name = "renamed"
        new_path = urlsplit(self.feed.public_url).path
        self.assertEqual(self._fetch(old_path).status_code, 404)
        self.assertEqual(self._fetch(new_path).status_code, 503)
        self._run_generation(self.feed)
        self.assertEqual(self._fetch(new_path).status_code, 200)
        self.feed.file_type = "xlsx"
        self.assertEqual(self._fetch(new_path).status_code, 404)
        xlsx_path = urlsplit(self.feed.public_url).path
        self.assertEqual(self._fetch(xlsx_path).status_code, 503, "no CSV as .xlsx")
