# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import gzip
import io
import secrets
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import quote, urlsplit

from PIL import Image
from werkzeug.http import parse_date

from odoo import fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..controllers.feed import IMAGE_MAX_AGE, RETRY_AFTER
from ..models.marketplace_feed_fetch import FLUSH_SECONDS, FetchLogBuffer
from ..models.marketplace_feed_file import GENERATION_LOCK
from .common import MarketplaceFeedCase

FILE_LOGGER = "odoo.addons.stock_marketplace_feed.models.marketplace_feed_file"
USER_AGENT = "FeedRouteTest/1.0 (+https://store.example.com/bot)"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["Code", "Name", "Quantity"]


class MarketplaceFeedHttpCase(MarketplaceFeedCase, HttpCase):
    """The shared feed fixtures (MarketplaceFeedCase) behind the test HTTP
    server, with the CSV feed published. Its file, once the background job
    generated it (``_run_generation``), lists FEED-A with 5 units."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed.enabled = True
        cls.feed_class = cls.registry["marketplace.feed"]

    def setUp(self):
        super().setUp()
        # The fetches a test makes are written in its transaction, rolled back.
        self.addCleanup(self.env["marketplace.feed.fetch"]._flush_log)

    # Requests

    def _feed_path(self, feed=None):
        return urlsplit((feed or self.feed).public_url).path

    def _request_headers(self, headers=None):
        """Uncompressed unless asked: requests sends "Accept-Encoding: gzip"."""
        return {
            "Accept-Encoding": "identity",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        }

    def _fetch(self, path=None, headers=None, head=False):
        return self.url_open(
            path or self._feed_path(),
            headers=self._request_headers(headers),
            head=head,
            timeout=30,
        )

    def _fetch_raw(self, path=None, headers=None):
        """GET without decoding: (response, the body bytes as sent)."""
        response = self.opener.get(
            self.base_url() + (path or self._feed_path()),
            headers=self._request_headers(headers),
            stream=True,
            timeout=30,
        )
        with response:
            return response, response.raw.read(decode_content=False)

    def _unknown_paths(self):
        feed_id, token = self.feed.id, self.feed.access_token
        slugs = {
            "unknown id": f"{feed_id + 10**6}-{token}",
            "unknown token": f"{feed_id}-{secrets.token_urlsafe(32)}",
            "token without id": token,
            "id without token": f"{feed_id}-",
            "id not a number": f"x{feed_id}-{token}",
        }
        return {
            label: f"/marketplace-feed/{slug}/products.csv"
            for label, slug in slugs.items()
        }

    # State

    def _expire(self, feed=None):
        """Make the feed's files (the published one and a failed one) older
        than the refresh interval."""
        feed = feed or self.feed
        past = fields.Datetime.now() - timedelta(minutes=feed.refresh_interval + 1)
        feed.file_ids.filtered(lambda file: file.state in ("done", "failed")).write(
            {"finished_date": past}
        )

    def _add_stock(self, product, quantity, warehouse=None):
        self.env["stock.quant"]._update_available_quantity(
            product, (warehouse or self.warehouse_a).lot_stock_id, quantity
        )

    def _run_scheduled_action(self):
        """Call the background job as Odoo's cron runner does, until no
        generation is queued or running."""
        file_model = self.env["marketplace.feed.file"]
        for _call in range(100):
            file_model._cron_generate()
            if not file_model.search_count([("state", "in", ("queued", "running"))]):
                return
        self.fail("the scheduled action did not end its generations")

    @contextmanager
    def _generation_lock_held_elsewhere(self, feed):
        """Hold the feed's generation lock from another database connection,
        as a generation running in another worker does. (Not
        ``self.registry.cursor()``: in an HttpCase that is the test's own
        connection, where the advisory lock would be taken again.)"""
        params = (GENERATION_LOCK, feed.id)
        cursor = db_connect(self.env.cr.dbname).cursor()
        try:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", params)
            self.assertTrue(cursor.fetchone()[0], "the generation lock is taken")
            yield
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", params)
            cursor.close()

    def _get_fetches(self, feed=None):
        """The logged fetches of the feed, once the buffer is written."""
        self.env["marketplace.feed.fetch"]._flush_log()
        return self.env["marketplace.feed.fetch"].search(
            [("feed_id", "=", (feed or self.feed).id)], order="id"
        )

    def _get_route_writes_snapshot(self):
        """The feed's row, its file records, their attachments and the
        feed's messages, as stored."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("SELECT * FROM marketplace_feed WHERE id = %s", (self.feed.id,))
        feed_row = cr.fetchall()
        cr.execute(
            "SELECT * FROM marketplace_feed_file WHERE feed_id = %s ORDER BY id",
            (self.feed.id,),
        )
        file_rows = cr.fetchall()
        cr.execute(
            """SELECT id, checksum, write_date FROM ir_attachment
               WHERE (res_model = 'marketplace.feed' AND res_id = %s)
                  OR (res_model = 'marketplace.feed.file' AND res_id IN (
                      SELECT id FROM marketplace_feed_file WHERE feed_id = %s))
               ORDER BY id""",
            (self.feed.id, self.feed.id),
        )
        attachments = cr.fetchall()
        cr.execute(
            """SELECT count(*) FROM mail_message
               WHERE model = 'marketplace.feed' AND res_id = %s""",
            (self.feed.id,),
        )
        return feed_row, file_rows, attachments, cr.fetchone()[0]

    # Assertions

    def _assert_serves_stored_file(self, response, feed=None):
        """``response`` is the feed's published file."""
        attachment = (feed or self.feed).file_id.attachment_id
        self.assertEqual(response.status_code, 200)
        self.assertTrue(attachment)
        self.assertEqual(response.content, attachment.raw)
        self.assertEqual(response.headers["ETag"], f'"{attachment.checksum}"')

    def _assert_stale_file_served_and_queued(self, response, previous):
        """A fetch of an out-of-date file: the previous file, as it was, and a
        generation queued for the background job."""
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, previous.content)
        self.assertEqual(response.headers["ETag"], previous.headers["ETag"])
        self.assertEqual(self.feed.generation_id.state, "queued")

    def _assert_not_found(self, response):
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.content, b"Not Found")
        self.assertEqual(response.headers["Content-Type"], "text/plain; charset=utf-8")

    def _csv_rows(self, response, encoding="utf-8"):
        return self._read_csv(response.content, encoding=encoding)

    def _quantity_of(self, response, code="FEED-A"):
        return self._rows_by_code(self._csv_rows(response))[code][2]

    @staticmethod
    def _png(color):
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), color).save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue())


@tagged("post_install", "-at_install")
class TestFeedRouteFile(MarketplaceFeedHttpCase):
    """GET and HEAD of the file: body, headers, conditional requests, gzip."""

    def test_get_serves_stored_csv_with_headers(self):
        self._run_generation(self.feed)
        response = self._fetch()

        self._assert_serves_stored_file(response)
        rows = self._csv_rows(response)
        self.assertEqual(rows[0], HEADER)
        self.assertEqual(
            self._rows_by_code(rows)["FEED-A"], ["FEED-A", "Feed Chair", "5"]
        )
        headers = response.headers
        self.assertEqual(headers["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(
            headers["Content-Disposition"], "attachment; filename=products.csv"
        )
        self.assertEqual(int(headers["Content-Length"]), len(response.content))
        self.assertEqual(
            parse_date(headers["Last-Modified"]).replace(tzinfo=None),
            self.feed.file_date,
        )
        self.assertEqual(headers["Cache-Control"], "no-cache")
        self.assertNotIn("Content-Encoding", headers)

    def test_content_type_of_each_format(self):
        name_column = self.feed.column_ids.filtered(lambda col: col.header == "Name")
        name_column.header = "Назва"
        header = ["Code", "Назва", "Quantity"]
        formats = [
            (
                {"csv_encoding": "cp1251"},
                "text/csv; charset=windows-1251",
                "products.csv",
            ),
            ({"csv_encoding": "utf-8-sig"}, "text/csv; charset=utf-8", "products.csv"),
            ({"file_type": "xlsx"}, XLSX_MIME, "products.xlsx"),
            ({"file_type": "xls"}, "application/vnd.ms-excel", "products.xls"),
        ]
        for values, content_type, file_name in formats:
            with self.subTest(**values):
                self.feed.write(values)
                self._run_generation(self.feed)
                response = self._fetch()
                self._assert_serves_stored_file(response)
                self.assertEqual(response.headers["Content-Type"], content_type)
                self.assertEqual(
                    response.headers["Content-Disposition"],
                    f"attachment; filename={file_name}",
                )
                if self.feed.file_type == "xlsx":
                    rows = self._read_xlsx(response.content)
                elif self.feed.file_type == "xls":
                    rows = self._read_xls(response.content)
                else:
                    encoding = self.feed.csv_encoding
                    rows = self._csv_rows(response, encoding=encoding)
                    bom = response.content.startswith("\ufeff".encode())
                    self.assertEqual(bom, encoding == "utf-8-sig")
                self.assertEqual(rows[0], header)

    def test_non_ascii_file_name(self):
        self.feed.file_name = "товари"
        path = self._feed_path()
        self.assertEqual(path.rsplit("/", 1)[1], quote("товари.csv"))
        self._run_generation(self.feed)

        response = self._fetch(path)

        self._assert_serves_stored_file(response)
        self.assertIn(
            "filename*=UTF-8''%D1%82%D0%BE%D0%B2%D0%B0%D1%80%D0%B8.csv",
            response.headers["Content-Disposition"],
        )
        self._assert_not_found(self._fetch(path.replace(quote("товари"), "tovary")))

    def test_conditional_requests_answer_304_without_body(self):
        self._run_generation(self.feed)
        first = self._fetch()
        etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
        conditions = {
            "If-None-Match": {"If-None-Match": etag},
            "If-Modified-Since": {"If-Modified-Since": last_modified},
        }
        for label, headers in conditions.items():
            with self.subTest(label):
                response = self._fetch(headers=headers)
                self.assertEqual(response.status_code, 304)
                self.assertEqual(response.content, b"")
                self.assertEqual(response.headers["ETag"], etag)
        changed = self._fetch(headers={"If-None-Match": '"another-version"'})
        self.assertEqual(changed.status_code, 200)
        self.assertEqual(changed.content, first.content)

    def test_head_sends_headers_only(self):
        self._run_generation(self.feed)
        get = self._fetch()
        head = self._fetch(head=True)

        self.assertEqual(head.status_code, 200)
        self.assertEqual(head.content, b"")
        for header in ("Content-Length", "Content-Type", "ETag", "Last-Modified"):
            self.assertEqual(head.headers[header], get.headers[header], header)
        self.assertEqual(int(head.headers["Content-Length"]), len(get.content))

    def test_csv_is_gzipped_when_accepted(self):
        self._run_generation(self.feed)
        plain = self._fetch()
        response, body = self._fetch_raw(headers={"Accept-Encoding": "gzip, deflate"})

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Encoding"], "gzip")
        self.assertIn("Accept-Encoding", response.headers["Vary"])
        self.assertEqual(response.headers["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(int(response.headers["Content-Length"]), len(body))
        self.assertEqual(body, self.feed.file_id.gzip_attachment_id.raw)
        self.assertEqual(gzip.decompress(body), plain.content)
        self.assertNotEqual(response.headers["ETag"], plain.headers["ETag"])
        self.assertEqual(self._get_fetches()[-1].bytes_sent, len(body))
        # The plain answer tells caches that it depends on Accept-Encoding too.
        self.assertNotIn("Content-Encoding", plain.headers)
        self.assertIn("Accept-Encoding", plain.headers["Vary"])

    def test_csv_is_plain_when_gzip_is_refused(self):
        self._run_generation(self.feed)
        for accept_encoding in ("identity", "gzip;q=0", "br;q=1, *;q=0"):
            with self.subTest(accept_encoding):
                response, body = self._fetch_raw(
                    headers={"Accept-Encoding": accept_encoding}
                )
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("Content-Encoding", response.headers)
                self.assertEqual(body, self.feed.file_id.attachment_id.raw)

    def test_xlsx_is_never_gzipped(self):
        self.feed.file_type = "xlsx"
        self._run_generation(self.feed)

        response, body = self._fetch_raw(headers={"Accept-Encoding": "gzip"})

        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Content-Encoding", response.headers)
        self.assertEqual(response.headers["Content-Type"], XLSX_MIME)
        self.assertEqual(body, self.feed.file_id.attachment_id.raw)
        self.assertTrue(body.startswith(b"PK"))
        self.assertFalse(self.feed.file_id.gzip_attachment_id)

    def test_a_fetch_reads_its_link_in_one_query(self):
        """One query reads the feed, its company's switches and its file,
        whether the fetch sends the file or answers 304. Nothing else: no
        user (``auth="none"``), no write (its log row waits in the worker's
        buffer); only the server's address may ask more (``get_base_url()``:
        website reads the company's website; at most what it asks alone)."""
        self._run_generation(self.feed)
        path = self._feed_path()
        etag = self._fetch(path).headers["ETag"]
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        self.feed.sudo().get_base_url()
        base_url_queries = self.cr.sql_log_count - before
        for headers, status in (({}, 200), ({"If-None-Match": etag}, 304)):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.assertEqual(self._fetch(path, headers).status_code, status)
            with self.subTest(status=status):
                self.assertLessEqual(
                    self.cr.sql_log_count - before, 1 + base_url_queries
                )
        self.assertEqual(len(self._get_fetches()), 3, "each fetch logged")


@tagged("post_install", "-at_install")
class TestFeedRouteRefusals(MarketplaceFeedHttpCase):
    """Every refusal is the same 404; no file before the first good one: 503."""

    def test_refusals_are_one_identical_404(self):
        self._run_generation(self.feed)
        path, slug = self._feed_path(), self.feed._get_public_slug()
        responses = {
            label: self._fetch(unknown_path)
            for label, unknown_path in self._unknown_paths().items()
        }
        responses["wrong file name"] = self._fetch(
            f"/marketplace-feed/{slug}/stock.csv"
        )
        responses["wrong extension"] = self._fetch(
            f"/marketplace-feed/{slug}/products.xlsx"
        )
        company = self.company.sudo()
        switches = {
            "feed disabled": (self.feed, {"enabled": False}),
            "integration off": (company, {"marketplace_feed_enabled": False}),
            "hobby plan": (company, {"marketplace_feed_plan": "hobby"}),
        }
        for label, (record, values) in switches.items():
            previous = {name: record[name] for name in values}
            record.write(values)
            responses[label] = self._fetch(path)
            record.write(previous)
        self.assertEqual(self._fetch(path).status_code, 200)

        reference = responses["unknown id"]
        self._assert_not_found(reference)
        for label, response in responses.items():
            with self.subTest(label):
                self.assertEqual(response.status_code, reference.status_code)
                self.assertEqual(response.content, reference.content)
                self.assertEqual(
                    response.headers["Content-Type"], reference.headers["Content-Type"]
                )
                self.assertNotIn("ETag", response.headers)

    def test_head_refusal_is_404(self):
        self.feed.enabled = False
        response = self._fetch(head=True)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.content, b"")

    def test_503_until_a_first_file_exists(self):
        first = self._fetch()
        second = self._fetch()
        queued = self.feed.generation_id
        self.assertEqual(queued.state, "queued")
        self.assertEqual(self.feed.file_ids, queued, "one generation queued")

        # The generation fails: the error is on its file record.
        error = UserError("The pricelist service is down.")
        with (
            patch.object(self.feed_class, "_iter_rows", side_effect=error),
            mute_logger(FILE_LOGGER),
        ):
            self.assertEqual(self._run_generation(self.feed), queued)
        self.assertEqual(queued.state, "failed")
        self.assertEqual(queued.error, "The pricelist service is down.")
        third = self._fetch()

        for response in (first, second, third):
            self.assertEqual(response.status_code, 503)
            self.assertEqual(response.headers["Retry-After"], str(RETRY_AFTER))
            self.assertNotIn("ETag", response.headers)
        self.assertFalse(self.feed.file_id)
        self.assertIn("The pricelist service is down.", self.feed.generation_error)
        self.assertFalse(self.feed.generation_id, "the failure is not retried at once")
        posted = self.feed.message_ids.filtered(
            lambda message: "The pricelist service is down." in message.body
        )
        self.assertEqual(len(posted), 1, "the same error is posted once")
        self.assertEqual(self._get_fetches().mapped("status_code"), [503, 503, 503])

        # The next fetch after a successful generation serves the file.
        self._run_generation(self.feed)
        self._assert_serves_stored_file(self._fetch())
        self.assertFalse(self.feed.generation_error)


@tagged("post_install", "-at_install")
class TestFeedRouteRegeneration(MarketplaceFeedHttpCase):
    """When the link serves the stored file and when a new one is queued."""

    def test_stored_file_served_within_interval_regenerated_after(self):
        self._run_generation(self.feed)
        first = self._fetch()
        self._assert_serves_stored_file(first)
        self.assertEqual(self._quantity_of(first), "5")

        self._add_stock(self.product_a, 10)
        cached = self._fetch()
        self.assertEqual(cached.content, first.content)
        self.assertEqual(cached.headers["ETag"], first.headers["ETag"])
        self.assertFalse(self.feed.generation_id, "a fresh file: nothing queued")

        self._expire()
        self._assert_stale_file_served_and_queued(self._fetch(), first)
        self._run_generation(self.feed)
        fresh = self._fetch()
        self._assert_serves_stored_file(fresh)
        self.assertEqual(self._quantity_of(fresh), "15")
        self.assertNotEqual(fresh.headers["ETag"], first.headers["ETag"])

    def test_scheduled_action_regenerates_stale_published_feeds(self):
        disabled = self.feed.copy({"name": "Disabled copy"})
        self.assertFalse(disabled.enabled)
        self._run_scheduled_action()
        generated = self.feed.file_id
        self.assertEqual(generated.state, "done")
        self.assertFalse(disabled.file_ids, "unpublished feeds are not generated")
        self._run_scheduled_action()
        self.assertEqual(self.feed.file_id, generated, "fresh files are kept")
        self.assertEqual(self.feed.file_ids, generated, "none queued")
        response = self._fetch()
        self._assert_serves_stored_file(response)

        self._add_stock(self.product_a, 10)
        self._expire()
        self._run_scheduled_action()
        self.assertNotEqual(self.feed.file_id, generated, "stale files are")
        self.assertEqual(self._quantity_of(self._fetch()), "15")

    def test_configuration_change_regenerates(self):
        self._run_generation(self.feed)
        first = self._fetch()
        name_column = self.feed.column_ids.filtered(lambda col: col.header == "Name")
        name_column.header = "Title"
        self.assertEqual(self.feed.file_state, "stale")

        self._assert_stale_file_served_and_queued(self._fetch(), first)
        self._run_generation(self.feed)
        renamed = self._fetch()
        self._assert_serves_stored_file(renamed)
        self.assertEqual(self._csv_rows(renamed)[0], ["Code", "Title", "Quantity"])
        self.assertNotEqual(renamed.headers["ETag"], first.headers["ETag"])

        self.feed.csv_delimiter = "semicolon"
        self._assert_stale_file_served_and_queued(self._fetch(), renamed)
        self._run_generation(self.feed)
        semicolons = self._fetch()
        self.assertEqual(
            self._read_csv(semicolons.content, delimiter=";")[0],
            ["Code", "Title", "Quantity"],
        )
        self.assertEqual(self.feed.file_state, "up_to_date")

    def test_regenerated_token_kills_the_old_link(self):
        self._run_generation(self.feed)
        old_path = self._feed_path()
        self.assertEqual(self._fetch(old_path).status_code, 200)

        self.feed.action_regenerate_token()
        new_path = self._feed_path()

        self.assertNotEqual(new_path, old_path)
        self._assert_not_found(self._fetch(old_path))
        self._assert_serves_stored_file(self._fetch(new_path))

    def test_failed_regeneration_keeps_the_last_good_file(self):
        published = self._run_generation(self.feed)
        good = self._fetch()
        attachments = published.attachment_id | published.gzip_attachment_id
        raw = published.attachment_id.raw

        def rows_with_sql_error(feed, *args, **kwargs):
            feed.env.cr.execute(
                "SELECT no_such_column FROM marketplace_feed", log_exceptions=False
            )

        failures = {
            "exception": (RuntimeError("Stock service down"), "Stock service down"),
            "database error": (rows_with_sql_error, "no_such_column"),
        }
        for label, (side_effect, message) in failures.items():
            with self.subTest(label):
                self._add_stock(self.product_a, 1)
                self._expire()
                self._assert_stale_file_served_and_queued(self._fetch(), good)
                with (
                    patch.object(
                        self.feed_class,
                        "_iter_rows",
                        autospec=True,
                        side_effect=side_effect,
                    ),
                    mute_logger(FILE_LOGGER),
                ):
                    failed = self._run_generation(self.feed)
                self.assertEqual(failed.state, "failed")
                self.assertIn(message, failed.error)
                self.assertIn(message, self.feed.generation_error)
                response = self._fetch()
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.content, good.content)
                self.assertEqual(response.headers["ETag"], good.headers["ETag"])
                self.assertEqual(self.feed.file_id, published)
                self.assertEqual(
                    published.attachment_id | published.gzip_attachment_id,
                    attachments,
                )
                self.assertEqual(published.attachment_id.raw, raw)
                # The failed attempt counts: the next fetch does not retry at once.
                self.assertFalse(self.feed.generation_id)

    def test_locked_first_generation_answers_503(self):
        self.assertEqual(self._fetch().status_code, 503)
        queued = self.feed.generation_id
        with self._generation_lock_held_elsewhere(self.feed):
            self.env["marketplace.feed.file"]._cron_generate()
            self.assertEqual(queued.state, "queued", "another worker has it")
            response = self._fetch()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers["Retry-After"], str(RETRY_AFTER))
        self.assertFalse(self.feed.generation_error)

    def test_locked_generation_serves_the_previous_file(self):
        self._run_generation(self.feed)
        previous = self.feed.file_id.attachment_id.raw
        self._add_stock(self.product_a, 10)
        self._expire()

        with self._generation_lock_held_elsewhere(self.feed):
            self.assertEqual(self._fetch().content, previous)
            queued = self.feed.generation_id
            self.env["marketplace.feed.file"]._cron_generate()
            self.assertEqual(queued.state, "queued", "another worker has it")
            response = self._fetch()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, previous)
        self.assertEqual(self._quantity_of(response), "5")

        self._run_scheduled_action()
        self.assertEqual(queued.state, "done")
        fresh = self._fetch()
        self.assertEqual(self._quantity_of(fresh), "15")


@tagged("post_install", "-at_install")
class TestFeedRouteImages(MarketplaceFeedHttpCase):
    """The image links written in the file's images column (more in
    test_feed_security.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed.write({"column_ids": [cls._column("Images", kind="images")]})
        cls.product_a.product_tmpl_id.image_1920 = cls._png("red")
        cls.product_a.image_variant_1920 = cls._png("blue")

    def _image_path(self, product, record, field_name="image_1920"):
        """The signed path of ``record``'s image as one of ``product``'s."""
        checksum = self._image_checksum(record, field_name)
        signature = self.feed._get_image_signer()(product.id, checksum)
        return (
            f"/marketplace-feed/image/{self.feed.id}/{product.id}/{checksum}/"
            f"{signature}"
        )

    def _file_links(self, code="FEED-A"):
        self._run_generation(self.feed)
        return self._rows_by_code(self._csv_rows(self._fetch()))[code][3]

    def _create_product_with_image(self, **values):
        return self.env["product.product"].create(
            dict(values, image_1920=self._png("green"))
        )

    def test_file_lists_image_links_that_serve_the_images(self):
        template = self.product_a.product_tmpl_id
        paths = [
            self._image_path(self.product_a, self.product_a, "image_variant_1920"),
            self._image_path(self.product_a, template),
        ]
        self.assertEqual(
            self._file_links(), ", ".join(self.base_url() + path for path in paths)
        )
        images = [self.product_a.image_variant_1920, template.image_1920]
        for path, image in zip(paths, images, strict=True):
            with self.subTest(path):
                response = self._fetch(path)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.content, base64.b64decode(image))
                self.assertEqual(response.headers["Content-Type"], "image/png")
                self.assertTrue(response.headers.get("ETag"))
                self.assertEqual(
                    response.headers["Cache-Control"],
                    f"public, max-age={IMAGE_MAX_AGE}, immutable",
                )
                not_modified = self._fetch(
                    path, headers={"If-None-Match": response.headers["ETag"]}
                )
                self.assertEqual(not_modified.status_code, 304)

    def test_website_sale_extra_images_follow_the_main_ones(self):
        if "product.image" not in self.env:
            self.skipTest("website_sale is not installed")
        template = self.product_a.product_tmpl_id
        image_model = self.env["product.image"]
        template_extra = image_model.create(
            {
                "name": "Back",
                "product_tmpl_id": template.id,
                "image_1920": self._png("white"),
            }
        )
        image_model.create({"name": "No image", "product_tmpl_id": template.id})
        variant_extra = image_model.create(
            {
                "name": "Side",
                "product_variant_id": self.product_a.id,
                "image_1920": self._png("black"),
            }
        )
        # website_sale's order: variant, template, variant extras, template extras.
        paths = [
            self._image_path(self.product_a, self.product_a, "image_variant_1920"),
            self._image_path(self.product_a, template),
            self._image_path(self.product_a, variant_extra),
            self._image_path(self.product_a, template_extra),
        ]
        self.assertEqual(
            self._file_links(), ", ".join(self.base_url() + path for path in paths)
        )
        for path, image in zip(paths[2:], (variant_extra, template_extra), strict=True):
            with self.subTest(path):
                response = self._fetch(path)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.content, base64.b64decode(image.image_1920))

    def test_image_refusals_are_404(self):
        other_company = self.env["res.company"].create({"name": "Feed Other Co"})
        consumable = self._create_product_with_image(name="Feed Leaflet", type="consu")
        foreign = self._create_product_with_image(
            name="Feed Foreign Chair", is_storable=True, company_id=other_company.id
        )
        path = self._image_path(self.product_a, self.product_a.product_tmpl_id)
        self.assertIn(self.base_url() + path, self._file_links())
        prefix, signature = path.rsplit("/", 1)
        paths = {
            "another product's image": self._image_path(
                self.product_a, consumable.product_tmpl_id
            ),
            "product not storable": self._image_path(
                consumable, consumable.product_tmpl_id
            ),
            "product of another company": self._image_path(
                foreign, foreign.product_tmpl_id
            ),
            "unknown product": path.replace(f"/{self.product_a.id}/", f"/{10**9}/"),
            "wrong signature": f"{prefix}/{secrets.token_urlsafe(16)}",
        }
        for label, refused in paths.items():
            with self.subTest(label):
                self._assert_not_found(self._fetch(refused))
        self.assertEqual(self._fetch(path).status_code, 200)
        self.feed.enabled = False
        self._assert_not_found(self._fetch(path))


@tagged("post_install", "-at_install")
class TestFeedDownload(MarketplaceFeedHttpCase):
    """The form's Download: the published file, for a feed manager only."""

    def test_download_leaves_the_link_alone(self):
        url = self.feed.action_download()["url"]
        self.authenticate("feed_manager", "feed_manager")
        self.assertEqual(self.url_open(url).status_code, 404, "no file yet")
        self.assertFalse(self.feed.file_ids, "a download generates nothing")
        published = self._run_generation(self.feed)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._quantity_of(response), "5")
        self.assertEqual(response.content, published.attachment_id.raw)
        self.assertIn("products.csv", response.headers["Content-Disposition"])
        self.assertEqual(self.feed.file_ids, published, "the link's file is untouched")
        self.assertFalse(self._get_fetches(), "downloads are not fetches")

    def test_download_needs_read_access(self):
        self._run_generation(self.feed)
        other_company = self.env["res.company"].create({"name": "Download Co"})
        self._new_feed_manager("feed_other_manager", other_company)
        self.authenticate("feed_other_manager", "feed_other_manager")
        response = self.url_open(self.feed.action_download()["url"])
        self.assertEqual(response.status_code, 404)
        self.authenticate(None, None)
        response = self.url_open(self.feed.action_download()["url"])
        self.assertNotIn(b"FEED-A", response.content, "anonymous: login page")


@tagged("post_install", "-at_install")
class TestFeedRouteLog(MarketplaceFeedHttpCase):
    """Each fetch of a known link is logged; the route writes nothing else."""

    def test_each_fetch_is_logged_once(self):
        self._run_generation(self.feed)
        get = self._fetch()
        self._fetch(head=True)
        self._fetch(headers={"If-None-Match": get.headers["ETag"]})
        self._fetch(f"/marketplace-feed/{self.feed._get_public_slug()}/stock.csv")
        self.feed.enabled = False
        self._fetch()

        fetches = self._get_fetches()
        self.assertEqual(
            [(fetch.status_code, fetch.bytes_sent) for fetch in fetches],
            [(200, len(get.content)), (200, 0), (304, 0), (404, 0), (404, 0)],
        )
        for fetch in fetches:
            self.assertEqual(fetch.ip_address, "127.0.0.1")
            self.assertEqual(fetch.user_agent, USER_AGENT)
            self.assertEqual(fetch.company_id, self.company)
        self.assertEqual(self.feed.fetch_count, 5)
        self.assertEqual(self.feed.last_fetch_date, max(fetches.mapped("create_date")))
        self.assertLess(
            abs(fields.Datetime.now() - self.feed.last_fetch_date), timedelta(minutes=5)
        )

    def test_fetches_older_than_90_days_are_purged(self):
        self._fetch()
        self._fetch(head=True)
        old, recent = self._get_fetches()
        self.env.cr.execute(
            "UPDATE marketplace_feed_fetch SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=91), old.id),
        )
        self.env["marketplace.feed.fetch"]._gc_fetch_log()
        self.assertEqual(self._get_fetches(), recent)

    def test_unknown_links_log_nothing(self):
        fetch_model = self.env["marketplace.feed.fetch"]
        fetch_model._flush_log()
        count = fetch_model.search_count([])
        for label, path in self._unknown_paths().items():
            with self.subTest(label):
                self._assert_not_found(self._fetch(path))
        fetch_model._flush_log()
        self.assertEqual(fetch_model.search_count([]), count)

    def _count_logged_rows(self):
        self.env.cr.execute(
            "SELECT count(*) FROM marketplace_feed_fetch WHERE feed_id = %s",
            [self.feed.id],
        )
        return self.env.cr.fetchone()[0]

    def test_cached_fetches_write_nothing(self):
        """The fetches' rows wait in the worker's buffer: the requests write
        nothing to the database; the flush writes the rows."""
        self._run_generation(self.feed)
        snapshot = self._get_route_writes_snapshot()

        first = self._fetch()
        self.assertEqual(self._fetch().status_code, 200)
        self._fetch(head=True)
        self._fetch(headers={"If-None-Match": first.headers["ETag"]})

        self.assertEqual(self._get_route_writes_snapshot(), snapshot)
        self.assertEqual(self._count_logged_rows(), 0, "not written by the fetch")
        self.env["marketplace.feed.fetch"]._flush_log()
        self.assertEqual(self._count_logged_rows(), 4)

    def test_written_rows(self):
        """One INSERT writes the buffered rows in their order, with the
        feed's company and the robot's name; a deleted feed's are dropped."""
        fetch_model = self.env["marketplace.feed.fetch"]
        other = self.feed.copy({"name": "Deleted since"})
        fetched = fields.Datetime.now() - timedelta(seconds=30)
        rows = [
            (self.feed.id, 304, 0, "10.0.0.1", "curl/8.5.0", None, fetched),
            (other.id, 200, 10, "10.0.0.2", "", None, fetched),
            (self.feed.id, 200, 42, None, USER_AGENT, self.env.uid, fetched),
        ]
        other.unlink()
        fetch_model._write_log(rows)
        fetches = self._get_fetches()
        self.assertEqual(
            [
                (f.status_code, f.bytes_sent, f.ip_address, f.robot_name, f.create_uid)
                for f in fetches
            ],
            [
                (304, 0, "10.0.0.1", "curl", self.env["res.users"]),
                (200, 42, False, False, self.env.user),
            ],
        )
        self.assertEqual(fetches.company_id, self.company)
        self.assertEqual(set(fetches.mapped("create_date")), {fetched})

    def test_buffer_writes_once_after_a_delay(self):
        """Outside tests, a timer writes the rows FLUSH_SECONDS after the
        first one, all in one write; the process's exit writes the rest."""
        self.env["marketplace.feed.fetch"]._flush_log()  # the timer finds none
        buffer = FetchLogBuffer()
        written = []
        dbname = self.env.cr.dbname
        with (
            patch.object(
                FetchLogBuffer,
                "_write",
                lambda _buffer, registry, rows: written.append((registry, rows)),
            ),
            patch.object(Registry, "in_test_mode", lambda _registry: False),
        ):
            buffer.add(dbname, "first")
            buffer.add(dbname, "second")
            self.assertFalse(written, "nothing written at once")
            time.sleep(FLUSH_SECONDS + 1)
            self.assertEqual(written, [(self.registry, ["first", "second"])])
            buffer.add(dbname, "last")
            buffer.flush()
            self.assertEqual(written[1:], [(self.registry, ["last"])])
