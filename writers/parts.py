# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A feed file written in parts and joined at the end.

A generation that must fit a server's time limits writes its file in
parts, each in a unit of work of its own: the header part, row parts, then
``assemble``. Every part is stored as a DEFLATE fragment (``deflate``), so
the gzip copy of a text file and the sheet of an XLSX file are the
fragments copied, never compressed again. The CRC-32 and size of the text
are carried from part to part in ``PartState``.
"""

import contextlib
import dataclasses
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import deflate, open_writer
from .base import WriteReport


@dataclass
class PartState:
    """What the next part needs of the earlier ones (plain values, kept by
    the caller between units of work), and what they had to change."""

    width: int | None = None  # columns; None until the header is written
    rows: int = 0  # product rows
    size: int = 0  # bytes of the text so far (the file, or the XLSX sheet)
    crc: int = 0  # their CRC-32
    replaced_chars: int = 0
    truncated_cells: int = 0

    def report(self):
        return WriteReport(self.rows, self.replaced_chars, self.truncated_cells)


class PartWriter:
    """Writes one part into the binary ``stream``: the header (first part
    only), then any number of batches of rows. ``close()`` ends the part and
    returns the state for the next one."""

    def __init__(self, stream, options, state=None):
        self.stream = stream
        self.state = dataclasses.replace(state or PartState())
        self._writer = open_writer(options, self.state.width, self.state.rows)
        self._compressor = deflate.compressor()

    def write_header(self, headers):
        if self.state.width is not None:
            raise RuntimeError("the header is written once, in the first part")
        self._write(self._writer.header(headers))
        self.state.width = len(headers)

    def write_rows(self, rows):
        self._write(self._writer.rows(rows))

    @contextlib.contextmanager
    def writing_behind(self):
        """A function handing a batch of rows to ``write_rows`` in a thread
        of its own, batch after batch, while the caller reads the next one
        (the database's answers and zlib let the interpreter to the other
        thread). One batch waits at most; leaving the block waits for the
        last one, and an error of writing is raised by the next hand-over
        or at the end."""
        pending = None
        with ThreadPoolExecutor(1, thread_name_prefix="feed-writer") as pool:

            def write_rows(rows):
                nonlocal pending
                if pending is not None:
                    pending.result()
                pending = pool.submit(self.write_rows, rows)

            yield write_rows
            if pending is not None:
                pending.result()

    def close(self):
        self.stream.write(self._compressor.flush(zlib.Z_SYNC_FLUSH))
        state, report = self.state, self._writer.report
        state.rows += report.rows
        state.replaced_chars += report.replaced_chars
        state.truncated_cells += report.truncated_cells
        return state

    def _write(self, data):
        if data:
            self.state.crc = zlib.crc32(data, self.state.crc)
            self.state.size += len(data)
            self.stream.write(self._compressor.compress(data))


def assemble(options, headers, state, fragments, stream, gzip_stream=None):
    """Join the parts' ``fragments`` (in order) into the file, written into
    ``stream``; for text formats, also gzip-encoded into ``gzip_stream``.
    Returns the WriteReport of the whole file."""
    writer = open_writer(options, state.width, state.rows)
    if not writer.joined:
        writer.assemble(headers, state, fragments, stream)
        return state.report()
    if gzip_stream is not None:
        gzip_stream.write(deflate.GZIP_HEADER)
    for fragment in fragments:
        stream.write(deflate.inflate(fragment))
        if gzip_stream is not None:
            gzip_stream.write(fragment)
    footer = writer.footer()
    stream.write(footer)
    if gzip_stream is not None:
        gzip_stream.write(deflate.deflate_last(footer))
        gzip_stream.write(
            deflate.gzip_trailer(
                zlib.crc32(footer, state.crc), state.size + len(footer)
            )
        )
    return state.report()
