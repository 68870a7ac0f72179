# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Generated feed files: one record per generation, and the background job
that writes them.

A generation is a job over batches of products: each call of the scheduled
action works on one file for a share of the server's time limits, writes a
part (``writers.parts``), commits it with the progress, and tells Odoo how
much is left (``ir.cron._notify_progress``), so that Odoo calls it again
at once. When the rows are done, a last unit joins the parts into the file
and publishes it. A unit the server kills leaves its last committed part;
the next call resumes from there. The record keeps what serving needs, as
it was when the file was generated.
"""

import base64
import dataclasses
import gc
import hashlib
import io
import logging
import os
import resource
import tempfile
import threading
import time

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB

from ..writers import (
    CONTENT_TYPES,
    XML_CONTENT_TYPES,
    FeedOptions,
    FeedTooLargeError,
    PartState,
    PartWriter,
    assemble,
    open_writer,
)
from .marketplace_feed_generation import MISSING_LISTED

_logger = logging.getLogger(__name__)

# First key of the advisory lock that lets one generation per feed run at a time.
GENERATION_LOCK = 0x6D66  # "mf"
HTTP_CHARSETS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1251": "windows-1251"}
# A unit of work interrupted this many times in a row (killed by the
# server's limits) fails the generation instead of trying forever.
MAX_ATTEMPTS = 3
HISTORY = 10  # generations kept per feed
# What odoo.service.server.Worker.signal_time_expired_handler raises.
CPU_LIMIT_MESSAGE = "CPU time limit exceeded."
# The fields a fetch of the link reads of the published file.
SERVING_FIELDS = [
    "feed_id",
    "file_name",
    "content_type",
    "attachment_id",
    "gzip_attachment_id",
    "checksum",
    "finished_date",
    "config_version",
    "base_url",
]


class MarketplaceFeedFile(models.Model):
    _name = "marketplace.feed.file"
    _description = "Online Store Feed File"
    _order = "id desc"
    _rec_name = "file_name"

    feed_id = fields.Many2one(
        "marketplace.feed", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="feed_id.company_id", store=True)
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Generating"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        index=True,
    )
    # What the file was generated with: serving follows these, not the
    # feed's current settings.
    file_name = fields.Char(readonly=True)
    file_type = fields.Char(readonly=True)
    content_type = fields.Char(readonly=True)
    writer_options = fields.Json(readonly=True)
    headers = fields.Json(readonly=True)
    config_version = fields.Integer(
        readonly=True, help="The feed's settings version the file was generated with."
    )
    base_url = fields.Char(readonly=True)
    # Result
    attachment_id = fields.Many2one("ir.attachment", readonly=True)
    gzip_attachment_id = fields.Many2one("ir.attachment", readonly=True)
    checksum = fields.Char(readonly=True)
    file_size = fields.Integer(readonly=True)
    # Progress
    started_date = fields.Datetime(string="Started", readonly=True)
    finished_date = fields.Datetime(string="Finished", readonly=True)
    heartbeat_date = fields.Datetime(
        string="Last Progress", readonly=True, help="When a unit of work last started."
    )
    attempts = fields.Integer(
        readonly=True, help="Units of work started since the last one finished."
    )
    products_total = fields.Integer(readonly=True)
    products_done = fields.Integer(compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress")
    duration = fields.Float(string="Duration (s)", compute="_compute_progress")
    remaining_time = fields.Float(
        string="Estimated Time Left (s)", compute="_compute_progress"
    )
    cursor_product_id = fields.Integer(readonly=True)
    rows_complete = fields.Boolean(readonly=True)
    part_state = fields.Json(readonly=True)
    part_ids = fields.Many2many(
        "ir.attachment", "marketplace_feed_file_part_rel", string="Parts", readonly=True
    )
    # Report, as counts: rendered in the reader's language.
    rows_written = fields.Integer(readonly=True)
    rows_skipped = fields.Integer(readonly=True)
    rows_missing = fields.Integer(readonly=True)
    missing_names = fields.Json(readonly=True)
    replaced_chars = fields.Integer(readonly=True)
    truncated_cells = fields.Integer(readonly=True)
    # The products the file lists, for its image links: bit n (of byte
    # n // 8, from the lowest) for product id n; base64 as Odoo stores binary.
    product_bitmap = fields.Binary(attachment=False, readonly=True)
    report = fields.Text(compute="_compute_report")
    error = fields.Text(readonly=True)

    def init(self):
        # One generation queued or running per feed: two fetches queueing at
        # once get one.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (feed_id) "
                "WHERE state IN ('queued', 'running')",
                SQL.identifier(f"{self._table}_in_progress_uniq"),
                SQL.identifier(self._table),
            )
        )

    @api.depends("rows_written", "rows_skipped", "products_total", "started_date")
    def _compute_progress(self):
        now = fields.Datetime.now()
        for file in self:
            file.products_done = file.rows_written + file.rows_skipped
            file.progress = (
                100.0 * file.products_done / file.products_total
                if file.products_total
                else 100.0 * (file.state == "done")
            )
            end = file.finished_date or now
            file.duration = (
                (end - file.started_date).total_seconds() if file.started_date else 0.0
            )
            file.remaining_time = (
                file.duration * (100.0 - file.progress) / file.progress
                if file.state == "running" and file.progress
                else 0.0
            )

    @api.depends(
        "rows_written",
        "rows_skipped",
        "rows_missing",
        "missing_names",
        "replaced_chars",
        "truncated_cells",
        "file_type",
    )
    @api.depends_context("lang")  # each reader's language, not the first one's
    def _compute_report(self):
        for file in self:
            file.report = "\n".join(file._get_report_lines())

    def _get_report_lines(self):
        """The report, in the environment's language."""
        self.ensure_one()
        lines = [self.env._("%(rows)s product rows written.", rows=self.rows_written)]
        if self.rows_skipped:
            lines.append(
                self.env._(
                    "%(count)s products left out: zero or negative stock.",
                    count=self.rows_skipped,
                )
            )
        if self.rows_missing:
            lines.append(
                self.env._(
                    "%(count)s products lack a value the store requires: %(products)s",
                    count=self.rows_missing,
                    products=", ".join(self.missing_names or []),
                )
            )
        if self.replaced_chars and self.file_type == "xml":
            lines.append(
                self.env._(
                    "%(count)s characters an XML file cannot hold (control "
                    "characters) were left out.",
                    count=self.replaced_chars,
                )
            )
        elif self.replaced_chars:
            lines.append(
                self.env._(
                    "%(count)s characters the file cannot hold were replaced.",
                    count=self.replaced_chars,
                )
            )
        if self.truncated_cells and self.file_type == "xml":
            lines.append(
                self.env._(
                    "%(count)s products have more than 10 additional images: "
                    "the others were left out.",
                    count=self.truncated_cells,
                )
            )
        elif self.truncated_cells:
            lines.append(
                self.env._(
                    "%(count)s cells longer than 32,767 characters were cut.",
                    count=self.truncated_cells,
                )
            )
        return lines

    # Serving

    @api.model
    def _get_serving_fields(self):
        return SERVING_FIELDS

    def _get_stream(self, accept_gzip=False):
        """The stream the link serves, and whether it is the gzip-encoded copy
        (served to clients that accept it, for formats that have one)."""
        self.ensure_one()
        gzipped = accept_gzip and bool(self.gzip_attachment_id)
        attachment = self.gzip_attachment_id if gzipped else self.attachment_id
        stream = self.env["ir.binary"].sudo()._get_stream_from(attachment)
        stream.mimetype = self.content_type
        stream.download_name = self.file_name
        stream.etag = attachment.checksum
        stream.last_modified = self.finished_date
        stream.as_attachment = True
        return stream, gzipped

    def _holds_product(self, product_id):
        """Whether this file lists product ``product_id``: the byte of the
        bitmap that holds it, read in the database (the four base64
        characters that encode it), not the whole bitmap."""
        self.ensure_one()
        byte = product_id // 8
        self.env.cr.execute(
            SQL(
                "SELECT substring(product_bitmap FROM %s FOR 4) FROM %s WHERE id = %s",
                byte // 3 * 4 + 1,
                SQL.identifier(self._table),
                self.id,
            )
        )
        row = self.env.cr.fetchone()
        chunk = base64.b64decode(bytes(row[0])) if row and row[0] else b""
        index = byte % 3
        return index < len(chunk) and bool(chunk[index] >> product_id % 8 & 1)

    def _get_product_bitmap(self, product_ids):
        """The file's product bitmap with ``product_ids`` added (base64)."""
        self.ensure_one()
        bitmap = bytearray(base64.b64decode(self.product_bitmap or b""))
        size = max(product_ids, default=-1) // 8 + 1
        bitmap.extend(bytes(max(0, size - len(bitmap))))
        for product_id in product_ids:
            bitmap[product_id // 8] |= 1 << product_id % 8
        return base64.b64encode(bitmap)

    # The background job

    @api.model
    def _trigger_job(self):
        self.env.ref(
            "stock_marketplace_feed.marketplace_feed_file_cron_generate"
        ).sudo()._trigger()

    @api.model
    def _cron_generate(self):
        """One unit of work on the generation that waited longest, then tell
        Odoo how many generations are left (it calls again at once)."""
        self.env["marketplace.feed"]._cron_queue_stale_feeds()
        done = 0
        budget = self._get_unit_seconds()
        pending = self.search(
            [("state", "in", ("queued", "running"))],
            order="heartbeat_date asc nulls first, id",
        )
        for file in pending:
            done = file._run_unit(time.monotonic() + budget)
            if done is not None:  # None: another worker has it
                break
        done = done or 0
        remaining = self.search_count([("state", "in", ("queued", "running"))])
        if remaining:
            # Odoo calls a job with work left again at once, ten times in a
            # row, then leaves it to a cron worker's next poll: a minute
            # later, or never when limit_time_real is under a minute (the
            # server stops a worker waiting that long). The trigger wakes a
            # cron worker as soon as this call ends (also when nothing could
            # run now: locked, or no time left in this call).
            self._trigger_job()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _get_unit_seconds(self):
        """How long one unit of work may write: a share of the server's
        limits (``limit_time_cpu``, and ``limit_time_real_cron`` or
        ``limit_time_real``) small enough that the ten calls in a row Odoo
        makes of a job with work left fit them, and no more than the CPU time
        the worker has left."""
        real = config["limit_time_real_cron"]
        if not real or real < 0:
            real = config["limit_time_real"]
        limits = [limit for limit in (config["limit_time_cpu"], real) if limit > 0]
        seconds = min(limits or [60]) / (MAX_BATCH_PER_CRON_JOB + 2)
        soft, _hard = resource.getrlimit(resource.RLIMIT_CPU)
        if soft != resource.RLIM_INFINITY:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            seconds = min(seconds, (soft - usage.ru_utime - usage.ru_stime) / 3)
        return seconds

    def _try_lock(self):
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", (GENERATION_LOCK, self.feed_id.id)
        )
        return self.env.cr.fetchone()[0]

    def _unlock(self):
        self.env.cr.execute(
            "SELECT pg_advisory_unlock(%s, %s)", (GENERATION_LOCK, self.feed_id.id)
        )

    def _commit(self):
        """End the unit's transaction (not in tests, whose cursor can't)."""
        if not _testing():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _run_unit(self, deadline):
        """Start the generation, write a part of it until ``deadline``, or
        join its parts and publish the file; commit. Returns the number of
        products (or files) done, for the job's progress; None when another
        worker holds the feed's generation lock."""
        self.ensure_one()
        if not self._try_lock():
            return None
        # A unit makes and drops objects by the million: the collector's full
        # passes would walk the whole registry with them, a fifth of the
        # unit's time. What exists already is left out of them until the end.
        gc.freeze()
        try:
            return self._run_locked_unit(deadline)
        finally:
            gc.unfreeze()
            self._unlock()

    def _run_locked_unit(self, deadline):
        now = fields.Datetime.now()
        # Counted and committed first: a unit the server kills is seen by
        # the next one (its heartbeat and attempts stay).
        self.write(
            {
                "state": "running",
                "attempts": self.attempts + 1,
                "heartbeat_date": now,
                "started_date": self.started_date or now,
            }
        )
        # Odoo counts a call its limits end as a timeout, and disables a job
        # after repeated ones, unless the call had progress: this
        # generation's committed parts are kept, so it has.
        self.env["ir.cron"]._notify_progress(
            done=max(1, self.rows_written + self.rows_skipped), remaining=1
        )
        self._commit()
        if self.attempts > MAX_ATTEMPTS:
            self._record_failure(
                self.env._(
                    "A unit of work was stopped %(count)s times in a row by the "
                    "server's time or memory limits.",
                    count=MAX_ATTEMPTS,
                )
            )
            self._commit()
            return 0
        done = 0
        try:
            with self.env.cr.savepoint():
                if self._needs_restart():
                    self._start()
                if self.rows_complete:
                    self._publish()
                    done = 1
                else:
                    done = self._write_part(deadline)
                self.attempts = 0
        except psycopg2.errors.SerializationFailure as error:
            # A concurrent transaction changed what this one read: not a
            # failure of the generation, nor an interrupted unit; the next
            # unit, in a new transaction, does it again.
            _logger.info("Feed file %s: unit to be retried: %s", self.id, error)
            self.env.invalidate_all()
            self.attempts -= 1
        except Exception as error:  # pylint: disable=broad-except
            if _is_server_limit(error):
                raise  # an interrupted unit, as a killed one: the next resumes
            _logger.warning(
                "Feed file %s: generation failed: %s", self.id, error, exc_info=True
            )
            self.env.invalidate_all()
            self._record_failure(self._get_error_message(error))
        self._commit()
        return done

    def _needs_restart(self):
        """Whether the generation starts (again): not started yet, or the
        feed's settings or the server's address changed since it started."""
        self.ensure_one()
        feed = self.feed_id
        return (
            not self.writer_options
            or self.config_version != feed.config_version
            or self.base_url != feed.get_base_url()
        )

    def _start(self):
        """Take what the file is generated with from the feed, as it is now."""
        self.ensure_one()
        feed = self.feed_id.with_context(prefetch_fields=False)
        generation_feed = feed._get_generation_env_feed()
        options = feed._get_writer_options()
        file_type = options.file_type
        content_type = CONTENT_TYPES[file_type]
        if file_type == "csv":
            content_type += f"; charset={HTTP_CHARSETS[options.encoding]}"
        elif file_type == "xml":
            content_type = f"{XML_CONTENT_TYPES[options.xml_dialect]}; charset=utf-8"
        self.part_ids.unlink()
        self.write(
            {
                "file_name": feed.full_file_name,
                "file_type": file_type,
                "content_type": content_type,
                "writer_options": dataclasses.asdict(options),
                "headers": feed._get_headers(),
                "config_version": feed.config_version,
                "base_url": feed.get_base_url(),
                "products_total": generation_feed.env["product.product"].search_count(
                    generation_feed._get_products_domain()
                ),
                "cursor_product_id": 0,
                "rows_complete": False,
                "part_state": False,
                "rows_written": 0,
                "rows_skipped": 0,
                "rows_missing": 0,
                "missing_names": [],
                "replaced_chars": 0,
                "truncated_cells": 0,
                "product_bitmap": False,
            }
        )

    def _write_part(self, deadline):
        """Write the next batches of rows as one part, until ``deadline`` or
        the last product; return the number of products done."""
        self.ensure_one()
        stats = {
            "skipped": self.rows_skipped,
            "missing": self.rows_missing,
            "missing_names": list(self.missing_names or []),
        }
        state = self.part_state and PartState(**self.part_state)
        stream = io.BytesIO()
        writer = PartWriter(stream, FeedOptions(**self.writer_options), state)
        if not state:
            writer.write_header(self.headers)
        cursor, complete, product_ids = self.cursor_product_id, True, []
        with writer.writing_behind() as write_rows:
            for rows, last_id in self.feed_id._iter_rows(
                stats, after_id=cursor, product_ids=product_ids
            ):
                write_rows(rows)
                cursor = last_id
                if time.monotonic() >= deadline:
                    complete = False
                    break
        state = writer.close()
        part = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{self.file_name}.part{len(self.part_ids):05d}",
                    "raw": stream.getvalue(),
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        done_before = self.rows_written + self.rows_skipped
        self.write(
            {
                "part_ids": [(4, part.id)],
                "part_state": dataclasses.asdict(state),
                "product_bitmap": self._get_product_bitmap(product_ids),
                "cursor_product_id": cursor,
                "rows_complete": complete,
                "rows_written": state.rows,
                "rows_skipped": stats["skipped"],
                "rows_missing": stats["missing"],
                "missing_names": stats["missing_names"][:MISSING_LISTED],
                "replaced_chars": state.replaced_chars,
                "truncated_cells": state.truncated_cells,
            }
        )
        return max(1, state.rows + stats["skipped"] - done_before)

    def _publish(self):
        """Join the parts into the file and its gzip copy (text formats),
        store them and make this the published file."""
        self.ensure_one()
        options = FeedOptions(**self.writer_options)
        state = PartState(**self.part_state)
        fragments = self._iter_part_contents()
        with self._new_file() as (stream, path), self._new_file() as (gz, gz_path):
            joined = open_writer(options).joined
            report = assemble(
                options,
                self.headers,
                state,
                fragments,
                stream,
                gz if joined else None,
            )
            stream.flush()
            gz.flush()
            values = {"file_size": stream.size, "checksum": stream.sha1.hexdigest()}
            published = self.feed_id._get_published_file()
            if published.checksum == values["checksum"]:
                # The same file: its attachments move over, none is created.
                values.update(
                    attachment_id=published.attachment_id.id,
                    gzip_attachment_id=published.gzip_attachment_id.id,
                )
                (published.attachment_id | published.gzip_attachment_id).write(
                    {"res_id": self.id}
                )
            else:
                values["attachment_id"] = self._store(path, stream, self.file_name).id
                if joined:
                    values["gzip_attachment_id"] = self._store(
                        gz_path, gz, f"{self.file_name}.gz"
                    ).id
        self.part_ids.unlink()
        self.write(
            dict(
                values,
                state="done",
                finished_date=fields.Datetime.now(),
                rows_written=report.rows,
                replaced_chars=report.replaced_chars,
                truncated_cells=report.truncated_cells,
            )
        )
        self._clean_older_files()

    def _iter_part_contents(self):
        """The parts' fragments in order, one in memory at a time."""
        for part in self.part_ids.sorted("id"):
            part = part.with_prefetch()  # not the other parts' contents too
            yield part.raw
            part.invalidate_recordset(["raw", "datas"])

    def _new_file(self):
        """A temporary file in the filestore's folder, so that it becomes an
        attachment's file by a rename; removed when still there at the end."""
        return _TemporaryFile(self.env["ir.attachment"]._filestore())

    def _store(self, path, stream, name):
        """An attachment of this record holding the file at ``path``, which
        ``stream`` wrote: moved into the filestore, never read into memory.
        Not text-indexed, not in any chatter."""
        attachment_model = self.env["ir.attachment"].sudo()
        checksum = stream.sha1.hexdigest()
        values = {
            "name": name,
            "res_model": self._name,
            "res_id": self.id,
            "type": "binary",
            "mimetype": self.content_type.split(";")[0],
        }
        if attachment_model._storage() != "file":
            # Stored in the database, as Odoo stores it: read whole.
            with open(path, "rb") as file:
                return attachment_model.create(dict(values, raw=file.read()))
        fname = f"{checksum[:2]}/{checksum}"
        full_path = attachment_model._full_path(fname)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        if not os.path.exists(full_path):
            os.replace(path, full_path)
        attachment = attachment_model.create(values)
        # ir.attachment's create computes these from data held in memory and
        # drops them when given: they are set for the file moved into place.
        self.env.cr.execute(
            SQL(
                "UPDATE ir_attachment SET store_fname = %s, file_size = %s, "
                "checksum = %s WHERE id = %s",
                fname,
                stream.size,
                checksum,
                attachment.id,
            )
        )
        attachment.invalidate_recordset()
        return attachment

    def _clean_older_files(self):
        """Only the published file and the one being built keep their files;
        the last generations are kept as history, without files."""
        self.ensure_one()
        older = self.search(
            [
                ("feed_id", "=", self.feed_id.id),
                ("id", "<", self.id),
                ("state", "in", ("done", "failed")),
            ]
        )
        older.filtered("attachment_id").write(
            {"attachment_id": False, "gzip_attachment_id": False}
        )
        older.write({"product_bitmap": False})
        self.env["ir.attachment"].sudo().search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", older.ids),
            ]
        ).unlink()
        older[HISTORY - 1 :].unlink()

    def _get_error_message(self, error):
        feed = self.feed_id.with_context(lang=self.feed_id._get_generation_lang())
        if isinstance(error, FeedTooLargeError):
            return feed._get_too_large_message(error)
        return error.args[0] if isinstance(error, UserError) else str(error)

    def _record_failure(self, message):
        """Fail the generation: the published file stays; the error is on
        this record, on the feed's form and in its chatter."""
        self.ensure_one()
        self.part_ids.unlink()
        self.write(
            {
                "state": "failed",
                "error": message,
                "finished_date": fields.Datetime.now(),
                # The settings it failed with, also when the failure undid its
                # start: the next fetch retries after the refresh interval or a
                # change of the settings, not at once.
                "config_version": self.feed_id.config_version,
                "base_url": self.feed_id.get_base_url(),
            }
        )
        feed = self.feed_id.with_context(lang=self.feed_id._get_generation_lang())
        feed.message_post(
            body=feed.env._("Generation failed: %(error)s", error=message),
            author_id=self.env.ref("base.partner_root").id,
        )


def _is_server_limit(error):
    """Whether ``error`` is the server ending the unit: Odoo's prefork worker
    raises this on SIGXCPU (``limit_time_cpu``), Python MemoryError at
    ``limit_memory_hard``."""
    return isinstance(error, MemoryError) or error.args == (CPU_LIMIT_MESSAGE,)


def _testing():
    """In a test, whose cursor can't commit (as Odoo's mail queue tells)."""
    return getattr(threading.current_thread(), "testing", False)


class _TemporaryFile:
    """A file opened for writing that counts its bytes and their SHA-1."""

    def __init__(self, folder):
        self._folder = folder

    def __enter__(self):
        os.makedirs(self._folder, exist_ok=True)
        fd, self.path = tempfile.mkstemp(dir=self._folder, prefix="marketplace-feed-")
        self.file = os.fdopen(fd, "wb")
        self.size = 0
        self.sha1 = hashlib.sha1()
        return self, self.path

    # Not a model: a stream for writers.assemble.
    def write(self, data):  # pylint: disable=method-required-super
        self.size += len(data)
        self.sha1.update(data)
        return self.file.write(data)

    def flush(self):
        self.file.flush()

    def __exit__(self, *exc):
        self.file.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
