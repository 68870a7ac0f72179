# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Helpers for the plain-Python engine tests (no Odoo)."""

import csv
import dataclasses
import io
import itertools
import json
from pathlib import Path

import openpyxl
import pytest
import xlrd
from hypothesis import strategies as st

from writers import FeedOptions, PartState, PartWriter, assemble

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
    def write(file_type, header, parts, **options):  # pylint: disable=method-required-super
        """Write a feed part by part, as the units of work of a generation
        do: the first part writes the header, each part its batches of rows
        (a list of batches per part); the PartState goes from part to part
        through JSON, as the model stores it. Return (file bytes,
        WriteReport, gzip copy bytes)."""
        options = FeedOptions(file_type=file_type, **options)
        fragments, state = [], None
        for index, batches in enumerate(parts):
            stream = io.BytesIO()
            writer = PartWriter(stream, options, state)
            if not index:
                writer.write_header(header)
            for batch in batches:
                writer.write_rows(batch)
            state = writer.close()
            state = PartState(**json.loads(json.dumps(dataclasses.asdict(state))))
            fragments.append(stream.getvalue())
        out, gzipped = io.BytesIO(), io.BytesIO()
        report = assemble(options, header, state, iter(fragments), out, gzipped)
        return out.getvalue(), report, gzipped.getvalue()

    @classmethod
    def generate(cls, file_type, header, rows=(), batches=None, parts=1, **options):
        """Write a whole feed, the header alone in the first part, the
        batches spread over ``parts`` row parts; return (file bytes,
        WriteReport)."""
        batches = list(batches if batches is not None else [rows])
        per_part = -(-len(batches) // parts) or 1
        row_parts = [
            batches[start : start + per_part]
            for start in range(0, len(batches), per_part)
        ]
        data, report, _gzip = cls.write(file_type, header, [[], *row_parts], **options)
        return data, report

    @staticmethod
    @st.composite
    def split(draw, rows):
        """``rows`` cut into batches, and the batches into parts (the first
        one also holds the header), at drawn boundaries: every ``step``
        items, plus a few anywhere (so empty batches and parts too)."""

        def cut(items):
            step = draw(st.integers(1, len(items) + 1))
            bounds = draw(st.lists(st.integers(0, len(items)), max_size=3))
            edges = sorted([0, *range(step, len(items), step), *bounds, len(items)])
            return [items[a:b] for a, b in itertools.pairwise(edges)]

        return cut(cut(list(rows)))

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
