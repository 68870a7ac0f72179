# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import SQL

# A batch value that is no field: the sum of the price extras of the
# variant's attribute values (_get_feed_value_sql).
ATTRIBUTE_EXTRA = "feed_attribute_extra"
# What the feed's sales prices read of each variant (_get_feed_sales_prices).
FEED_SALES_PRICE_FIELDS = ("list_price", ATTRIBUTE_EXTRA)


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model
    def _search_feed_batches(self, domain, field_names, after_id=0, batch_size=1000):
        """The products ``domain`` finds after id ``after_id``, as ``search``
        finds them, in id order, batch by batch: (ids, {field name: [value of
        each product, in order]}) of ``batch_size`` products, the stored
        values of ``field_names`` read with them by one SQL query per batch
        (see ``_read_feed_values``). The domain is made SQL once, for all
        the batches."""
        query = self._search(domain)
        if query.is_empty():
            return
        product_id = SQL.identifier(query.table, "id")
        terms = self._get_feed_value_terms(query, field_names)
        where = query.where_clause
        while True:
            after = SQL("%s > %s", product_id, after_id)
            rows = self._execute_feed_query(
                SQL(
                    "SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %s",
                    terms,
                    query.from_clause,
                    SQL("%s AND %s", where, after) if where else after,
                    product_id,
                    batch_size,
                )
            )
            if not rows:
                return
            after_id = rows[-1][0]
            columns = list(zip(*rows, strict=True))
            yield (
                list(columns[0]),
                dict(zip(field_names, map(list, columns[1:]), strict=True)),
            )

    def _read_feed_values(self, field_names):
        """The stored values of ``field_names`` (fields of the variant, its
        own or its template's, or ATTRIBUTE_EXTRA) of each of these variants,
        in order: {field name: [value, ...]}, without a record per value.

        One SQL query, made as the ORM's ``fetch`` makes its own: the
        variants' query is the user's (``_search``: record rules, the
        template's too), each value the field's SQL (``_field_to_sql``: a
        template's field read on the template, a translation in the
        environment's language, a company-dependent value in its company,
        pending changes flushed first). A record the user may not read
        raises AccessError, as reading it would. Values are those the ORM
        caches: a many2one's id, None when empty.
        """
        query = self.with_context(active_test=False)._search([("id", "in", self.ids)])
        rows = self._execute_feed_query(
            query.select(self._get_feed_value_terms(query, field_names))
        )
        rows = {row[0]: row[1:] for row in rows}
        if len(rows) < len(set(self._ids)):
            forbidden = self.browse(set(self._ids) - set(rows)).exists()
            if forbidden:
                raise self.env["ir.rule"]._make_access_error("read", forbidden)
        empty = (None,) * len(field_names)
        columns = zip(*(rows.get(id_, empty) for id_ in self._ids), strict=True)
        return dict(zip(field_names, map(list, columns), strict=False)) or {
            name: [] for name in field_names
        }

    @api.model
    def _get_feed_value_terms(self, query, field_names):
        """The SQL of the products' id and of ``field_names`` in ``query``,
        the user's field access checked first."""
        self.check_field_access_rights(
            "read", [name for name in field_names if name != ATTRIBUTE_EXTRA]
        )
        return SQL(", ").join(
            [
                SQL.identifier(query.table, "id"),
                *(self._get_feed_value_sql(query, name) for name in field_names),
            ]
        )

    @api.model
    def _get_feed_value_sql(self, query, name):
        """The SQL of the value ``name`` of the products of ``query``: a
        stored field's, or, for ATTRIBUTE_EXTRA, the sum of the price extras
        of the variant's attribute values (those of its stored
        ``combination_indices``), as the user reads them. Reading the
        many2many itself joins and sorts the values for each variant."""
        if name != ATTRIBUTE_EXTRA:
            return self._field_to_sql(query.table, name, query)
        values = self.env["product.template.attribute.value"]
        extras = values._search([("price_extra", "!=", 0)])
        extras.add_where(
            SQL(
                "%s = ANY(string_to_array(%s, ',')::int4[])",
                SQL.identifier(extras.table, "id"),
                self._field_to_sql(query.table, "combination_indices", query),
            )
        )
        price_extra = values._field_to_sql(extras.table, "price_extra", extras)
        return SQL("(%s)", extras.select(SQL("COALESCE(SUM(%s), 0)", price_extra)))

    @api.model
    def _execute_feed_query(self, query):
        """The rows of a query of a batch of products, planned with nested
        loops.

        A batch's query is small (ids given, or a limit), and each of its
        products' template is best found by its key. PostgreSQL's planner,
        which puts the templates the product rule and the products' domain
        keep far below what they are, would hash the whole template table
        instead for every batch: a scan that grows with the catalogue, and
        one that a query with a limit repeats over all the products after
        the batch's first."""
        # SET LOCAL ends with the transaction, or the savepoint rolled back
        # when the query fails.
        cr = self.env.cr
        cr.execute(
            "SET LOCAL enable_hashjoin TO off; SET LOCAL enable_mergejoin TO off"
        )
        rows = self.env.execute_query(query)
        cr.execute(
            "SET LOCAL enable_hashjoin TO DEFAULT;"
            " SET LOCAL enable_mergejoin TO DEFAULT"
        )
        return rows

    def _get_feed_sales_prices(self, values=None):
        """Each variant's sales price with its attributes' extra, as
        ``_price_compute("list_price")`` gives it in the product's currency and
        unit: {product id: float}. ``values``: the variants'
        ``FEED_SALES_PRICE_FIELDS`` when read already (``_read_feed_values``).
        """
        if values is None:
            values = self._read_feed_values(FEED_SALES_PRICE_FIELDS)
        return {
            product_id: (list_price or 0.0) + extra
            for product_id, list_price, extra in zip(
                self._ids, values["list_price"], values[ATTRIBUTE_EXTRA], strict=True
            )
        }
