# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sample files of stores, built for the tests (engine and Odoo tests)."""

import csv
import io

import openpyxl
import xlwt
from xlwt.CompoundDoc import XlsDoc

PROM_HEADERS = [
    "Код_товару",
    "Назва_позиції",
    "Назва_позиції_укр",
    "Пошукові_запити",
    "Опис",
    "Ціна",
    "Валюта",
    "Одиниця_виміру",
    "Наявність",
    "Кількість",
    "Посилання_зображення",
    "Назва_групи",
    "Виробник",
    "Назва_Характеристики",
    "Одиниця_виміру_Характеристики",
    "Значення_Характеристики",
    "Назва_Характеристики",
    "Одиниця_виміру_Характеристики",
    "Значення_Характеристики",
]
RUSSIAN_HEADERS = ["Артикул", "Название", "Цена", "Количество", "Наличие", "Фото"]
SHOPIFY_HEADERS = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Status",
]


def xlsx_file(sheets):
    """An XLSX file with these sheets ({name: rows})."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def xls_file(sheets):
    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for row_number, row in enumerate(rows):
            for column, value in enumerate(row):
                if value is not None:
                    sheet.write(row_number, column, value)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def csv_file(rows, delimiter=",", encoding="utf-8"):
    stream = io.StringIO(newline="")
    csv.writer(stream, delimiter=delimiter).writerows(rows)
    return stream.getvalue().encode(encoding)


def prom_xlsx():
    return xlsx_file(
        {
            "Export Products Sheet": [
                PROM_HEADERS,
                ["A-1", "Стілець", "Стілець", "стілець", "Зручний", 12.5, "UAH"]
                + [
                    "шт.",
                    "+",
                    5,
                    "https://shop.example/1.jpg, https://shop.example/2.jpg",
                ]
                + ["Меблі", "Acme", "Колір", None, "Чорний", "Вага", "кг", 2],
                ["A-2", "Стіл", "Стіл", "стіл", "Великий", 99, "UAH", "шт.", "-", 0]
                + ["https://shop.example/3.jpg", "Меблі", "Acme"],
            ],
            "Інструкція": [["Як заповнити", "файл"]],
        }
    )


def russian_cp1251_csv():
    """A Windows-1251 CSV file with semicolons and decimal commas."""
    return csv_file(
        [
            RUSSIAN_HEADERS,
            ["A-1", "Стул", "12,50", "5", "в наличии", "https://s.example/a.png"],
            ["A-2", "Стол", "1 099,00", "0", "нет в наличии", ""],
        ],
        delimiter=";",
        encoding="cp1251",
    )


def shopify_csv():
    body = '<p>Soft&nbsp;cotton; "washed",\nslim fit</p>'
    return csv_file(
        [
            SHOPIFY_HEADERS,
            ["tee", "Tee", body, "Acme", "Apparel", "Shirt", "cotton, summer"]
            + ["TRUE", "Size", "S", "TEE-S", "200", "shopify", "4", "deny"]
            + ["manual", "19.99", "24.99", "TRUE", "TRUE", "4820000000035"]
            + ["https://cdn.example/tee.jpg", "1", "A tee", "active"],
            ["tee", "", "", "", "", "", "", "", "", "M", "TEE-M", "210"]
            + ["shopify", "0", "deny", "manual", "19.99", "", "TRUE", "TRUE"]
            + ["", "https://cdn.example/tee-back.jpg", "2", "Back", ""],
        ]
    )


def encrypted_xls():
    """An XLS file protected by a password (a FILEPASS record, RC4)."""
    book = xlwt.Workbook()
    book.add_sheet("S").write(0, 0, "Code")
    biff = book.get_biff_data()
    bof_end = 4 + int.from_bytes(biff[2:4], "little")
    filepass = b"\x2f\x00\x36\x00\x01\x00\x01\x00\x01\x00" + bytes(48)
    stream = io.BytesIO()
    XlsDoc().save(stream, biff[:bof_end] + filepass + biff[bof_end:])
    return stream.getvalue()


def encrypted_xlsx():
    """Excel keeps an XLSX protected by a password in an OLE2 file, as its
    EncryptedPackage stream."""
    data = bytearray(xls_file({"S": [["Code", "Name"]]}))
    at = data.index("Workbook".encode("utf-16-le"))
    name = "EncryptedPackage\0".encode("utf-16-le")
    data[at : at + 64] = name.ljust(64, b"\0")
    data[at + 64 : at + 66] = len(name).to_bytes(2, "little")
    return bytes(data)
