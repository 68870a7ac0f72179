# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..writers import EXTENSIONS, sheet_name_error
from ..writers.xml_writer import headers_error


class MarketplaceFeedSettingsMixin(models.AbstractModel):
    """How a file is written: shared by feeds and feed templates."""

    _name = "marketplace.feed.settings.mixin"
    _description = "Online Store Feed File Settings"

    include_zero_stock = fields.Boolean(string="Upload Products with Zero Stock")
    negative_stock_as_zero = fields.Boolean(
        string="Write Negative Stock as 0",
        help="A product whose stock is below zero gets the quantity 0 (it is "
        "listed when products with zero stock are uploaded).",
    )
    file_type = fields.Selection(
        [("xlsx", "XLSX"), ("xls", "XLS"), ("csv", "CSV"), ("xml", "XML")],
        default="xlsx",
        required=True,
    )
    xml_dialect = fields.Selection(
        [
            ("yml", "YML (Rozetka, Prom.ua...)"),
            ("hotline", "Hotline"),
            ("google_rss", "Google Merchant RSS"),
        ],
        string="XML Format",
        default="yml",
        required=True,
        help="The XML file's layout. Each column's header is where its value "
        "goes in the product's element: name (an element), @name (an "
        "attribute), param:Name (YML and Hotline's characteristics) or g:name "
        "(Google's elements).",
    )
    csv_delimiter = fields.Selection(
        [
            ("comma", "Comma (,)"),
            ("semicolon", "Semicolon (;)"),
            ("pipe", "Vertical bar (|)"),
            ("tab", "Tab"),
        ],
        string="CSV Delimiter",
        default="comma",
    )
    csv_encoding = fields.Selection(
        [
            ("utf-8", "UTF-8"),
            ("utf-8-sig", "UTF-8 with BOM"),
            ("cp1251", "Windows-1251"),
        ],
        string="CSV Encoding",
        default="utf-8",
        required=True,
    )
    decimal_comma = fields.Boolean(
        help="Write numbers with a decimal comma in CSV files (12,50)."
    )
    escape_formulas = fields.Boolean(
        string="Escape Values a Spreadsheet Would Run as Formulas",
        help="Start with ' the texts of a CSV file that begin with = + - or @, "
        "so that a spreadsheet opening the file shows them instead of running "
        "them. Off by default: marketplaces read the raw values. XLSX and XLS "
        "files always hold such texts as text cells.",
    )
    file_name = fields.Char(
        required=True,
        default="products",
        help="Without path; the extension follows the file type.",
    )
    sheet_name = fields.Char(default="Products")
    header_row = fields.Integer(
        string="Header Row Number",
        default=1,
        required=True,
        help="Rows above it stay empty; products start on the next row.",
    )
    image_separator = fields.Char(
        default=", ", help="Written between the image links of one product."
    )
    full_file_name = fields.Char(compute="_compute_full_file_name")

    @api.depends("file_name", "file_type")
    def _compute_full_file_name(self):
        for record in self:
            extension = EXTENSIONS[record.file_type or "xlsx"]
            record.full_file_name = f"{record.file_name or ''}.{extension}"

    @api.constrains("file_name")
    def _check_file_name(self):
        for record in self:
            name = (record.file_name or "").strip()
            if (
                name in ("", ".")
                or ".." in name
                or any(char in name for char in "/\\")
                or any(ord(char) < 32 or ord(char) == 127 for char in name)
            ):
                raise ValidationError(
                    self.env._(
                        "File name: %(name)r is not valid. Use a name without path "
                        "separators, '..' or control characters.",
                        name=record.file_name or "",
                    )
                )

    @api.constrains("sheet_name", "file_type")
    def _check_sheet_name(self):
        for record in self.filtered(lambda rec: rec.file_type in ("xlsx", "xls")):
            name = record.sheet_name or ""
            if sheet_name_error(name):
                raise ValidationError(
                    self.env._(
                        "Sheet name: %(name)r is not valid. Use 1 to 31 characters, "
                        "none of [ ] : * ? / \\ nor control characters (a tab, a "
                        "line break), not starting or ending with an apostrophe.",
                        name=name,
                    )
                )

    @api.constrains("header_row")
    def _check_header_row(self):
        for record in self:
            if not 1 <= record.header_row <= 1000:
                raise ValidationError(
                    self.env._(
                        "Header row number: %(row)s is not between 1 and 1000.",
                        row=record.header_row,
                    )
                )

    @api.constrains("csv_delimiter", "file_type")
    def _check_csv_delimiter(self):
        for record in self:
            if record.file_type == "csv" and not record.csv_delimiter:
                raise ValidationError(
                    self.env._("CSV delimiter: choose one for a CSV file.")
                )

    @api.constrains("file_type", "xml_dialect")
    def _check_xml_headers(self):
        """An XML file's column headers are XML names (or @name, param:Name,
        g:name), no attribute set twice."""
        for record in self.filtered(lambda rec: rec.file_type == "xml"):
            replaced = self.env.context.get("marketplace_feed_replaced_column_ids")
            columns = record.column_ids.filtered(
                lambda column, replaced=replaced or (): column.id not in replaced
            )
            error = headers_error(columns.mapped("header"), record.xml_dialect)
            if error:
                header, code = error
                raise ValidationError(
                    self.env._(
                        "Column %(header)r: %(problem)s",
                        header=header or "",
                        problem=self._get_xml_header_problems()[code],
                    )
                )

    @api.model
    def _get_xml_header_problems(self):
        """What each error code of writers.xml_writer.header_error() means."""
        return {
            "empty": self.env._("an XML file needs a header for each column."),
            "invalid_name": self.env._(
                "this is not an element or attribute name an XML file can hold. "
                "Use letters A-Z, digits, '_', '-' and '.', starting with a "
                "letter or '_' and not with 'xml'; @name for an attribute."
            ),
            "unknown_prefix": self.env._(
                "unknown prefix. Use param:Name for a characteristic (YML, "
                "Hotline) and g:name for Google's elements (Google Merchant RSS)."
            ),
            "param_name": self.env._("write the characteristic's name after 'param:'."),
            "duplicate_attribute": self.env._(
                "another column already sets this attribute of the product."
            ),
        }

    def _uses_decimal_comma(self):
        """Whether numbers are written with a decimal comma: a CSV setting
        only, also when it was ticked before the file type changed
        (spreadsheet cells hold numbers, XML files use a point)."""
        self.ensure_one()
        return self.file_type == "csv" and self.decimal_comma

    @api.model
    def _get_settings_fields(self):
        """Names of the settings a template gives a feed (and takes from one)."""
        return [
            name
            for name, field in self.env[
                "marketplace.feed.settings.mixin"
            ]._fields.items()
            if field.store and not field.automatic
        ]

    def _get_settings_values(self):
        self.ensure_one()
        return self._convert_to_write(
            {name: self[name] for name in self._get_settings_fields()}
        )
