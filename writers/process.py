# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A feed writer running in a child Python process.

Reading the rows (the ORM, in the parent) and writing them (openpyxl, xlwt,
csv) both cost CPU; the child writes a batch while the parent reads the
next one, on another core. The child imports this package only, never
Odoo: ``python -m writers FD``, run in the add-on's folder. The messages
are pickles of plain values: the options, the header, batches of rows,
then None; the child answers once, at the end, with the report or the
error.
"""

import contextlib
import dataclasses
import os
import pickle
import subprocess
import sys
import traceback
from pathlib import Path

from .base import FeedTooLargeError, WriteReport
from .options import FeedOptions

_ADDON_DIR = Path(__file__).resolve().parent.parent


class ProcessWriter:
    """The writer protocol of FeedWriter; writes into the binary file
    ``stream`` (a real file: the child writes through its descriptor)."""

    def __init__(self, stream, options):
        fd = stream.fileno()
        # Run from the add-on's folder, where ``-m`` finds this package.
        self._process = subprocess.Popen(
            [sys.executable, "-m", __package__.rpartition(".")[2], str(fd)],
            cwd=_ADDON_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=(fd,),
        )
        self._send(dataclasses.asdict(options))

    def write_header(self, headers):
        self._send(list(headers))

    def write_rows(self, rows):
        self._send(list(rows))

    def close(self):
        """Wait for the child to finish the file; return its WriteReport."""
        self._send(None)
        return self._result()

    def abort(self):
        """Stop the child (the caller gave up on the file); no-op once closed."""
        if self._process.returncode is None:
            self._process.kill()
            self._result_message()

    def _send(self, message):
        try:
            pickle.dump(message, self._process.stdin, pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except BrokenPipeError:
            # The child stopped reading: it failed; raise its error.
            self._result()
            raise

    def _result_message(self):
        with contextlib.suppress(BrokenPipeError):  # the rest of a message
            self._process.stdin.close()
        answer = self._process.stdout.read()
        self._process.stdout.close()
        self._process.wait()
        return pickle.loads(answer) if answer else None

    def _result(self):
        message = self._result_message()
        if message is None:
            raise RuntimeError(
                f"The file writer process ended with code {self._process.returncode}."
            )
        kind, value = message
        if kind == "report":
            return WriteReport(**value)
        if kind == "too_large":
            raise FeedTooLargeError(*value)
        raise RuntimeError(f"The file writer failed: {value}")


def serve(fd, messages, answers):
    """The child's side: read the messages, write the file into ``fd``,
    answer the report or the error (its traceback goes to stderr)."""
    from . import open_writer

    with os.fdopen(fd, "wb", closefd=False) as stream:
        try:
            writer = open_writer(stream, FeedOptions(**pickle.load(messages)))
            writer.write_header(pickle.load(messages))
            while (rows := pickle.load(messages)) is not None:
                writer.write_rows(rows)
            answer = ("report", dataclasses.asdict(writer.close()))
        except FeedTooLargeError as error:
            answer = ("too_large", (error.kind, error.limit))
        except Exception as error:  # pylint: disable=broad-except
            traceback.print_exc()  # into the server's log, through stderr
            answer = ("error", traceback.format_exception_only(error)[-1].strip())
    pickle.dump(answer, answers)
