# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
from pathlib import PurePath

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.marketplace_feed_column_mixin import PRODUCT_MODEL
from ..writers import DELIMITERS_BY_CHOICE, samples
from ..writers.options import SHEET_COLUMNS

SETTINGS_MIXIN = "marketplace.feed.settings.mixin"
# The feed's delimiter choice for each delimiter a CSV sample may have.
DELIMITER_CHOICES = {char: choice for choice, char in DELIMITERS_BY_CHOICE.items()}


def _settings_selection(name):
    """The choices of the feed's file setting `name`."""
    return lambda self: (
        self.env[SETTINGS_MIXIN]._fields[name]._description_selection(self.env)
    )


class MarketplaceFeedSampleWizard(models.TransientModel):
    """Set a feed's file settings and columns from the store's sample file.

    The file is read again at each step; only what was detected is kept (the
    settings and the suggested columns), never its data rows. Confirm writes
    them to the feed and forgets the file.
    """

    _name = "marketplace.feed.sample.wizard"
    _description = "Start an Online Store Feed from a Sample File"

    def _default_feed_id(self):
        context = self.env.context
        if context.get("active_model") == "marketplace.feed":
            return context.get("active_id")
        return False

    feed_id = fields.Many2one(
        "marketplace.feed",
        required=True,
        ondelete="cascade",
        default=lambda self: self._default_feed_id(),
    )
    feed_has_columns = fields.Boolean(compute="_compute_feed_has_columns")
    state = fields.Selection(
        [("upload", "Upload"), ("columns", "Columns")], default="upload", required=True
    )
    sample_file = fields.Binary(
        attachment=False,
        help="The sample or template file the store gives: XLSX, XLS or CSV, "
        "at most 10 MB.",
    )
    sample_file_name = fields.Char()
    file_type = fields.Selection(_settings_selection("file_type"))
    csv_delimiter = fields.Selection(
        _settings_selection("csv_delimiter"),
        string="CSV Delimiter",
        help="Detected when left empty.",
    )
    csv_encoding = fields.Selection(
        _settings_selection("csv_encoding"), string="CSV Encoding"
    )
    decimal_comma = fields.Boolean(
        help="Write numbers with a decimal comma in CSV files (12,50)."
    )
    sheet_ids = fields.One2many(
        "marketplace.feed.sample.wizard.sheet", "wizard_id", string="Sheets"
    )
    sheet_id = fields.Many2one(
        "marketplace.feed.sample.wizard.sheet",
        domain="[('wizard_id', '=', id)]",
    )
    header_row = fields.Integer(
        string="Header Row Number",
        help="The row of the headers: the first row with at least two cells of "
        "text. Change it, or the sheet, and click Detect Again.",
    )
    detected_header_row = fields.Integer()
    file_name = fields.Char(help="The feed's file name, without extension.")
    line_ids = fields.One2many(
        "marketplace.feed.sample.wizard.line", "wizard_id", string="Columns"
    )

    @api.depends("feed_id.column_ids")
    def _compute_feed_has_columns(self):
        for wizard in self:
            wizard.feed_has_columns = bool(wizard.feed_id.column_ids)

    @api.onchange("sample_file")
    def _onchange_sample_file(self):
        """The file's type, so that a CSV file's delimiter can be chosen."""
        self.file_type = self.sample_file and samples.detect_file_type(
            base64.b64decode(self.sample_file)
        )

    # Actions

    def action_read(self):
        """Read the uploaded file, detecting all its settings (but a chosen
        CSV delimiter)."""
        self.ensure_one()
        sample = self._read_sample(
            delimiter=DELIMITERS_BY_CHOICE.get(self.csv_delimiter)
        )
        feed = self.feed_id
        self.write(
            {
                "state": "columns",
                "file_type": sample.file_type,
                "csv_delimiter": DELIMITER_CHOICES.get(
                    sample.delimiter, feed.csv_delimiter
                ),
                "csv_encoding": sample.encoding or feed.csv_encoding,
                "decimal_comma": feed.decimal_comma,
                "file_name": PurePath(self.sample_file_name or "").stem
                or feed.file_name,
                "sheet_ids": [Command.clear()]
                + [Command.create({"name": name}) for name in sample.sheet_names],
            }
        )
        self.sheet_id = self.sheet_ids.filtered(
            lambda sheet: sheet.name == sample.sheet_name
        )
        self._set_sample(sample)
        return self._get_reopen_action()

    def action_detect(self):
        """Read the file again with the chosen sheet, CSV delimiter and
        encoding; the header row too when it was changed, otherwise it is
        detected again."""
        self.ensure_one()
        sample = self._read_sample(
            sheet_name=self.sheet_id.name or None,
            header_row=self.header_row
            if self.header_row != self.detected_header_row
            else None,
            delimiter=DELIMITERS_BY_CHOICE.get(self.csv_delimiter),
            encoding=self.csv_encoding,
        )
        self._set_sample(sample)
        return self._get_reopen_action()

    def action_confirm(self):
        """Give the feed the file settings and the columns, in the file's order;
        the feed's columns are replaced."""
        self.ensure_one()
        self._check_column_count(len(self.line_ids))
        feed = self.feed_id
        previous_columns = feed.column_ids
        values = {
            "file_type": self.file_type,
            "csv_delimiter": self.csv_delimiter,
            "csv_encoding": self.csv_encoding,
            "decimal_comma": self.decimal_comma,
            "header_row": self.header_row,
            "file_name": self.file_name,
            "column_ids": [
                Command.create(line._get_definition_values()) for line in self.line_ids
            ],
        }
        if self.sheet_id:
            values["sheet_name"] = self.sheet_id.name
        feed.write(values)
        # Then the old columns go: an enabled file is never left without any.
        previous_columns.unlink()
        feed.message_post(
            body=self.env._(
                "File settings and columns set from the sample file %(name)s.",
                name=self.sample_file_name or "",
            )
        )
        self.sample_file = False
        return {"type": "ir.actions.act_window_close"}

    # Business methods

    @api.model
    def _get_header_dictionary(self):
        """Header name -> what its column writes: the values of a column
        (``kind``, ``field_path``, ``price_source``, stock texts...). Names
        are compared case-insensitively without punctuation. Extend it to
        recognise more headers, e.g. ``{"Бренд": {"kind": "field",
        "field_path": "x_brand_id.name"}}``."""
        return dict(samples.HEADER_DICTIONARY)

    def _read_sample(self, **settings):
        """The uploaded file read with `settings` (see writers.samples)."""
        self.ensure_one()
        if not self.sample_file:
            raise UserError(self.env._("Upload the store's sample file first."))
        try:
            return samples.read_sample(base64.b64decode(self.sample_file), **settings)
        except samples.SampleError as error:
            raise UserError(self._get_sample_error_message(error)) from error

    def _set_sample(self, sample):
        """Keep what the sample says: its header row, decimal comma, and a
        suggested column for each header."""
        self._check_column_count(len(sample.headers))
        suggestions = samples.suggest_columns(
            sample.headers, sample.rows, self._get_header_dictionary()
        )
        values = {
            "header_row": sample.header_row,
            "detected_header_row": sample.header_row,
            "line_ids": [Command.clear()]
            + [
                Command.create(self._get_line_values(suggestion, sequence))
                for sequence, suggestion in enumerate(suggestions, start=1)
            ],
        }
        if sample.file_type == "csv":
            values["decimal_comma"] = sample.decimal_comma
        self.write(values)

    def _get_line_values(self, suggestion, sequence):
        """A suggested column's line: empty constants and product fields
        missing in this database are flagged with a note."""
        values = dict(suggestion.values)
        note = False
        if values["kind"] == "field" and not self._is_readable_field_path(
            values.get("field_path")
        ):
            values = {"kind": "constant"}
            note = self.env._(
                "This database has no such product field: choose a field, or "
                "type a value."
            )
        elif values["kind"] == "constant" and not values.get("constant_value"):
            note = self.env._(
                "Nothing to write found: choose what to write, or type a value."
            )
        return {
            **values,
            "sequence": sequence,
            "header": suggestion.header or self.env._("Column %s", sequence),
            "confidence": suggestion.confidence,
            "note": note,
        }

    def _is_readable_field_path(self, path):
        line = self.env["marketplace.feed.sample.wizard.line"].new(
            {"header": path, "kind": "field", "field_path": path}
        )
        try:
            line._resolve_field_path(self.env[PRODUCT_MODEL])
        except ValidationError:
            return False
        return True

    def _check_column_count(self, count):
        limit = SHEET_COLUMNS["xls"]
        if self.file_type == "xls" and count > limit:
            raise UserError(
                self.env._(
                    "The sample has %(count)s columns; the XLS format holds at "
                    "most %(limit)s. Choose XLSX or CSV.",
                    count=count,
                    limit=limit,
                )
            )

    def _get_sample_error_message(self, error):
        code, params = error.code, error.params
        if code == "too_large":
            return self.env._(
                "The sample file is larger than %(size)s MB. Keep its header row "
                "and a few product rows, and upload it again.",
                size=params["limit"] // (1024 * 1024),
            )
        if code == "encrypted":
            return self.env._(
                "The file is protected by a password. Save it without the "
                "password and upload it again."
            )
        if code == "encoding" and params["encoding"]:
            return self.env._(
                "The CSV file is not in the encoding %(encoding)s: choose another "
                "one and click Detect Again.",
                encoding=dict(
                    self._fields["csv_encoding"]._description_selection(self.env)
                ).get(params["encoding"], params["encoding"]),
            )
        if code == "encoding":
            return self.env._(
                "The CSV file is neither UTF-8 nor Windows-1251 text. Save it in "
                "one of these encodings and upload it again."
            )
        if code == "delimiter":
            return self.env._(
                "The CSV delimiter can't be told from the file. Choose the CSV "
                "delimiter and read the file again."
            )
        if code == "sheet":
            return self.env._("The file has no sheet %(name)s.", name=params["name"])
        if code == "no_header":
            return self.env._(
                "No row among the first %(rows)s of the sheet looks like headers "
                "(at least two cells of text). Choose another sheet, or check that "
                "this is the store's sample file.",
                rows=params["rows"],
            )
        if code == "empty_row":
            return self.env._(
                "Row %(row)s of the sheet has no headers. Choose the row of the "
                "headers (1 to %(max)s).",
                row=params["row"],
                max=samples.HEADER_ROW_MAX,
            )
        if code == "too_many_columns":
            return self.env._(
                "The sample has more than %(limit)s columns. Check the sheet, or "
                "remove the columns the store does not need.",
                limit=params["limit"],
            )
        return self.env._(
            "The file can't be read as an XLSX, XLS or CSV file: it is damaged or "
            "in another format. Open it in a spreadsheet program, save it as XLSX, "
            "XLS or CSV, and upload it again."
        )

    def _get_reopen_action(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Start from a Sample File"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }
