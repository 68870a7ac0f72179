# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from decimal import Decimal
from urllib.parse import quote

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round

from ..writers import join_values
from ..writers.formatting import url_quote
from .marketplace_feed_column_mixin import PRODUCT_MODEL, URL_PLACEHOLDER
from .product_pricelist import FEED_PRICE_FIELDS

# Types of the fields read by SQL: their value is the column's (ORM's
# convert_to_record).
SQL_FIELD_TYPES = {
    "boolean",
    "char",
    "date",
    "datetime",
    "float",
    "html",
    "integer",
    "many2one",
    "monetary",
    "selection",
    "text",
}
# The values of the records a many2one column reaches, kept for the next
# batches, up to this many per column.
REACHED_VALUES_KEPT = 10000


class MarketplaceFeedColumn(models.Model):
    _name = "marketplace.feed.column"
    _inherit = "marketplace.feed.column.mixin"
    _description = "Online Store Feed Column"
    _check_company_auto = True

    feed_id = fields.Many2one(
        "marketplace.feed", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="feed_id.company_id", store=True)
    pricelist_id = fields.Many2one(check_company=True)

    @api.constrains("header", "feed_id")
    def _check_xml_header(self):
        self.feed_id._check_xml_headers()

    # CRUD: any change of the columns makes the stored file outdated.

    @api.model_create_multi
    def create(self, vals_list):
        columns = super().create(vals_list)
        columns.feed_id._bump_config_version()
        return columns

    def write(self, vals):
        res = super().write(vals)
        self.feed_id._bump_config_version()
        return res

    def unlink(self):
        feeds = self.feed_id
        res = super().unlink()
        feeds._bump_config_version()
        # Also when the columns themselves are deleted, not through the feed.
        feeds._check_enabled_columns()
        return res

    # Values

    def _get_field_path_envs(self):
        """Also the responsible user's: the file is generated with its rights."""
        return [
            *super()._get_field_path_envs(),
            self.feed_id._get_generation_env_feed().env,
        ]

    def _check_generation_access(self):
        """Check, as the generating user, that this column may be written."""
        self.ensure_one()
        if self.kind == "field":
            try:
                self._resolve_field_path(self.env[PRODUCT_MODEL])
            except ValidationError as error:
                raise UserError(error.args[0]) from error

    def _get_values(self, products, context):
        """The column's cell of each product, in order: a list of plain values.

        ``context`` holds what the generation shares between columns: the
        feed, the image link prefix, and the batch's quantities, the values
        of the columns' stored fields (``stored``: {field name: [value of
        each product]}, read with the products), the records its products
        reach and its image links.
        """
        self.ensure_one()
        return getattr(self, f"_get_values_{self.kind}")(products, context)

    def _get_read_chain(self, model):
        """The path's fields from ``model``, the fields a record delegates to its
        parent (a variant's template fields) read on the parent itself: the
        same values, without computing one related field per row."""
        chain = []
        for field in self._resolve_field_path(model):
            if field.inherited:
                parent_name = field.related.split(".", 1)[0]
                chain += [model._fields[parent_name], field.inherited_field]
            else:
                chain.append(field)
            if field.relational:
                model = model.env[field.comodel_name]
        return chain

    def _get_stored_field_names(self, model):
        """The stored product fields this column reads from the batch's
        values (``context["stored"]`` of ``_get_values``), read with the
        products for all the columns."""
        self.ensure_one()
        if self.kind == "field":
            field = self._get_sql_field(model)
            return [field.name] if field else []
        if self.kind in ("image", "images"):
            return ["product_tmpl_id"]
        if self.kind == "price" and self.price_source == "standard_price":
            return ["product_tmpl_id", "company_id", "standard_price"]
        if self.kind == "price":
            return list(FEED_PRICE_FIELDS)
        return []

    def _get_sql_field(self, model):
        """The path's first field when its value is read by SQL: a field the
        ORM stores in a column of the variant or of its template, neither
        computed nor related, of a type whose stored value is its value (a
        many2one's id, not its display name, which the ORM computes); None
        for any other field, read through the ORM."""
        field = self._resolve_field_path(model)[0]
        stored = field.inherited_field if field.inherited else field
        if (
            stored.store
            and stored.column_type
            and not stored.compute
            and stored.type in SQL_FIELD_TYPES
            and not (stored.type == "many2one" and stored.company_dependent)
        ):
            return field
        return None

    def _get_stored_values(self, products, context):
        """The batch's values of the columns' stored fields, read with the
        products by the generation (``context["stored"]``), or, outside a
        generation, this column's, read now."""
        return context.get("stored") or products._read_feed_values(
            self._get_stored_field_names(products)
        )

    def _get_values_field(self, products, context):
        field = self._get_sql_field(products)
        if field:
            return self._get_values_sql_field(products, field, context)
        first, *rest = self._get_read_chain(products)
        plain = self._get_plain_value_function((rest or [first])[-1])
        if not first.relational:
            return [plain(value) for value in products.mapped(first.name)]
        # The records each product reaches by the first field (its template,
        # mostly) are shared by the batch's columns; the rest of the path is
        # read once per distinct record.
        reached = self._get_reached(products, first.name, context)
        values = {}  # keyed by ids: a tuple hashes faster than a recordset
        for records in reached:
            if records._ids not in values:
                values[records._ids] = self._get_chain_value(records, rest, plain)
        return [values[records._ids] for records in reached]

    def _get_values_sql_field(self, products, field, context):
        """The values of a path whose first field is read by SQL; the rest
        of the path (a many2one's display name, at least) through the ORM,
        once per record reached in the whole generation."""
        values = self._get_stored_values(products, context)[field.name]
        if field.type in ("char", "text"):
            # A text's stored value is its value (None: empty).
            return [value or None for value in values]
        if field.type != "many2one":
            plain = self._get_plain_value_function(field)
            to_record = field.convert_to_record
            return [plain(to_record(value, products)) for value in values]
        rest = self._get_read_chain(products)[1 + bool(field.inherited) :]
        plain = self._get_plain_value_function((rest or [field])[-1])
        known = context.setdefault("reached_values", {}).setdefault(self.id, {})
        if len(known) > REACHED_VALUES_KEPT:
            known.clear()
        new_ids = [id_ for id_ in dict.fromkeys(values) if id_ not in known]
        if new_ids:
            records = products.env[field.comodel_name].browse(
                [id_ for id_ in new_ids if id_]
            )
            for record in records:
                known[record.id] = self._get_chain_value(record, rest, plain)
            known.setdefault(None, self._get_chain_value(records.browse(), rest, plain))
        return [known[id_] for id_ in values]

    @api.model
    def _get_reached(self, products, field_name, context):
        """The records each product of the batch reaches by ``field_name``,
        in order; read once per batch for all its columns."""
        reached = context["reached"]
        if field_name not in reached:
            reached[field_name] = [product[field_name] for product in products]
        return reached[field_name]

    @api.model
    def _get_chain_value(self, records, chain, plain):
        """The plain value at the end of ``chain`` from ``records`` (the
        records themselves for an empty chain); several values joined."""
        if not chain:
            return plain(records)
        for field in chain[:-1]:
            records = (
                records[field.name] if len(records) == 1 else records.mapped(field.name)
            )
        if len(records) == 1:
            return plain(records[chain[-1].name])
        return join_values(plain(record[chain[-1].name]) for record in records)

    def _get_plain_value_function(self, field):
        """The function turning ``field``'s values into plain values for the
        writers (display names, selection labels, ...)."""
        if field.type == "boolean":
            return bool
        if field.type == "many2one":
            return lambda record: record.display_name or None
        if field.type in ("one2many", "many2many"):
            return lambda records: join_values(records.mapped("display_name"))
        if field.type == "selection":
            labels = dict(field._description_selection(self.env))
            return lambda value: labels.get(value) if value else None
        if field.type in ("integer", "float", "monetary"):
            return lambda value: value
        return lambda value: value or None

    def _get_values_quantity(self, products, context):
        """The quantities (rounded to the product's unit by the generation),
        without decimals when whole."""
        quantities = [context["quantities"][id_] for id_ in products._ids]
        return [
            int(quantity) if quantity.is_integer() else quantity
            for quantity in quantities
        ]

    def _get_values_stock_status(self, products, context):
        quantities = context["quantities"]
        return [
            self.in_stock_text if quantities[product.id] > 0 else self.out_of_stock_text
            for product in products
        ]

    def _get_values_constant(self, products, context):
        return [self.constant_value or None] * len(products)

    def _get_image_links(self, products, context):
        """Public links of each product's images, main image first; found
        once per batch for all its image columns. A link names the product
        and the image's checksum, and carries their signature: it opens that
        image only, and a changed image gets a new link."""
        if context["image_links"] is None:
            prefix, sign = context["image_url_prefix"], context["image_signer"]
            template_ids = self._get_stored_values(products, context)["product_tmpl_id"]
            images = context["feed"]._get_product_images(products, template_ids)
            context["image_links"] = [
                [
                    f"{prefix}/{product_id}/{checksum}/{sign(product_id, checksum)}"
                    for _record, _fname, checksum in images[product_id]
                ]
                for product_id in products._ids
            ]
        return context["image_links"]

    def _get_values_image(self, products, context):
        return [
            links[0] if links else None
            for links in self._get_image_links(products, context)
        ]

    def _get_values_images(self, products, context):
        """Each product's image links: a list in XML files (an element per
        link), else one text."""
        feed = context["feed"]
        start = 1 if self.skip_main_image else 0
        links = [links[start:] for links in self._get_image_links(products, context)]
        if feed.file_type == "xml":
            return links
        separator = feed.image_separator or ", "
        return [
            join_values(product_links, separator) if product_links else ""
            for product_links in links
        ]

    def _get_values_product_page(self, products, context):
        """The address of each product's page: the column's pattern filled,
        or, without one, its page on the website (eCommerce); None when
        there is neither, or a placeholder's value is empty."""
        if self.url_pattern:
            return self._get_pattern_urls(products)
        if "website_url" not in products._fields:
            return [None] * len(products)
        base_url = context["feed"].get_base_url()
        return [
            url_quote(
                (product.website_id.sudo().domain or base_url).rstrip("/")
                + product.website_url
            )
            for product in products
        ]

    def _get_pattern_urls(self, products):
        urls = []
        for product in products:
            values = {
                "default_code": product.default_code,
                "barcode": product.barcode,
                "id": product.id,
                "template_id": product.product_tmpl_id.id,
            }
            if any(
                not values[name] for name in URL_PLACEHOLDER.findall(self.url_pattern)
            ):
                urls.append(None)
                continue
            url = URL_PLACEHOLDER.sub(
                lambda match, values=values: quote(str(values[match[1]]), safe=""),
                self.url_pattern,
            )
            urls.append(url_quote(url))
        return urls

    def _get_prices(self, products, context):
        """The batch's prices in the column's source, in its currency
        (``_get_price_currency``): ({product id: float}, currency)."""
        feed = context["feed"]
        memo = self._get_pricing_memo(context)
        if "currency" not in memo:
            memo["currency"] = self._get_price_currency(feed)
        currency = memo["currency"]
        values = self._get_stored_values(products, context)
        if self.price_source == "pricelist":
            pricelist = self.pricelist_id.with_env(feed.env)
            return pricelist._get_feed_prices(products, values, memo), currency
        if self.price_source == "standard_price":
            prices = {
                product_id: cost or 0.0
                for product_id, cost in zip(
                    products._ids, values["standard_price"], strict=True
                )
            }
            currency_field = "cost_currency_id"
        else:
            prices = products._get_feed_sales_prices(values)
            currency_field = "currency_id"
        rates = memo.setdefault("rates", {})
        for company_id, template_id in dict(
            zip(values["company_id"], values["product_tmpl_id"], strict=True)
        ).items():
            if company_id not in rates:
                rates[company_id] = self._get_conversion_rate(
                    products.env["product.template"].browse(template_id),
                    currency_field,
                    currency,
                    feed,
                )
        return {
            product_id: prices[product_id] * rates[company_id]
            for product_id, company_id in zip(
                products._ids, values["company_id"], strict=True
            )
        }, currency

    @api.model
    def _get_conversion_rate(self, template, currency_field, currency, feed):
        """Odoo's rate of the day, in ``feed``'s company, from the currency of
        ``template``'s price (its ``currency_field``) to ``currency``. A
        template's currencies depend on its company only: the rate holds for
        all the products of its company."""
        source = template[currency_field]
        return source._get_conversion_rate(
            source, currency, feed.company_id, fields.Date.context_today(feed)
        )

    def _get_pricing_memo(self, context):
        """What the column's prices keep from batch to batch of a generation
        (in ``context``): its currency, the conversion rate of each company's
        products, and what its pricelist keeps (``_get_feed_prices``)."""
        self.ensure_one()
        return context.setdefault("pricing", {}).setdefault(self.id, {})

    def _get_price_currency(self, feed):
        """The currency of the column's prices in ``feed``'s file."""
        if self.price_source == "pricelist":
            return self.pricelist_id.with_env(feed.env).currency_id
        return feed.company_id.currency_id

    def _get_values_price(self, products, context):
        prices, currency = self._get_prices(products, context)
        memo = self._get_pricing_memo(context)
        if "format" not in memo:
            # currency.round(), its fields read once
            step = Decimal(1).scaleb(-currency.decimal_places)
            memo["format"] = step, currency.rounding, currency.name
        step, rounding, code = memo["format"]
        values = [
            Decimal(
                repr(float_round(prices[id_], precision_rounding=rounding))
            ).quantize(step)
            for id_ in products._ids
        ]
        if not self.price_with_currency:
            return values
        texts = [f"{value} {code}" for value in values]
        if context["feed"]._uses_decimal_comma():
            texts = [text.replace(".", ",") for text in texts]
        return texts

    def _get_values_currency(self, products, context):
        """The code of the currency of the column's prices."""
        return [self._get_price_currency(context["feed"]).name] * len(products)
