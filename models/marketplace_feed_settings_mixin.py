# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..writers import EXTENSIONS, sheet_name_error


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
        [("xlsx", "XLSX"), ("xls", "XLS"), ("csv", "CSV")],
        default="xlsx",
        required=True,
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
                    _(
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
                    _(
                        "Header row number: %(row)s is not between 1 and 1000.",
                        row=record.header_row,
                    )
                )

    @api.constrains("csv_delimiter", "file_type")
    def _check_csv_delimiter(self):
        for record in self:
            if record.file_type == "csv" and not record.csv_delimiter:
                raise ValidationError(_("CSV delimiter: choose one for a CSV file."))

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
