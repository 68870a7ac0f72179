# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Helpers for the plain-Python engine tests (no Odoo)."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
import xlrd

from writers import FeedOptions, PartWriter, assemble

ENGINE_DIR = Path(__file__).resolve().parent


class _AddonFoldersAsPlainDirs:
    """Collect the folders above tests/engine as plain directories.

    They are Python packages (the add-on itself, tests/) whose __init__.py
    imports Odoo; pytest would import them to look for setup_module.
    """

    @pytest.hookimpl(tryfirst=True)
    def pytest_collect_directory(self, path, parent):
        if path in ENGINE_DIR.parents:
            return pytest.Dir.from_parent(parent, path=path)
        return None


def pytest_configure(config):
    config.pluginmanager.register(_AddonFoldersAsPlainDirs())


class Feed:
    """Write a feed with the writers package and read it back."""

    @staticmethod
    def generate(file_type, header, rows=(), batches=None, parts=1, **options):
        """Write a whole feed, its batches spread over ``parts`` row parts
        (as units of work of a generation would); return (file bytes,
        WriteReport). ``generate.gzip`` keeps the last gzip copy."""
        options = FeedOptions(file_type=file_type, **options)
        batches = list(batches if batches is not None else [rows])
        fragments = []
        stream = io.BytesIO()
        writer = PartWriter(stream, options)
        writer.write_header(header)
        state = writer.close()
        fragments.append(stream.getvalue())
        per_part = -(-len(batches) // parts) or 1
        for start in range(0, len(batches), per_part):
            stream = io.BytesIO()
            writer = PartWriter(stream, options, state)
            for batch in batches[start : start + per_part]:
                writer.write_rows(batch)
            state = writer.close()
            fragments.append(stream.getvalue())
        out, gzipped = io.BytesIO(), io.BytesIO()
        report = assemble(options, header, state, iter(fragments), out, gzipped)
        Feed.gzip = gzipped.getvalue()
        return out.getvalue(), report

    @staticmethod
    def csv_rows(data, encoding="utf-8", delimiter=","):
        """Rows of a CSV feed, parsed back with the csv module."""
        text = data.decode(encoding)
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))

    @staticmethod
    def xlsx_sheet(data):
        """The only sheet of an XLSX feed (openpyxl full mode: cells have types)."""
        book = openpyxl.load_workbook(io.BytesIO(data))
        assert len(book.worksheets) == 1
        return book.worksheets[0]

    @classmethod
    def xlsx_rows(cls, data):
        return [list(row) for row in cls.xlsx_sheet(data).iter_rows(values_only=True)]

    @staticmethod
    def xls_sheet(data):
        """The only sheet of an XLS feed (xlrd)."""
        book = xlrd.open_workbook(file_contents=data)
        assert book.nsheets == 1
        return book.sheet_by_index(0)

    @classmethod
    def xls_rows(cls, data):
        sheet = cls.xls_sheet(data)
        return [sheet.row_values(rowx) for rowx in range(sheet.nrows)]


@pytest.fixture(scope="session")
def feed():
    return Feed
