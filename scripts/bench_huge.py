# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""`make bench ARGS=--huge`: a million variants, published by the background
job of a real `odoo --workers=2 --max-cron-threads=1` server, under Odoo's
default limits and under tight ones (--limit-time-cpu=10
--limit-time-real=20, a catalogue about six times larger), while a client
fetches the link every second. Writes .bench/results-huge.json and prints a
table. Loopback only; every loop is bounded in time."""

import json
import re
import sys
import time
import zipfile

import psutil
from bench_load import Client, OdooServer

LIMITS = {
    "default": [],  # Odoo's own: limit_time_cpu 60, limit_time_real 120
    "tight": ["--limit-time-cpu=10", "--limit-time-real=20"],
}
FORMATS = ("csv", "xlsx")
GIVE_UP_S = 3600  # a run that publishes nothing in an hour has failed
# What Odoo's prefork server logs when it ends a worker for its limits.
KILL_LINES = re.compile(
    r"CPU time limit|virtual real time limit|timeout after|memory limit|"
    r"Worker \(\d+\) .*killed|SIGKILL"
)


def published_file(bench, db, feed_id):
    rows = bench.sql(
        db,
        "SELECT id, rows_written, attachment_id FROM marketplace_feed_file"
        " WHERE feed_id = %s AND state = 'done' ORDER BY id DESC LIMIT 1",
        [feed_id],
    )
    return rows[0] if rows else (None, 0, None)


def failed_since(bench, db, feed_id, after_id):
    rows = bench.sql(
        db,
        "SELECT error FROM marketplace_feed_file WHERE feed_id = %s"
        " AND state = 'failed' AND id > %s",
        [feed_id, after_id or 0],
    )
    return rows[0][0] if rows else None


def cron_progress_count(bench, db):
    return bench.sql(
        db,
        "SELECT count(*) FROM ir_cron_progress p JOIN ir_model_data d"
        " ON d.model = 'ir.cron' AND d.res_id = p.cron_id"
        " WHERE d.module = 'stock_marketplace_feed'"
        " AND d.name = 'marketplace_feed_file_cron_generate'",
    )[0][0]


def rows_in_file(bench, db, attachment_id, file_type):
    """Product rows counted in the published file itself (header row 1)."""
    fname = bench.sql(
        db, "SELECT store_fname FROM ir_attachment WHERE id = %s", [attachment_id]
    )[0][0]
    path = bench.filestore(db) / fname
    count = 0
    if file_type == "csv":
        with open(path, "rb") as file:  # no line break inside the bench's values
            for block in iter(lambda: file.read(1 << 20), b""):
                count += block.count(b"\n")
        return count - 1
    with (
        zipfile.ZipFile(path) as archive,
        archive.open("xl/worksheets/sheet1.xml") as sheet,
    ):
        tail = b""
        for block in iter(lambda: sheet.read(1 << 20), b""):
            data = tail + block
            count += data.count(b"<row ")
            tail = data[-5:]  # a tag cut between two blocks counts once
            count -= tail.count(b"<row ")
        count += tail.count(b"<row ")
    return count - 1


def worker_rss_mb(server):
    """Largest RSS of the server's processes but the master, in MB."""
    sizes = [0.0]
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            sizes.append(child.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            continue
    return max(sizes)


def publish(bench, db, server, feed_id, file_type, log_path, log_offset):
    """Make the feed stale, let a fetch queue its generation, and fetch the
    link every second until the job has published the new file."""
    before_id, _rows, _attachment = published_file(bench, db, feed_id)
    # This feed alone is published (the job would otherwise share its time
    # with the bench's other feeds), and made out of date.
    bench.sql(
        db,
        "UPDATE marketplace_feed SET enabled = (id = %s),"
        " config_version = config_version + (id = %s)::int"
        " WHERE name LIKE %s",
        [feed_id, feed_id, bench.FEED_PREFIX + "%"],
        autocommit=True,
    )
    path = bench.feed_path(db, feed_id)
    client = Client("127.0.0.1", server.port, timeout=30)
    progress_before = cron_progress_count(bench, db)
    fetches, errors, slowest, peak = 0, 0, 0.0, worker_rss_mb(server)
    started = time.monotonic()
    while True:
        fetch_started = time.monotonic()
        try:
            status, _size, _etag = client.fetch(path, {"Accept-Encoding": "gzip"})
        except OSError:
            status = None
        took = time.monotonic() - fetch_started
        fetches += 1
        slowest = max(slowest, took)
        # Before a first file 503, then (once published) the file.
        expected = {503, 200} if before_id is None else {200}
        errors += status not in expected
        peak = max(peak, worker_rss_mb(server))
        file_id, rows, attachment_id = published_file(bench, db, feed_id)
        if file_id != before_id:
            break
        error = failed_since(bench, db, feed_id, before_id)
        if error or time.monotonic() - started > GIVE_UP_S:
            raise RuntimeError(f"feed {feed_id}: not published: {error or 'timeout'}")
        time.sleep(max(0.0, 1.0 - took))
    published_s = time.monotonic() - started
    with open(log_path, encoding="utf-8", errors="replace") as server_log:
        server_log.seek(log_offset)
        kills = sum(1 for line in server_log if KILL_LINES.search(line))
    counted = rows_in_file(bench, db, attachment_id, file_type)
    return {
        "format": file_type,
        "rows": counted,
        "complete": counted == rows == bench.expected_rows(db, feed_id),
        "trigger_to_published_s": round(published_s, 1),
        "cron_runs": cron_progress_count(bench, db) - progress_before,
        "worker_kills": kills,
        "fetches_during": fetches,
        "max_fetch_ms_during": round(slowest * 1000),
        "fetch_errors": errors,
        "peak_worker_rss_mb": round(peak),
        # The file is written in the cron worker itself (no writer process).
        "peak_writer_rss_mb": round(peak),
    }


def run_huge(bench, mode, info, feed_ids, port):
    """The runs of the issue's table; returns the results dict."""
    db = mode.db
    runs = []
    # Published one at a time by publish(): the job would otherwise share
    # its time with the bench's other feeds from the server's start.
    bench.sql(
        db,
        "UPDATE marketplace_feed SET enabled = false WHERE name LIKE %s",
        [bench.FEED_PREFIX + "%"],
        autocommit=True,
    )
    for limits, extra in LIMITS.items():
        log_path = bench.BENCH_DIR / f"odoo-huge-{limits}.log"
        command = [sys.executable, "-c", bench.SERVER_LAUNCHER, "-c"]
        command += [bench.os.environ["ODOO_RC"], "-d", db, f"--db-filter=^{db}$"]
        command += ["--workers=2", "--max-cron-threads=1", *extra]
        command += ["--http-interface=127.0.0.1", f"--http-port={port}"]
        command += ["--log-level=info", f"--gevent-port={bench.free_port(port + 1)}"]
        with OdooServer(command, port, log_path=log_path) as server:
            bench.log(f"odoo --workers=2 --max-cron-threads=1 {' '.join(extra)}")
            for file_type in FORMATS:
                with open(log_path, "rb") as server_log:
                    offset = server_log.seek(0, 2)
                bench.log(f"{limits} limits: publishing {file_type} through the job")
                result = publish(
                    bench, db, server, feed_ids[file_type], file_type, log_path, offset
                )
                cpu, real = (10, 20) if extra else (60, 120)
                result = {
                    "limits": limits,
                    "limit_time_cpu": cpu,
                    "limit_time_real": real,
                    **result,
                }
                bench.log(json.dumps(result))
                runs.append(result)
    return {"variants": info["products"], "runs": runs}


def report_huge(results):
    head = (
        f"{'limits':<8} {'format':<6} {'rows':>9} {'complete':>8} {'publish s':>9} "
        f"{'cron runs':>9} {'kills':>5} {'fetches':>7} {'max ms':>6} {'errors':>6} "
        f"{'worker MB':>9}"
    )
    lines = [f"--huge: {results['variants']:,} variants", head]
    for run in results["runs"]:
        lines.append(
            f"{run['limits']:<8} {run['format']:<6} {run['rows']:>9,} "
            f"{str(run['complete']):>8} {run['trigger_to_published_s']:>9.1f} "
            f"{run['cron_runs']:>9} {run['worker_kills']:>5} "
            f"{run['fetches_during']:>7} {run['max_fetch_ms_during']:>6} "
            f"{run['fetch_errors']:>6} {run['peak_worker_rss_mb']:>9}"
        )
    return "\n".join(lines)
