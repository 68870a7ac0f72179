# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

PRODUCT_MODEL = "product.product"
# The models of a product catalogue: all a column may reach (see
# _get_allowed_column_models). product.brand is OCA's product_brand.
CATALOGUE_MODELS = frozenset(
    (
        "product.product",
        "product.template",
        "product.category",
        "uom.uom",
        "product.tag",
        "product.attribute",
        "product.attribute.value",
        "product.template.attribute.value",
        "product.template.attribute.line",
        "res.country",
        "res.currency",
        "product.brand",
    )
)
# A product page pattern's placeholders: {name} of a product's value
URL_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
URL_PLACEHOLDERS = ("default_code", "barcode", "id", "template_id")


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
            ("product_page", "Product page"),
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
    skip_main_image = fields.Boolean(
        string="Without the Main Image",
        help="Only the images after the main one, e.g. Google's "
        "additional_image_link next to an image_link column.",
    )
    url_pattern = fields.Char(
        string="Product Page Pattern",
        help="The address of a product's page, with placeholders filled for "
        "each product: {default_code}, {barcode}, {id} (the variant's id) and "
        "{template_id}, e.g. https://shop.example.com/p/{default_code}. "
        "Empty: the product's page on the website (eCommerce).",
    )
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
            for env in column._get_field_path_envs():
                column._resolve_field_path(env[PRODUCT_MODEL])

    @api.constrains("kind", "price_source", "pricelist_id")
    def _check_price_source(self):
        for column in self.filtered(
            lambda column: column.kind in ("price", "currency")
        ):
            if not column.price_source or (
                column.price_source == "pricelist" and not column.pricelist_id
            ):
                raise ValidationError(
                    self.env._(
                        "Column %(header)s: choose the price source (and the "
                        "pricelist for a pricelist price).",
                        header=column.header,
                    )
                )

    @api.constrains("kind", "url_pattern")
    def _check_url_pattern(self):
        for column in self.filtered(
            lambda column: column.kind == "product_page" and column.url_pattern
        ):
            pattern = column.url_pattern
            unknown = set(URL_PLACEHOLDER.findall(pattern)) - set(URL_PLACEHOLDERS)
            if not pattern.startswith(("https://", "http://")) or unknown:
                raise ValidationError(
                    self.env._(
                        "Column %(header)s: the product page pattern %(pattern)s "
                        "is not valid. Start it with https:// (or http://) and "
                        "use only the placeholders %(placeholders)s.",
                        header=column.header,
                        pattern=pattern,
                        placeholders=", ".join(
                            f"{{{name}}}" for name in URL_PLACEHOLDERS
                        ),
                    )
                )

    def _get_field_path_envs(self):
        """The environments whose users' rights a field path is checked
        with: the editing user's (a feed's column adds its responsible
        user's)."""
        return [self.env]

    @api.model
    def _get_allowed_column_models(self):
        """The models a column may reach, by name: a product catalogue's
        (variant and template, category, unit, tags, attributes and their
        values, country, currency, brand). A column following a relation, or
        a related field reading through one, to any other model (vendor
        lines, partners, users, accounting...) is refused. A module that
        publishes a model of its own adds it::

            def _get_allowed_column_models(self):
                return super()._get_allowed_column_models() | {"product.label"}
        """
        return set(CATALOGUE_MODELS)

    @api.model
    def _get_reached_models(self, field):
        """The models ``field``'s value comes from besides its own: its
        comodel, and the models a related field reads through (its target's
        too, when that is related in turn)."""
        models = set()
        while True:
            if field.relational:
                models.add(field.comodel_name)
            if not field.related:
                return models
            model = self.env[field.model_name]
            *links, name = field.related.split(".")
            for link in links:
                model = self.env[model._fields[link].comodel_name]
                models.add(model._name)
            field = model._fields[name]

    def _resolve_field_path(self, model):
        """The fields along the column's path from ``model``, checked for the
        environment's user: each one exists and is readable by that user
        (its ``groups`` too), is not binary data, and reaches only the
        models of ``_get_allowed_column_models()``. Raises ValidationError
        naming the path."""
        self.ensure_one()
        allowed = self._get_allowed_column_models()
        names = (self.field_path or "").split(".")
        chain = []
        for position, name in enumerate(names):
            field = model._fields.get(name)
            problem = None
            outside = field and self._get_reached_models(field) - allowed
            if field is None:
                problem = self.env._("does not exist")
            elif not field.is_accessible(model.env):
                problem = self.env._(
                    "is not readable by %(user)s", user=model.env.user.name
                )
            elif field.type == "binary":
                problem = self.env._("is binary data; use an Images column for images")
            elif position < len(names) - 1 and not field.relational:
                problem = self.env._("is not a relation and cannot be followed")
            elif outside:
                problem = self.env._(
                    "reaches %(models)s, which a feed file may not publish",
                    models=", ".join(sorted(outside)),
                )
            elif field.relational and not model.env[field.comodel_name].has_access(
                "read"
            ):
                problem = self.env._(
                    "leads to records %(user)s may not read", user=model.env.user.name
                )
            if problem:
                raise ValidationError(
                    self.env._(
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
