# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Generation of a feed's rows: products, quantities, images, values, read
in batches as the feed's responsible user. The file they go into and the
job that writes it are ``marketplace.feed.file``'s."""

import ast

from odoo import api, fields, models
from odoo.tools import SQL, float_compare, float_round

from ..writers import DELIMITERS_BY_CHOICE, FeedOptions, XmlShop

BATCH_SIZE = 1000
# The ORM's cache is emptied after this many products: what the rows' reading
# caches stays bounded, and what every batch reads again (the feed, its
# columns, their units and rules) is read once for them all.
CACHED_PRODUCTS = 5000
PREVIEW_ROWS = 20
MISSING_LISTED = 50
# Odoo's quantity field of each quantity kind (_compute_quantities_dict's keys)
QUANTITY_FIELDS = {
    "available": "free_qty",
    "on_hand": "qty_available",
    "forecast": "virtual_available",
}


def _is_one_of(column, ids):
    """SQL: ``column`` is one of ``ids``. The ids go as one array (a
    thousand of them in an IN list cost more to quote and to parse than the
    query takes), behind a subquery: the planner does not estimate them one
    by one, which took longer than running the query."""
    return SQL("%s = ANY((SELECT %s)::int4[])", column, list(ids))


class MarketplaceFeed(models.Model):
    _inherit = "marketplace.feed"

    def _get_generation_env_feed(self):
        """The feed as its responsible user sees it, in its company and
        language: an environment of its own, none of the caller's context."""
        self.ensure_one()
        env = api.Environment(
            self.env.cr,
            self.user_id.id,
            {
                "lang": self._get_generation_lang(),
                "active_test": True,
                "allowed_company_ids": [self.company_id.id],
            },
        )
        return self.with_env(env)

    def _get_generation_lang(self):
        self.ensure_one()
        return self.lang or self.sudo().user_id.lang or "en_US"

    def _get_writer_options(self):
        self.ensure_one()
        options = {
            "file_type": self.file_type,
            "sheet_name": self.sheet_name or "Sheet1",
            "header_row": self.header_row,
            "delimiter": DELIMITERS_BY_CHOICE[self.csv_delimiter or "comma"],
            "encoding": self.csv_encoding,
            "decimal_comma": self._uses_decimal_comma(),
            "escape_formulas": self.escape_formulas,
        }
        if self.file_type == "xml":
            options.update(
                xml_dialect=self.xml_dialect,
                xml_shop=self._get_generation_env_feed()._get_xml_shop(),
                xml_headers=self._get_headers(),
            )
        return FeedOptions(**options)

    def _get_xml_shop(self):
        """The header of an XML file: the shop (the company and its website
        or server address), the date of generation in the responsible user's
        time zone, the price columns' currencies and the categories of all
        the file's products. Called on the generation's feed."""
        self.ensure_one()
        company = self.company_id
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        return XmlShop(
            name=company.name,
            company=company.name,
            url=self.get_base_url(),
            date=now.strftime("%Y-%m-%d %H:%M"),
            description=self.name,
            currencies=self._get_xml_currencies(),
            categories=self._get_xml_categories(),
        )

    def _get_xml_currencies(self):
        """(code, rate) of the price columns' currencies (the company's
        currency when there is no price column): the company's currency at
        rate 1, the others at Odoo's rate of the day, in the company's
        currency per unit."""
        self.ensure_one()
        company = self.company_id
        currencies = self.env["res.currency"]
        for column in self._get_columns().filtered(lambda col: col.kind == "price"):
            currencies |= column._get_price_currency(self)
        today = fields.Date.context_today(self)
        rates = []
        for currency in currencies or company.currency_id:
            if currency == company.currency_id:
                rates.append((currency.name, 1))
                continue
            rate = currency._get_conversion_rate(
                currency, company.currency_id, company, today
            )
            rates.append((currency.name, f"{rate:.6f}".rstrip("0").rstrip(".")))
        return tuple(rates)

    def _get_xml_categories(self):
        """(id, parent id or None, name) of the categories of all the file's
        products, and of their parents, each once, parents first: one grouped
        query over the file's products, one for the parents."""
        self.ensure_one()
        groups = self.env["product.template"]._read_group(
            [("product_variant_ids", "any", self._get_products_domain())],
            ["categ_id"],
        )
        categories = self.env["product.category"].search(
            [("id", "parent_of", [category.id for (category,) in groups])]
        )
        return tuple(
            (category.id, category.parent_id.id or None, category.name)
            for category in categories.sorted("parent_path")
        )

    def _get_products_domain(self):
        """Products of the file: storable variants the company may use, by
        Odoo's product rule (shared, the company's or its parents')."""
        self.ensure_one()
        return [
            ("is_storable", "=", True),
            "|",
            ("company_id", "=", False),
            ("company_id", "parent_of", self.company_id.ids),
            *ast.literal_eval(self.product_domain or "[]"),
        ]

    def _get_stock_locations(self):
        """The internal locations whose stock the file lists: the selected
        locations, or the selected warehouses', and their children. Found
        once per generation, not again by each batch's stock query."""
        self.ensure_one()
        roots = self.location_ids or self.warehouse_ids.view_location_id
        return self.env["stock.location"].search(
            [("id", "child_of", roots.ids), ("usage", "=", "internal")]
        )

    def _get_quantities(self, products, locations, unit_ids=None):
        """Quantity of each product in the internal ``locations``, rounded to
        its unit: {product id: float}. An available quantity is rounded down
        (the file never promises what can't be sold), the others as Odoo
        rounds them; a negative one is 0 when the feed says so. The zero
        stock filter and the stock status decide on these. ``unit_ids``:
        each product's unit id, in order, when read already.

        One grouped query on the quants for the whole batch. Forecasts, and
        the quantities a module computes its own way (mrp: kits), are Odoo's
        ``_compute_quantities_dict``'s, for the whole batch too. Never
        product by product.
        """
        roundings = self._get_unit_roundings(products, unit_ids)
        if self.quantity_kind == "forecast":
            quantities = self._get_odoo_quantities(products, locations)
        else:
            quantities = self._get_quant_quantities(products, locations)
            if self._has_own_product_quantities():
                # Odoo's figure where it is not the quants' rounded (a kit's).
                figures = self._get_odoo_quantities(products, locations)
                for product_id, figure in figures.items():
                    rounding = roundings[product_id]
                    own = float_round(
                        quantities[product_id], precision_rounding=rounding
                    )
                    if float_compare(figure, own, precision_rounding=rounding):
                        quantities[product_id] = figure
        method = "DOWN" if self.quantity_kind == "available" else "HALF-UP"
        negative_as_zero = self.negative_stock_as_zero
        rounded, known = {}, {}  # known: (quantity, rounding): rounded, the same
        for product_id, quantity in quantities.items():
            key = quantity, roundings[product_id]
            value = known.get(key)
            if value is None:
                value = float_round(
                    quantity, precision_rounding=key[1], rounding_method=method
                )
                if value < 0 and negative_as_zero:
                    value = 0.0
                value = known[key] = value + 0.0  # -0.0 is 0
            rounded[product_id] = value
        return rounded

    def _get_odoo_quantities(self, products, locations):
        """Odoo's quantity of each product for the feed's quantity kind, as
        Odoo rounds it: {product id: float}."""
        if not locations:
            # (an archived warehouse's): Odoo would count every warehouse
            return dict.fromkeys(products._ids, 0.0)
        # None: no filter on lots, owners or packages (False would keep only
        # the stock without any).
        figures = products.with_context(
            location=locations.ids
        )._compute_quantities_dict(None, None, None)
        field_name = QUANTITY_FIELDS[self.quantity_kind]
        return {pid: figure[field_name] for pid, figure in figures.items()}

    def _get_quant_quantities(self, products, locations):
        """The quants' quantity of each product, on hand or available, not
        rounded: {product id: float}. One grouped query, as ``_read_group``
        makes it (the user's record rules), without a record per group."""
        quants = self.env["stock.quant"]
        query = quants._search([("location_id", "in", locations.ids)])
        product, quantity, reserved = (
            quants._field_to_sql(query.table, name, query)
            for name in ("product_id", "quantity", "reserved_quantity")
        )
        query.add_where(_is_one_of(product, products.ids))
        query.groupby = product
        rows = self.env.execute_query(
            query.select(product, SQL("SUM(%s)", quantity), SQL("SUM(%s)", reserved))
        )
        available = self.quantity_kind == "available"
        quantities = dict.fromkeys(products._ids, 0.0)
        for product_id, quantity, reserved in rows:
            quantities[product_id] = quantity - (reserved if available else 0.0)
        return quantities

    @api.model
    def _get_unit_roundings(self, products, unit_ids=None):
        """The rounding of each product's unit: {product id: float}; the
        units' ids (``unit_ids``, in order, when read already) read for the
        whole batch by one query, the rounding once per unit."""
        uom_ids = unit_ids or products._read_feed_values(["uom_id"])["uom_id"]
        units = products.env["uom.uom"].browse(dict.fromkeys(uom_ids))
        roundings = {unit.id: unit.rounding for unit in units}
        return dict(zip(products._ids, map(roundings.get, uom_ids), strict=True))

    @api.model
    def _has_own_product_quantities(self):
        """Whether a module other than stock overrides how products'
        quantities are computed (mrp: a kit's from its components)."""
        return any(
            "_compute_quantities_dict" in vars(cls)
            and not cls.__module__.startswith("odoo.addons.stock.")
            for cls in type(self.env["product.product"]).__mro__
        )

    def _get_image_url_prefix(self):
        """The start of the feed's image links: each goes on with the
        product, the image's checksum and the link's signature
        (``_get_image_signer``). The file's link is not in it."""
        self.ensure_one()
        return f"{self.get_base_url()}/marketplace-feed/image/{self.id}"

    @api.model
    def _get_product_images(self, products, template_ids=None):
        """Images of each product: {product id: [(record, field name,
        checksum), ...]}, an image once (by its attachment's checksum).
        ``template_ids``: each product's template id, in order, when read
        already (``_read_feed_values``).

        In website_sale's order: the variant's own image, the template's,
        then, when website_sale is installed, the variant's and the template's
        extra images. One attachment query per batch.
        """
        if template_ids is None:
            template_ids = products._read_feed_values(["product_tmpl_id"])[
                "product_tmpl_id"
            ]
        templates = products.env["product.template"].browse(dict.fromkeys(template_ids))
        sources = [(products, "image_variant_1920"), (templates, "image_1920")]
        extra_images = "product_variant_image_ids" in products._fields
        if extra_images:
            sources.append(
                (
                    products.product_variant_image_ids
                    | templates.product_template_image_ids,
                    "image_1920",
                )
            )
        attachments = self.env["ir.attachment"].sudo()
        query = attachments._search(
            [("res_field", "in", [fname for _records, fname in sources])]
        )
        res_model, res_id, res_field = (
            attachments._field_to_sql(query.table, name, query)
            for name in ("res_model", "res_id", "res_field")
        )
        query.add_where(
            SQL(
                "(%s)",
                SQL(" OR ").join(
                    SQL(
                        "(%s = %s AND %s = %s AND %s)",
                        res_model,
                        records._name,
                        res_field,
                        fname,
                        _is_one_of(res_id, records.ids),
                    )
                    for records, fname in sources
                ),
            )
        )
        found = {
            (res_model, res_id, res_field): checksum
            for res_model, res_id, res_field, checksum in self.env.execute_query(
                query.select(
                    *(
                        attachments._field_to_sql(query.table, name, query)
                        for name in ("res_model", "res_id", "res_field", "checksum")
                    )
                )
            )
        }
        images = {}
        # The records that have an image: most products of a catalogue have
        # none, and are passed over at once.
        with_image = {(res_model, res_id) for res_model, res_id, _field in found}
        product_model, template_model = products._name, templates._name
        # Records only for the images found (and the extra images' lists).
        for product_id, template_id in zip(products._ids, template_ids, strict=True):
            if not (
                extra_images
                or (product_model, product_id) in with_image
                or (template_model, template_id) in with_image
            ):
                images[product_id] = []
                continue
            candidates = [
                (products, product_id, "image_variant_1920"),
                (templates, template_id, "image_1920"),
            ]
            if extra_images:
                product = products.browse(product_id).with_prefetch(products._ids)
                template = templates.browse(template_id).with_prefetch(templates._ids)
                candidates += [
                    (image, image.id, "image_1920")
                    for image in product.product_variant_image_ids
                    | template.product_template_image_ids
                ]
            checksums = {}
            for records, record_id, fname in candidates:
                checksum = found.get((records._name, record_id, fname))
                if checksum and checksum not in checksums:
                    checksums[checksum] = (records.browse(record_id), fname, checksum)
            images[product_id] = list(checksums.values())
        return images

    def _get_feed_product_image(self, product_id, checksum):
        """(record, field name) of product ``product_id``'s image whose
        attachment has ``checksum``, when the product is in the published
        file and, as the responsible user sees it, still one of the file's
        products; None otherwise."""
        self.ensure_one()
        if not self._get_published_file()._holds_product(product_id):
            return None
        feed = self._get_generation_env_feed()
        product = feed.env["product.product"].search(
            [("id", "=", product_id), *feed._get_products_domain()]
        )
        for record, fname, image_checksum in feed._get_product_images(product).get(
            product_id, []
        ):
            if image_checksum == checksum:
                return record, fname
        return None

    def _get_headers(self):
        """The file's header row, read as the generation reads the rows."""
        self.ensure_one()
        return self._get_generation_env_feed()._get_columns().mapped("header")

    def _get_columns(self):
        """The file's columns as the environment's user finds them. Searched,
        not read from ``column_ids``: that value is cached for every user of
        the transaction, as the first one to read it could see it."""
        self.ensure_one()
        return self.env["marketplace.feed.column"].search([("feed_id", "=", self.id)])

    def _iter_rows(self, stats, after_id=0, batch_size=None, product_ids=None):
        """The file's product rows after product ``after_id``, batch by batch,
        read as the responsible user: (rows, id of the last product they
        cover). A generation that stops after a batch resumes after that id.
        When ``product_ids`` is a list, the ids of each batch's products are
        added to it, in the rows' order.

        Counts in ``stats`` the products left out for zero stock ("skipped")
        and those whose required columns are empty ("missing", the first ones
        named in "missing_names"), up to the last product yielded.
        """
        self.ensure_one()
        batch_size = batch_size or BATCH_SIZE
        self._check_user_id()
        feed = self._get_generation_env_feed()
        # Prefetched together also after the cache is emptied between batches.
        columns = feed._get_columns()
        for column in columns:
            column._check_generation_access()
        required = [
            index for index, column in enumerate(columns) if column.required_by_store
        ]
        product_model = feed.env["product.product"]
        # The stored fields the columns read, with the products themselves.
        stored_names = list(
            dict.fromkeys(
                name
                for column in columns
                for name in column._get_stored_field_names(product_model)
            )
        )
        context = {
            "feed": feed,
            "image_url_prefix": self._get_image_url_prefix(),
            "image_signer": self._get_image_signer(),
            "reached_values": {},
        }
        cached = 0
        for batch, last_id in feed._iter_product_quantities(
            stats, after_id, batch_size, stored_names
        ):
            ids, quantities, values = zip(*batch, strict=True) if batch else ((),) * 3
            products = product_model.browse(ids)
            if product_ids is not None:
                product_ids.extend(ids)
            stored = zip(*values, strict=True) if values else [[]] * len(stored_names)
            context.update(
                quantities=dict(zip(ids, quantities, strict=True)),
                stored=dict(zip(stored_names, map(list, stored), strict=True)),
                reached={},
                image_links=None,
            )
            rows = list(
                zip(
                    *(column._get_values(products, context) for column in columns),
                    strict=True,
                )
            )
            for product_id, row in zip(products._ids, rows, strict=True):
                if any(row[index] in (None, "", []) for index in required):
                    stats["missing"] += 1
                    if len(stats["missing_names"]) < MISSING_LISTED:
                        product = products.browse(product_id)
                        stats["missing_names"].append(product.display_name)
            yield rows, last_id
            cached += len(rows)
            if cached >= CACHED_PRODUCTS:
                feed.env.invalidate_all()
                cached = 0

    def _iter_product_quantities(self, stats, after_id, batch_size, field_names=()):
        """Batches of (product id, quantity, values of ``field_names``) of
        the file's products after ``after_id``, in id order, with the id of
        the last product each batch covers. The products and the values of
        their stored fields are read by one query per batch
        (``product.product._search_feed_batches``).

        Quantities are read for ``batch_size`` products at a time. Unless zero
        stock is included, the products at zero or below are left out here
        (counted in ``stats["skipped"]`` once a batch covers them), before
        the batches are formed: those stay full however many products are
        out of stock.
        """
        self.ensure_one()
        product_model = self.env["product.product"]
        domain = self._get_products_domain()
        locations = self._get_stock_locations()
        include_zero_stock = self.include_zero_stock
        batch, skipped = [], 0
        for ids, values in product_model._search_feed_batches(
            domain, ["uom_id", *field_names], after_id, batch_size
        ):
            after_id = ids[-1]
            quantities = self._get_quantities(
                product_model.browse(ids), locations, unit_ids=values["uom_id"]
            )
            rows = zip(*(values[name] for name in field_names), strict=True)
            for product_id, row in zip(
                ids, rows if field_names else [()] * len(ids), strict=True
            ):
                if include_zero_stock or quantities[product_id] > 0:
                    batch.append((product_id, quantities[product_id], row))
                    if len(batch) == batch_size:
                        stats["skipped"] += skipped
                        yield batch, product_id
                        batch, skipped = [], 0
                else:
                    skipped += 1
        if batch or skipped:
            stats["skipped"] += skipped
            yield batch, after_id

    @api.model
    def _new_generation_stats(self):
        return {"skipped": 0, "missing": 0, "missing_names": []}

    def _get_preview_rows(self, limit=PREVIEW_ROWS):
        """Headers and the first ``limit`` product rows of the file, read in
        a batch of that size."""
        self.ensure_one()
        rows = []
        stats = self._new_generation_stats()
        for batch, _last_id in self._iter_rows(stats, batch_size=limit):
            rows.extend(batch[: limit - len(rows)])
            if len(rows) >= limit:
                break
        return self._get_headers(), rows

    def _get_too_large_message(self, error):
        if error.kind == "columns":
            return self.env._(
                "The XLS format holds at most %(limit)s columns; choose XLSX or CSV.",
                limit=error.limit,
            )
        return self.env._(
            "The XLS format holds at most %(limit)s product rows with this header "
            "row; choose XLSX or CSV.",
            limit=error.limit,
        )
