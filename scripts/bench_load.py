# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Load-test helpers of scripts/bench.py: an Odoo server process and an HTTP
client pool, loopback only, bounded in clients, time and request count."""

import http.client
import os
import signal
import subprocess
import threading
import time

import psutil

BUFFER = 1 << 20  # each client reads bodies into its own 1 MB buffer


class OdooServer:
    """`odoo --workers=N ...` started for the duration of a ``with`` block."""

    def __init__(self, command, port, log_path=os.devnull, start_timeout=120):
        self.command = command
        self.port = port
        self.log_path = log_path
        self.start_timeout = start_timeout
        self.process = None
        self.pid = None
        self._known = set()  # every process of the server seen, to stop them all

    def __enter__(self):
        with open(self.log_path, "wb") as output:
            self.process = subprocess.Popen(
                self.command,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self.process.pid
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"odoo exited with {self.process.returncode}")
            try:
                status, _size, _etag = Client("127.0.0.1", self.port).fetch(
                    "/web/health"
                )
                if status == 200:
                    self._remember_children()
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"odoo did not answer on port {self.port}")

    def _remember_children(self):
        try:
            self._known.update(
                child.pid for child in psutil.Process(self.pid).children(recursive=True)
            )
        except psutil.NoSuchProcess:
            pass

    def worker_rss_mb(self):
        """{pid: RSS in MB} of the HTTP workers (the gevent process excluded)."""
        self._remember_children()
        workers = {}
        for child in psutil.Process(self.pid).children():
            try:
                if "gevent" not in child.cmdline():  # the gevent process's argument
                    workers[child.pid] = child.memory_info().rss / 2**20
            except psutil.NoSuchProcess:
                continue
        return workers

    def __exit__(self, *exc):
        if self.process is None:
            return
        self._remember_children()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: stops the workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self._known:  # only processes this server started
            try:
                psutil.Process(pid).kill()
            except psutil.NoSuchProcess:
                pass


def percentile(sorted_values, share):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(share * (len(sorted_values) - 1)))
    return sorted_values[index]


class Client:
    """HTTP/1.1 GETs on a new connection each (Connection: close)."""

    def __init__(self, host, port, timeout=120):
        self.host = host
        self.port = port
        self.timeout = timeout

    def fetch(self, path, headers=None, buffer=None):
        """GET ``path``: (status, body bytes read, ETag header)."""
        buffer = buffer or memoryview(bytearray(BUFFER))
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout
        )
        try:
            connection.request(
                "GET", path, headers={"Connection": "close", **(headers or {})}
            )
            response = connection.getresponse()
            size = 0
            while True:
                read = response.readinto(buffer)
                if not read:
                    break
                size += read
            return response.status, size, response.getheader("ETag")
        finally:
            connection.close()

    def run(self, path, headers, clients, seconds=None, total=None, ok_statuses=(200,)):
        """``clients`` threads fetch ``path`` for ``seconds`` or ``total``
        requests in all. Returns throughput, latency percentiles and errors."""
        assert seconds or total
        lock = threading.Lock()
        latencies, statuses, errors = [], {}, []
        state = {"bytes": 0, "issued": 0, "done_in_time": 0}
        started = time.perf_counter()
        deadline = started + (seconds or 3600)

        def worker():
            buffer = memoryview(bytearray(BUFFER))
            while time.perf_counter() < deadline:
                with lock:
                    if total is not None and state["issued"] >= total:
                        return
                    state["issued"] += 1
                begin = time.perf_counter()
                try:
                    status, size, _etag = self.fetch(path, headers, buffer)
                    error = None if status in ok_statuses else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as exc:
                    status, size, error = "error", 0, f"{type(exc).__name__}: {exc}"
                end = time.perf_counter()
                with lock:
                    latencies.append(end - begin)
                    statuses[status] = statuses.get(status, 0) + 1
                    if end <= deadline:
                        state["done_in_time"] += 1
                        state["bytes"] += size
                    if error:
                        errors.append(error)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        duration = time.perf_counter() - started
        if seconds:
            # Like wrk: throughput counts the responses completed within the
            # time; requests still running then finish and count in latency.
            completed, window = state["done_in_time"], seconds
        else:
            completed, window = len(latencies), duration
        latencies.sort()
        return {
            "seconds": window,
            "requests": len(latencies),
            "rps": completed / window,
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "mb_s": state["bytes"] / window / 2**20,
            "errors": len(errors),
            "error_samples": sorted(set(errors))[:5],
            "statuses": {str(k): v for k, v in statuses.items()},
        }
