# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""CSV writer: delimiters, encodings, quoting, numbers, header row."""

import codecs
import datetime
import gzip
import io
from decimal import Decimal

import pytest

from writers import FeedOptions, PartWriter, assemble
from writers.deflate import inflate

HEADER = ["Код_товару", "Назва_позиції", "Ціна", "Наявність"]
ROW = ["SKU-1", "Футболка чоловіча", Decimal("12.50"), True]


def test_default_csv_bytes(feed):
    data, report = feed.generate("csv", HEADER, [ROW, ["SKU-2", None, 3, False]])
    assert (
        data
        == (
            "Код_товару,Назва_позиції,Ціна,Наявність\r\n"
            "SKU-1,Футболка чоловіча,12.50,1\r\n"
            "SKU-2,,3,0\r\n"
        ).encode()
    )
    assert report.rows == 2
    assert report.replaced_chars == report.truncated_cells == 0


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
def test_delimiters(feed, delimiter):
    values = ["a", "b,c", "d;e", "f|g", "h\ti", ""]
    data, _report = feed.generate("csv", list("123456"), [values], delimiter=delimiter)
    # Only the field holding the chosen delimiter is quoted.
    quoted = [f'"{v}"' if delimiter in v else v for v in values]
    assert data.decode() == (
        delimiter.join("123456") + "\r\n" + delimiter.join(quoted) + "\r\n"
    )
    assert feed.csv_rows(data, delimiter=delimiter) == [list("123456"), values]


def test_rfc4180_minimal_quoting(feed):
    values = [
        'say "hi"',
        "line\nbreak",
        "carriage\rreturn",
        "crlf\r\nx",
        "a,b",
        "plain",
    ]
    data, _report = feed.generate("csv", ["v"] * len(values), [values])
    assert data.decode().split("\r\n", 1)[1] == (
        '"say ""hi""","line\nbreak","carriage\rreturn","crlf\r\nx","a,b",plain\r\n'
    )
    assert feed.csv_rows(data)[1] == values


def test_crlf_line_terminator(feed):
    data, _report = feed.generate("csv", ["a"], [["1"], ["2"]])
    assert data == b"a\r\n1\r\n2\r\n"


def test_formula_like_text_unchanged(feed):
    values = ["=SUM(A1:A2)", "+380501234567", "-5", "@home", "=1+1"]
    data, _report = feed.generate("csv", ["v"] * 5, [values])
    assert data.decode().split("\r\n")[1] == ",".join(values)


def test_utf8_has_no_bom(feed):
    data, _report = feed.generate("csv", ["Назва"], [["Ї"]], encoding="utf-8")
    assert data == "Назва\r\nЇ\r\n".encode()


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_utf8_sig_bom_once(feed, parts):
    batches = [[["a"]], [["б"]] * 1200, [["c"]]]
    data, _report = feed.generate(
        "csv", ["Назва"], batches=batches, parts=parts, encoding="utf-8-sig"
    )
    assert data.startswith(codecs.BOM_UTF8 + "Назва".encode())
    assert data.count(codecs.BOM_UTF8) == 1
    rows = feed.csv_rows(data, encoding="utf-8-sig")
    assert rows[0] == ["Назва"] and len(rows) == 1203


def test_utf8_sig_bom_before_empty_header_rows(feed):
    data, _report = feed.generate("csv", ["h"], [], encoding="utf-8-sig", header_row=3)
    assert data == codecs.BOM_UTF8 + b"\r\n\r\nh\r\n"


def test_cp1251_ukrainian(feed):
    text = "Ґанок їжак Єва іній ЁЪ №"
    data, report = feed.generate("csv", ["Назва"], [[text]], encoding="cp1251")
    assert data == "Назва\r\n".encode("cp1251") + text.encode("cp1251") + b"\r\n"
    assert data.split(b"\r\n")[1][:2] == b"\xa5\xe0"  # "Ґа" in cp1251
    assert report.replaced_chars == 0


def test_cp1251_unencodable_replaced_and_counted(feed):
    rows = [["Кава ☕ 😀", "ok?"], ["中文", "€"]]
    data, report = feed.generate("csv", ["Назва ✓", "Інше"], rows, encoding="cp1251")
    assert feed.csv_rows(data, encoding="cp1251") == [
        ["Назва ?", "Інше"],
        ["Кава ? ?", "ok?"],
        ["??", "€"],
    ]
    assert report.replaced_chars == 5  # ✓ ☕ 😀 中 文; the "?" in "ok?" is data


def test_utf8_lone_surrogates_replaced_and_counted(feed):
    data, report = feed.generate("csv", ["h"], [["a\ud800b\udfff"], ["\udc80"]])
    assert data == b"h\r\na?b?\r\n?\r\n"
    assert report.replaced_chars == 3


def test_utf8_keeps_everything_else(feed):
    text = "😀 中文 Ґ € \x00 \x7f \u2028"
    data, report = feed.generate("csv", ["h"], [[text]])
    assert feed.csv_rows(data) == [["h"], [text]]
    assert report.replaced_chars == 0


def test_value_types(feed):
    row = [
        None,
        "",
        True,
        False,
        0,
        -7,
        2.5,
        3.0,
        1e-05,
        Decimal("12.50"),
        Decimal("0.10"),
        datetime.date(2026, 11, 27),
        datetime.datetime(2026, 11, 27, 10, 5, 30, 123),
        {"x": 1},
    ]
    data, _report = feed.generate("csv", [f"c{i}" for i in range(len(row))], [row])
    assert feed.csv_rows(data)[1] == [
        "",
        "",
        "1",
        "0",
        "0",
        "-7",
        "2.5",
        "3.0",
        "0.00001",
        "12.50",
        "0.10",
        "2026-11-27",
        "2026-11-27T10:05:30",
        "{'x': 1}",
    ]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_decimal_comma(feed, delimiter):
    row = [Decimal("12.50"), 2.5, 7, "1.5 kg", datetime.date(2026, 1, 2), True]
    data, _report = feed.generate(
        "csv", list("abcdef"), [row], decimal_comma=True, delimiter=delimiter
    )
    assert feed.csv_rows(data, delimiter=delimiter)[1] == [
        "12,50",
        "2,5",
        "7",
        "1.5 kg",
        "2026-01-02",
        "1",
    ]
    if delimiter == ";":
        assert data.decode().split("\r\n")[1] == "12,50;2,5;7;1.5 kg;2026-01-02;1"


@pytest.mark.parametrize("header_row", [1, 2, 5])
def test_header_row(feed, header_row):
    data, _report = feed.generate(
        "csv", ["a", "b"], [["1", "2"]], header_row=header_row
    )
    assert data == b"\r\n" * (header_row - 1) + b"a,b\r\n1,2\r\n"
    rows = feed.csv_rows(data)
    assert rows == [[]] * (header_row - 1) + [["a", "b"], ["1", "2"]]


def test_single_empty_field_row_is_not_an_empty_line(feed):
    data, _report = feed.generate("csv", ["only"], [[None], [""], ["x"]])
    assert feed.csv_rows(data) == [["only"], [""], [""], ["x"]]


def test_a_part_holds_only_its_own_rows():
    """A part's fragment is its own rows, DEFLATE-compressed: nothing of the
    earlier parts is kept or written again."""
    options = FeedOptions(file_type="csv")
    streams = [io.BytesIO() for _part in range(3)]
    writer = PartWriter(streams[0], options)
    writer.write_header(["n"])
    writer = PartWriter(streams[1], options, writer.close())
    writer.write_rows([i] for i in range(2500))
    writer = PartWriter(streams[2], options, writer.close())
    writer.write_rows([["last"]])
    state = writer.close()
    fragments = [inflate(stream.getvalue()) for stream in streams]
    assert fragments == [
        b"n\r\n",
        b"".join(b"%d\r\n" % i for i in range(2500)),
        b"last\r\n",
    ]
    assert len(streams[1].getvalue()) < len(fragments[1]) // 2
    assert (state.rows, state.size) == (2501, sum(map(len, fragments)))


def test_writes_to_real_files(tmp_path):
    """Parts in files of their own, joined into the file and its gzip copy."""
    options = FeedOptions(encoding="utf-8-sig", delimiter=";")
    header, state = ["Назва", "Ціна"], None
    for index, rows in enumerate([[], [["Чай", Decimal("9.90")]], [["Кава", 12]]]):
        with (tmp_path / f"part{index}").open("wb") as stream:
            writer = PartWriter(stream, options, state)
            if state is None:
                writer.write_header(header)
            writer.write_rows(rows)
            state = writer.close()
    path, gzip_path = tmp_path / "feed.csv", tmp_path / "feed.csv.gz"
    with path.open("wb") as stream, gzip_path.open("wb") as gzip_stream:
        fragments = (tmp_path.joinpath(f"part{i}").read_bytes() for i in range(3))
        assemble(options, header, state, fragments, stream, gzip_stream)
    expected = codecs.BOM_UTF8 + "Назва;Ціна\r\nЧай;9.90\r\nКава;12\r\n".encode()
    assert path.read_bytes() == expected
    with gzip.open(gzip_path) as unzipped:
        assert unzipped.read() == expected
