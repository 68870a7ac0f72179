# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

PRODUCT_MODEL = "product.product"
# Relations a column may never follow, and words no readable field name may hold.
SENSITIVE_MODELS = {
    "res.users",
    "res.groups",
    "res.users.apikeys",
    "res.users.log",
    "res.device",
    "res.device.log",
    "auth_totp.device",
}
SENSITIVE_MODEL_PREFIXES = ("ir.", "base.", "bus.", "mail.", "auth_")
# The chatter's followers, messages and activities are nobody's business.
CHATTER_FIELD_PREFIXES = ("message_", "activity_", "website_message")
SENSITIVE_WORDS = ("password", "token", "secret", "apikey", "api_key", "totp", "signup")


class MarketplaceFeedColumnMixin(models.AbstractModel):
    """What a column writes: shared by feed columns and template columns."""

    _name = "marketplace.feed.column.mixin"
    _description = "Online Store Feed Column Definition"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    header = fields.Char(
        string="Column Header",
        required=True,
        help="The column's title in the store's file. Headers may repeat.",
    )
    kind = fields.Selection(
        [
            ("field", "Product field"),
            ("quantity", "Quantity"),
            ("image", "Main image"),
            ("images", "Images"),
            ("price", "Price"),
            ("currency", "Currency"),
            ("stock_status", "Stock status"),
            ("constant", "Custom value"),
        ],
        string="Value",
        default="field",
        required=True,
    )
    product_model = fields.Char(compute="_compute_product_model")
    field_path = fields.Char(
        string="Product Field",
        help="A field of the product variant or its template; follow relations "
        "with dots, e.g. categ_id.parent_id.name.",
    )
    price_source = fields.Selection(
        [
            ("list_price", "Sales price"),
            ("standard_price", "Cost"),
            ("pricelist", "Pricelist"),
        ],
        default="list_price",
    )
    pricelist_id = fields.Many2one("product.pricelist", ondelete="restrict")
    price_with_currency = fields.Boolean(
        string="Append Currency Code", help='Write "129.99 USD" instead of 129.99.'
    )
    constant_value = fields.Char(string="Custom Value")
    in_stock_text = fields.Char(default="in_stock")
    out_of_stock_text = fields.Char(default="out_of_stock")
    required_by_store = fields.Boolean(
        string="Required", help="The store rejects products where this is empty."
    )

    @api.depends("kind")
    def _compute_product_model(self):
        """The model of the field picker (a dependency so new lines get it)."""
        self.product_model = PRODUCT_MODEL

    # Validation

    @api.constrains("kind", "field_path")
    def _check_field_path(self):
        for column in self.filtered(lambda column: column.kind == "field"):
            column._resolve_field_path(self.env[PRODUCT_MODEL])

    @api.constrains("kind", "price_source", "pricelist_id")
    def _check_price_source(self):
        for column in self.filtered(
            lambda column: column.kind in ("price", "currency")
        ):
            if not column.price_source or (
                column.price_source == "pricelist" and not column.pricelist_id
            ):
                raise ValidationError(
                    _(
                        "Column %(header)s: choose the price source (and the "
                        "pricelist for a pricelist price).",
                        header=column.header,
                    )
                )

    def _resolve_field_path(self, model):
        """The fields along the column's path from ``model``, checked for the
        environment's user: each one exists, is readable, and stays out of
        binary data and sensitive models. Raises ValidationError."""
        self.ensure_one()
        names = (self.field_path or "").split(".")
        chain = []
        for position, name in enumerate(names):
            field = model._fields.get(name)
            problem = None
            if field is None or not field.is_accessible(model.env):
                problem = _("does not exist or is not readable")
            elif field.type == "binary":
                problem = _("is binary data; use an Images column for images")
            elif name.startswith(CHATTER_FIELD_PREFIXES) or any(
                word in name.lower() for word in SENSITIVE_WORDS
            ):
                problem = _("is a protected field")
            elif position < len(names) - 1 and not field.relational:
                problem = _("is not a relation and cannot be followed")
            elif field.relational and (
                field.comodel_name in SENSITIVE_MODELS
                or field.comodel_name.startswith(SENSITIVE_MODEL_PREFIXES)
                or not model.env[field.comodel_name].has_access("read")
            ):
                problem = _("leads to records this file may not read")
            if problem:
                raise ValidationError(
                    _(
                        "Column %(header)s: the product field %(path)s %(problem)s.",
                        header=self.header,
                        path=self.field_path or "",
                        problem=problem,
                    )
                )
            chain.append(field)
            if field.relational:
                model = model.env[field.comodel_name]
        return chain

    @api.model
    def _get_definition_fields(self):
        """Names of the fields that define a column, copied by templates."""
        mixin = self.env["marketplace.feed.column.mixin"]
        return [
            name
            for name, field in mixin._fields.items()
            if field.store and not field.automatic
        ]

    def _get_definition_values(self):
        self.ensure_one()
        return self._convert_to_write(
            {name: self[name] for name in self._get_definition_fields()}
        )
