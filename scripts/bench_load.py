# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Load-test helpers of scripts/bench.py: an Odoo server process and an HTTP
client pool, loopback only, bounded in clients, time and request count."""

import contextlib
import http.client
import os
import signal
import socket
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


def summarize(runs):
    """Merge the raw results of ``Client.run`` calls: throughput, latency
    percentiles, errors."""
    seconds = sum(run["seconds"] for run in runs)
    latencies = sorted(value for run in runs for value in run["latencies"])
    errors = [error for run in runs for error in run["errors"]]
    return {
        "seconds": seconds,
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "mb_s": sum(run["bytes"] for run in runs) / seconds / 2**20,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "cut": sum(run["cut"] for run in runs),
    }


class Client:
    """HTTP/1.1 GETs on a new connection each (Connection: close)."""

    def __init__(self, host, port, timeout=120):
        self.host = host
        self.port = port
        self.timeout = timeout

    def fetch(self, path, headers=None, buffer=None, opened=None):
        """GET ``path``: (status, body bytes read, ETag header). ``opened`` is
        called with the connection, which another thread may shut down."""
        buffer = buffer or memoryview(bytearray(BUFFER))
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout
        )
        if opened:
            opened(connection)
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

    def sequential(self, path, headers, count):
        """Median latency in ms of ``count`` requests one after the other."""
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            self.fetch(path, headers)
            latencies.append(time.perf_counter() - started)
        return percentile(sorted(latencies), 0.5) * 1000

    def run(self, path, headers, clients, seconds=None, total=None, ok_statuses=(200,)):
        """``clients`` threads fetch ``path`` for ``seconds`` (like wrk, the
        requests still running then are cut off and not counted) or until
        ``total`` requests in all. Returns raw results for ``summarize``."""
        assert seconds or total
        lock = threading.Lock()
        stop = threading.Event()
        open_connections = {}
        result = {"latencies": [], "bytes": 0, "errors": [], "cut": 0, "issued": 0}

        def worker():
            buffer = memoryview(bytearray(BUFFER))
            me = threading.get_ident()

            def opened(connection):
                with lock:
                    open_connections[me] = connection

            while not stop.is_set():
                with lock:
                    if total is not None and result["issued"] >= total:
                        return
                    result["issued"] += 1
                begin = time.perf_counter()
                try:
                    status, size, _etag = self.fetch(path, headers, buffer, opened)
                    error = None if status in ok_statuses else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as exc:
                    size, error = 0, f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - begin
                with lock:
                    open_connections.pop(me, None)
                    if stop.is_set():
                        result["cut"] += 1
                        return
                    result["latencies"].append(elapsed)
                    result["bytes"] += size
                    if error:
                        result["errors"].append(error)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        if seconds:
            time.sleep(seconds)
            with lock:
                stop.set()
                for connection in open_connections.values():
                    if connection.sock:
                        with contextlib.suppress(OSError):
                            connection.sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join()
        result["seconds"] = seconds or time.perf_counter() - started
        return result
