#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of stock_marketplace_feed on a 100,000-variant catalogue.

`make bench` runs it in full, `make bench ARGS=--quick` on 10,000 variants
with a short load test. The harness (scripts/run.sh bench) starts PostgreSQL
in .bench/ and passes PGHOST, PGPORT, PGUSER, ODOO_RC and ODOO_ADDONS_PATH.
Options: --quick, --rebuild (build the database again), --no-load, --port,
--health (only the feed health step: 1,000,000 fetch rows of one feed, the
time its form takes to read; .bench/health-results[-quick].txt).

 1. Builds the database marketplace_feed_bench once: the add-on installed
    without demo data, then 20,000 templates x 5 sizes, 410 categories in 3
    levels, images on 1% of the products, stock in 3 warehouses on 60% of them,
    and 1,000 variants of a second company for the 1,000-row runs. Later runs
    reuse it (ir.config_parameter stock_marketplace_feed.bench_built = 1) and
    update the add-on when its files changed.
 2. Recreates the bench feeds: 8 columns (code, name, barcode, category,
    price of a -10% pricelist, quantity in the 3 warehouses, images, custom
    value), responsible admin: generation runs as admin, not as superuser.
 3. Generates CSV, XLSX and XML (YML) (100,000 rows), XLS (60,000: in-stock
    products only), CSV, XLSX and XML of 1,000 rows, each in a fresh process:
    wall time, rows/s and peak RSS growth (VmHWM, reset before the run, minus
    VmRSS).
 4. Odoo's own export of the same products (export_data, then the CSV and XLSX
    writers of /web/export), and bare openpyxl / csv writing our rows.
 5. Load test of the cached CSV link under `odoo --workers=2`, and of Odoo
    serving the same bytes at /web/content/<id>?access_token=...
 6. Soak: 10,000 fetches; errors, fetch log rows, worker RSS before/after.
 7. Prints the results, also written to .bench/results.txt (quick run:
    .bench/results-quick.txt).

The catalogue is written with SQL, copied column by column from records the
ORM created (a prototype template with its variants and attribute values, one
quant per stock location), so the rows hold what the ORM writes; names,
codes, barcodes, categories, prices, quantities and ids differ.
"""

import argparse
import base64
import csv
import gc
import hashlib
import io
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
MODULE = "stock_marketplace_feed"
PARAM_BUILT = f"{MODULE}.bench_built"
PARAM_INFO = f"{MODULE}.bench_info"
PARAM_HASH = f"{MODULE}.bench_addon_hash"
RESULT = "BENCH_RESULT "  # prefix of a measurement process's result line
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}

SIZES = ["XS", "S", "M", "L", "XL"]  # one attribute, 5 variants per template
STOCKED = 0.6  # share of products with stock; the XLS run writes only those
IMAGE_EVERY = 100  # 1 template in 100 has an image: 1% of the variants
SMALL = 1000  # variants of company B, for the 1,000-row runs
FEED_PREFIX = "Bench: "
COLUMNS = [  # header, kind, other values of the feed's 8 columns
    ("sku", "field", {"field_path": "default_code", "required_by_store": True}),
    ("name", "field", {"field_path": "name"}),
    ("barcode", "field", {"field_path": "barcode"}),
    ("category", "field", {"field_path": "categ_id"}),
    ("price", "price", {"price_source": "pricelist"}),  # + pricelist_id
    ("quantity", "quantity", {}),
    ("images", "images", {}),
    ("condition", "constant", {"constant_value": "new"}),
]
# Odoo's export has no pricelist price, image link or constant: lst_price,
# description_sale (empty, as the images of 99% of the products) and uom_id
# (one value for all, as the constant) stand in for them.
ODOO_FIELDS = ["default_code", "name", "barcode", "categ_id", "lst_price"]
ODOO_FIELDS += ["free_qty", "description_sale", "uom_id"]

MODES = {
    "full": SimpleNamespace(
        db="marketplace_feed_bench",
        products=100_000,
        seconds={"identity": 30, "gzip": 15, "If-None-Match": 10},
        clients=50,
        soak=10_000,
        soak_clients=10,
        results="results.txt",
    ),
    "huge": SimpleNamespace(
        db="marketplace_feed_bench_huge",
        products=1_000_000,
        results="results-huge.json",
    ),
    "quick": SimpleNamespace(
        db="marketplace_feed_bench_quick",
        products=10_000,
        seconds={"identity": 5, "gzip": 3, "If-None-Match": 3},
        clients=50,
        soak=500,
        soak_clients=10,
        results="results-quick.txt",
    ),
}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Odoo and PostgreSQL access


def odoo_setup():
    """Odoo's configuration from ODOO_RC (written by the harness)."""
    if not os.environ.get("ODOO_RC"):
        sys.exit("ODOO_RC is not set: run this with `make bench`.")
    import odoo

    args = ["-c", os.environ["ODOO_RC"], "--log-level=warn"]
    if os.environ.get("ODOO_ADDONS_PATH"):
        args.append(f"--addons-path={os.environ['ODOO_ADDONS_PATH']}")
    odoo.tools.config.parse_config(args)


def registry(db):
    import odoo

    return odoo.modules.registry.Registry(db)


def superuser_env(cr, **context):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, context)


def sql(db, query, params=None, autocommit=False):
    """Run one query with psycopg2 outside Odoo; return its rows (or None)."""
    import psycopg2

    cnx = psycopg2.connect(
        dbname=db,
        host=os.environ.get("PGHOST"),
        port=os.environ.get("PGPORT"),
        user=os.environ.get("PGUSER"),
    )
    cnx.autocommit = autocommit
    try:
        with cnx.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None
    finally:
        cnx.close()


def db_exists(db):
    return bool(sql("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [db]))


def db_param(db, key):
    """An ir.config_parameter of ``db`` (None if absent or not installed)."""
    try:
        rows = sql(db, "SELECT value FROM ir_config_parameter WHERE key = %s", [key])
    except Exception:  # noqa: BLE001 - no such table yet: not built
        return None
    return rows[0][0] if rows else None


def run_odoo_cli(db, *args):
    """odoo -c ODOO_RC -d DB ARGS --stop-after-init; returns its seconds."""
    cmd = [sys.executable, "-m", "odoo", "-c", os.environ["ODOO_RC"], "-d", db]
    cmd += [*args, "--stop-after-init", "--log-level=warn", "--no-http"]
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode or re.search(r" (ERROR|CRITICAL) ", done.stderr):
        sys.stderr.write(done.stderr[-5000:])
        sys.exit(f"odoo {' '.join(args)} failed on {db}")
    return time.monotonic() - started


def addon_hash():
    """Hash of the add-on's code and data files: when it changes, -u."""
    digest = hashlib.sha1()
    top = {"__manifest__.py", "__init__.py", "models", "controllers", "writers"}
    top |= {"data", "security", "views"}
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.suffix in (".py", ".xml", ".csv") and rel.parts[0] in top:
            digest.update(str(rel).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# 1. Catalogue


def filestore(db):
    from odoo.tools import config

    return Path(config.filestore(db))


def feed_path(db, feed_id):
    """The public path of a feed's link."""
    with registry(db).cursor() as cr:
        feed = superuser_env(cr)["marketplace.feed"].browse(feed_id)
        return f"/marketplace-feed/{feed._get_public_slug()}/" + quote(
            feed.full_file_name
        )


def expected_rows(db, feed_id):
    """The product rows a feed's file must hold (zero stock included)."""
    with registry(db).cursor() as cr:
        feed = superuser_env(cr)["marketplace.feed"].browse(feed_id)
        generation = feed._get_generation_env_feed()
        return generation.env["product.product"].search_count(
            generation._get_products_domain()
        )


def copy_rows(cr, table, source, overrides, skip=()):
    """INSERT INTO table every column of the prototype rows ``p``.

    ``source`` is the FROM clause that joins the prototype rows ``p`` to the
    rows to create; ``overrides`` maps columns to SQL expressions; ``skip``
    columns take their default. Returns the number of rows inserted.
    """
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND table_schema = 'public' ORDER BY ordinal_position",
        [table],
    )
    columns = [name for (name,) in cr.fetchall() if name not in skip]
    select = ", ".join(overrides.get(c, f'p."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    cr.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM {source}")
    return cr.rowcount


def temp_table(cr, name, columns, rows):
    """CREATE TEMP TABLE name (columns) and COPY ``rows`` (tuples) into it."""
    cr.execute(f"CREATE TEMP TABLE {name} ({columns})")
    names = [column.split()[0] for column in columns.split(",")]
    data = io.StringIO()
    for row in rows:
        data.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    data.seek(0)
    cr._obj.copy_expert(f"COPY {name} ({', '.join(names)}) FROM STDIN", data)


def ean13(digits12):
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return f"{digits12}{(10 - total % 10) % 10}"


ADJECTIVES = "Classic Compact Deluxe Eco Heavy-duty Lightweight Pro Smart Vintage"
NOUNS = ["Backpack", "Blender", "Charger", "Desk Lamp", "Headphones", "Kettle"]
NOUNS += ["Sneakers", "T-shirt", "Water Bottle", "Чохол для телефону"]


def product_name(rng, index):
    """A varied name; 10% hold a comma, 5% a double quote (CSV quoting)."""
    name = f"{rng.choice(ADJECTIVES.split())} {rng.choice(NOUNS)} M{index:05d}"
    roll = rng.random()
    return name + (", 2-pack" if roll < 0.1 else ' 15.6" model' if roll < 0.15 else "")


def png_image(index):
    """A distinct 400 x 400 PNG, base64-encoded."""
    from PIL import Image, ImageDraw

    color = ((index * 37) % 256, (index * 91) % 256, (index * 53) % 256)
    image = Image.new("RGB", (400, 400), color)
    ImageDraw.Draw(image).ellipse((60, 60, 340, 340), fill=(255 - color[0], 200, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue())


def create_reference_data(env):
    """Warehouses, company B, categories, pricelist, the Size attribute."""
    from odoo import Command

    company = env.ref("base.main_company")
    warehouses = env.ref("stock.warehouse0") | env["stock.warehouse"].create(
        [
            {"name": "Bench East", "code": "BEAST"},
            {"name": "Bench West", "code": "BWEST"},
        ]
    )
    company_b = env["res.company"].create(
        {"name": "Bench Company B", "currency_id": company.currency_id.id}
    )
    env.ref("base.user_admin").company_ids = [Command.link(company_b.id)]
    warehouse_b = (
        env["stock.warehouse"]
        .with_company(company_b)
        .create({"name": "Bench B", "code": "BENB", "company_id": company_b.id})
    )
    categories = env["product.category"]
    parents = env.ref("product.product_category_all")
    for level, count in (("Department", 10), ("Family", 10), ("Line", 3)):
        parents = categories.create(
            [
                {"name": f"{level} {parent.id}.{i}", "parent_id": parent.id}
                for parent in parents
                for i in range(count)
            ]
        )
        categories |= parents
    rule = {"applied_on": "3_global", "compute_price": "percentage"}
    pricelist = env["product.pricelist"].create(
        {
            "name": "Bench marketplace -10%",
            "company_id": False,
            "currency_id": company.currency_id.id,
            "item_ids": [Command.create(dict(rule, percent_price=10.0))],
        }
    )
    size = env["product.attribute"].create(
        {
            "name": "Size",
            "create_variant": "always",
            "value_ids": [
                Command.create({"name": s, "sequence": i}) for i, s in enumerate(SIZES)
            ],
        }
    )
    return SimpleNamespace(
        company=company,
        company_b=company_b,
        warehouses=warehouses,
        warehouse_b=warehouse_b,
        categories=categories,
        leaves=parents,
        pricelist=pricelist,
        size=size,
    )


def create_prototype(env, ref):
    """A template with 5 sizes made by the ORM: [(size index, PTAV id,
    variant id)], the template and its attribute line."""
    from odoo import Command

    line = {
        "attribute_id": ref.size.id,
        "value_ids": [Command.set(ref.size.value_ids.ids)],
    }
    prototype = env["product.template"].create(
        {
            "name": "Bench prototype",
            "is_storable": True,
            "categ_id": ref.leaves[0].id,
            "company_id": ref.company.id,
            "attribute_line_ids": [Command.create(line)],
        }
    )
    variants = []
    for k, value in enumerate(ref.size.value_ids.sorted("sequence")):
        ptav = prototype.attribute_line_ids.product_template_value_ids.filtered(
            lambda v, value=value: v.product_attribute_value_id == value
        )
        ptav.price_extra = 2.5 * k  # bigger sizes cost a little more
        variant = prototype.product_variant_ids.filtered(
            lambda p, ptav=ptav: p.product_template_attribute_value_ids == ptav
        )
        assert variant.combination_indices == str(ptav.id)
        variants.append((k, ptav.id, variant.id))
    env.flush_all()
    return variants, prototype


def copy_products(env, ref, n_products, rng):
    """Templates, attribute lines and values, variants of both companies,
    copied from the prototype. Returns {company id: [product ids]}."""
    cr = env.cr
    proto_variants, prototype = create_prototype(env, ref)
    templates, variants, index = [], [], 0
    for company, count, prefix in (
        (ref.company, n_products, "BN"),
        (ref.company_b, SMALL, "BB"),
    ):
        for g in range(len(templates), len(templates) + count // len(SIZES)):
            name, categ = product_name(rng, g), rng.choice(ref.leaves).id
            templates.append(
                (g, name, categ, round(rng.uniform(3, 500), 2), company.id)
            )
            for k, size in enumerate(SIZES):
                index += 1
                variants.append(
                    (g, k, f"{prefix}{g:05d}-{size}", ean13(f"20{index:010d}"))
                )
    temp_table(cr, "bench_proto", "k int, ptav_id int, product_id int", proto_variants)
    temp_table(
        cr,
        "bench_tmpl",
        "g int, name text, categ_id int, list_price numeric, company_id int",
        templates,
    )
    temp_table(
        cr, "bench_variant", "g int, k int, default_code text, barcode text", variants
    )
    cr.execute(
        """
        ALTER TABLE bench_tmpl
            ADD tmpl_id int DEFAULT nextval('product_template_id_seq'),
            ADD line_id int DEFAULT nextval('product_template_attribute_line_id_seq');
        ALTER TABLE bench_variant
            ADD ptav_id int DEFAULT nextval('product_template_attribute_value_id_seq'),
            ADD product_id int DEFAULT nextval('product_product_id_seq');
        """
    )
    line_id = prototype.attribute_line_ids.id
    per_variant = "JOIN bench_variant v ON v.k = x.k JOIN bench_tmpl b ON b.g = v.g"
    copy_rows(
        cr,
        "product_template",
        f"product_template p, bench_tmpl b WHERE p.id = {prototype.id}",
        {
            "id": "b.tmpl_id",
            "name": "jsonb_build_object('en_US', b.name)",
            "categ_id": "b.categ_id",
            "list_price": "b.list_price",
            "company_id": "b.company_id",
        },
    )
    copy_rows(
        cr,
        "product_template_attribute_line",
        f"product_template_attribute_line p, bench_tmpl b WHERE p.id = {line_id}",
        {"id": "b.line_id", "product_tmpl_id": "b.tmpl_id"},
    )
    copy_rows(
        cr,
        "product_attribute_value_product_template_attribute_line_rel",
        "product_attribute_value_product_template_attribute_line_rel p, bench_tmpl b"
        f" WHERE p.product_template_attribute_line_id = {line_id}",
        {"product_template_attribute_line_id": "b.line_id"},
    )
    copy_rows(
        cr,
        "product_template_attribute_value",
        "product_template_attribute_value p"
        f" JOIN bench_proto x ON x.ptav_id = p.id {per_variant}",
        {
            "id": "v.ptav_id",
            "attribute_line_id": "b.line_id",
            "product_tmpl_id": "b.tmpl_id",
        },
    )
    copy_rows(
        cr,
        "product_product",
        f"product_product p JOIN bench_proto x ON x.product_id = p.id {per_variant}",
        {
            "id": "v.product_id",
            "product_tmpl_id": "b.tmpl_id",
            "default_code": "v.default_code",
            "barcode": "v.barcode",
            "combination_indices": "v.ptav_id::varchar",
        },
    )
    copy_rows(
        cr,
        "product_variant_combination",
        "product_variant_combination p JOIN bench_proto x"
        f" ON x.product_id = p.product_product_id {per_variant}",
        {
            "product_product_id": "v.product_id",
            "product_template_attribute_value_id": "v.ptav_id",
        },
    )
    env.invalidate_all()
    prototype.unlink()
    cr.execute(
        "SELECT b.company_id, v.product_id FROM bench_variant v"
        " JOIN bench_tmpl b ON b.g = v.g ORDER BY v.product_id"
    )
    products = {}
    for company_id, product_id in cr.fetchall():
        products.setdefault(company_id, []).append(product_id)
    return products


def copy_quants(env, ref, products, rng):
    """Stock on 60% of company A's products (all of B's), in 1 to 3 of the
    company's warehouses, copied from one ORM-made quant per location.
    Returns (quants inserted, products of company A with stock)."""
    cr = env.cr
    locations = {
        ref.company.id: ref.warehouses.lot_stock_id,
        ref.company_b.id: ref.warehouse_b.lot_stock_id,
    }
    quants, protos = [], []
    for company_id, locs in locations.items():
        share = STOCKED if company_id == ref.company.id else 1.0
        stocked = rng.sample(
            products[company_id], round(len(products[company_id]) * share)
        )
        for product_id in sorted(stocked):
            for k in rng.sample(range(len(locs)), rng.randint(1, len(locs))):
                quants.append((product_id, locs[k].id, rng.randint(1, 40)))
        for loc in locs:  # the prototype quants, made as stock moves make them
            product = env["product.product"].browse(products[company_id][0])
            quants_model = env["stock.quant"].with_company(company_id)
            quants_model._update_available_quantity(product, loc, 1.0)
            env.flush_all()
            protos.append(env["stock.quant"].search([("location_id", "=", loc.id)]).id)
    temp_table(
        cr, "bench_quant", "product_id int, location_id int, quantity numeric", quants
    )
    count = copy_rows(
        cr,
        "stock_quant",
        "stock_quant p JOIN bench_quant q ON q.location_id = p.location_id"
        f" WHERE p.id IN ({', '.join(map(str, protos))})",
        {"product_id": "q.product_id", "quantity": "q.quantity"},
        skip=("id",),
    )
    cr.execute("DELETE FROM stock_quant WHERE id = ANY(%s)", [protos])
    env.invalidate_all()
    stocked_a = {q[0] for q in quants} & set(products[ref.company.id])
    return count, len(stocked_a)


def build_catalogue(env, n_products):
    rng = random.Random(20260101)
    ref = create_reference_data(env)
    products = copy_products(env, ref, n_products, rng)
    n_quants, n_stocked = copy_quants(env, ref, products, rng)
    # Images through the ORM, which stores the resized copies as well.
    templates = env["product.template"].search(
        [("company_id", "=", ref.company.id)], order="id"
    )[::IMAGE_EVERY]
    for i, template in enumerate(templates):
        template.image_1920 = png_image(i)
    env.flush_all()
    # The ORM agrees with the copied rows: recomputing the variants of some
    # templates changes nothing.
    sample = env["product.template"].search([("company_id", "!=", False)])[::997]
    variants = {t: t.product_variant_ids.ids for t in sample}
    sample._create_variant_ids()
    env.flush_all()
    assert all(len(ids) == len(SIZES) for ids in variants.values())
    assert variants == {t: t.product_variant_ids.ids for t in sample}, "variants"
    return {
        "products": n_products,
        "templates": n_products // len(SIZES),
        "categories": len(ref.categories),
        "quants": n_quants,
        "stocked": n_stocked,
        "image_templates": len(templates),
        "company_id": ref.company.id,
        "company_b_id": ref.company_b.id,
        "warehouse_ids": ref.warehouses.ids,
        "warehouse_b_ids": ref.warehouse_b.ids,
        "pricelist_id": ref.pricelist.id,
    }


def ensure_database(mode, rebuild):
    """Build the benchmark database unless a complete one exists; update the
    add-on when its files changed. Returns the build's info dict."""
    db = mode.db
    if rebuild or (db_exists(db) and db_param(db, PARAM_BUILT) != "1"):
        log(f"dropping {db} (--rebuild, or an unfinished build)")
        sql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', autocommit=True)
    if db_exists(db):
        info = dict(json.loads(db_param(db, PARAM_INFO)), reused=True)
        if db_param(db, PARAM_HASH) != addon_hash():
            log(f"the add-on changed since the last run: odoo -u {MODULE}")
            info["update_s"] = run_odoo_cli(db, "-u", MODULE)
            with registry(db).cursor() as cr:
                superuser_env(cr)["ir.config_parameter"].set_param(
                    PARAM_HASH, addon_hash()
                )
        return info

    log(f"creating {db}: odoo -i {MODULE} --without-demo=all")
    install_s = run_odoo_cli(db, "-i", MODULE, "--without-demo=all")
    log(f"installed in {install_s:.0f} s; building {mode.products:,} variants")
    started = time.monotonic()
    with registry(db).cursor() as cr:
        env = superuser_env(cr, mail_create_nosubscribe=True, **QUIET)
        info = build_catalogue(env, mode.products)
    sql(db, "VACUUM ANALYZE", autocommit=True)  # no autovacuum during the runs
    info.update(
        install_s=install_s,
        catalogue_s=time.monotonic() - started,
        built=datetime.now().isoformat(timespec="seconds"),
    )
    with registry(db).cursor() as cr:
        params = superuser_env(cr)["ir.config_parameter"]
        params.set_param(PARAM_INFO, json.dumps(info))
        params.set_param(PARAM_HASH, addon_hash())
        params.set_param(PARAM_BUILT, "1")
    log(f"catalogue built in {info['catalogue_s']:.0f} s")
    return dict(info, reused=False)


# 2. Feeds


def recreate_feeds(db, info):
    """Replace the bench feeds of earlier runs. Returns {key: feed id}."""
    from odoo import Command

    a = (info["company_id"], info["warehouse_ids"])
    b = (info["company_b_id"], info["warehouse_b_ids"])
    specs = {  # key: (name, (company, warehouses), include zero stock, type)
        "csv": ("all products CSV", a, True, "csv"),
        "xlsx": ("all products XLSX", a, True, "xlsx"),
        "xls": ("in-stock products XLS", a, False, "xls"),
        "csv_small": ("company B CSV", b, True, "csv"),
        "xlsx_small": ("company B XLSX", b, True, "xlsx"),
        "xml": ("all products XML (YML)", a, True, "xml"),
        "xml_small": ("company B XML (YML)", b, True, "xml"),
    }
    price = {"pricelist_id": info["pricelist_id"]}
    columns = [
        {"sequence": i, "header": header, "kind": kind, **values}
        | (price if kind == "price" else {})
        for i, (header, kind, values) in enumerate(COLUMNS)
    ]
    with registry(db).cursor() as cr:
        feeds = superuser_env(cr, **QUIET)["marketplace.feed"]
        old = feeds.search([("name", "=like", f"{FEED_PREFIX}%")])
        old.unlink()
        ids = {}
        for key, (name, (company_id, warehouse_ids), zero, file_type) in specs.items():
            ids[key] = feeds.create(
                {
                    "name": FEED_PREFIX + name,
                    "company_id": company_id,
                    "user_id": feeds.env.ref("base.user_admin").id,
                    "warehouse_ids": [Command.set(warehouse_ids)],
                    "quantity_kind": "available",
                    "include_zero_stock": zero,
                    "file_type": file_type,
                    "file_name": "products",
                    "refresh_interval": 1_000_000,  # stays cached for the load test
                    "enabled": True,
                    "column_ids": [Command.create(dict(c)) for c in columns],
                }
            ).id
    return ids


# 3.-4. Measurements, each in a fresh process (run_child)


def proc_kb(field):
    with open("/proc/self/status", encoding="ascii") as status:
        return int(re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.M).group(1))


def measured(function, cr):
    """(function(), seconds, peak RSS growth in MB, CPU seconds): the peak
    RSS of the call (VmHWM, reset through /proc/self/clear_refs) minus the
    RSS before it; the CPU time of this process and of the PostgreSQL
    backend of ``cr``, which others' work on a shared machine does not
    inflate as it does the wall time."""
    gc.collect()
    before = proc_kb("VmRSS")
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")  # VmHWM := VmRSS
    cpu = time.process_time() + backend_cpu_seconds(cr)
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    cpu = time.process_time() + backend_cpu_seconds(cr) - cpu
    return result, seconds, (proc_kb("VmHWM") - before) / 1024, cpu


def generate_through_the_job(env, feed_id, unit_seconds=None):
    """Queue a generation of the feed and run the background job's units of
    work on it in this process, each as long as the scheduled action gives
    one under Odoo's default limits: (file record, units)."""
    files = env["marketplace.feed.file"]
    feed = env["marketplace.feed"].browse(feed_id)
    feed._queue_generation(force=True)
    file = files.search([("feed_id", "=", feed_id), ("state", "=", "queued")])
    units = 0
    while file.state in ("queued", "running"):
        file._run_unit(time.monotonic() + (unit_seconds or files._get_unit_seconds()))
        units += 1
    if file.state != "done":
        raise RuntimeError(f"generation of feed {feed_id} failed: {file.error}")
    return file, units


def child_ours(env, spec):
    """The add-on's generation of a feed file, as the feed's responsible,
    through the background job's units of work (committed as they go)."""
    (file, units), seconds, growth, cpu = measured(
        lambda: generate_through_the_job(env, spec["feed_id"]), env.cr
    )
    return {
        "rows": file.rows_written,
        "bytes": file.file_size,
        "seconds": seconds,
        "mb": growth,
        "cpu": cpu,
        "units": units,
        "checksum": file.checksum,
    }


def child_odoo_export(env, spec):
    """Odoo's export as the web client runs it (search, export_data, then the
    /web/export CSV or XLSX writer), as admin in company A, 3 warehouses."""
    import odoo.http

    from odoo.addons.web.controllers.export import CSVExport, ExcelExport

    context = {"lang": "en_US", "tz": "UTC", "import_compat": False}
    context.update(
        allowed_company_ids=[spec["company_id"]], warehouse_id=spec["warehouse_ids"]
    )
    user_env = env(user=env.ref("base.user_admin").id, su=False, context=context)
    products = user_env["product.product"]
    fields = [
        {
            "name": name,
            "label": products._fields[name].string,
            "type": products._fields[name].type,
        }
        for name in ODOO_FIELDS
    ]
    headers = [field["label"] for field in fields]
    domain = [
        ("is_storable", "=", True),
        ("company_id", "in", [False, spec["company_id"]]),
    ]

    def export():
        rows = products.search(domain, order="id").export_data(ODOO_FIELDS)["datas"]
        if spec["format"] == "csv":
            return len(rows), CSVExport().from_data(fields, headers, rows).encode()
        return len(rows), ExcelExport().from_data(fields, headers, rows)

    # ExportXlsxWriter reads request.env: a stand-in request, as there is none.
    odoo.http._request_stack.push(SimpleNamespace(env=user_env))
    try:
        (rows, content), seconds, growth, cpu = measured(export, env.cr)
    finally:
        odoo.http._request_stack.pop()
    return {
        "rows": rows,
        "bytes": len(content),
        "seconds": seconds,
        "mb": growth,
        "cpu": cpu,
    }


def child_writers(env, spec):
    """Our rows (time per column recorded while reading them), then the same
    cells through bare openpyxl / csv and through our writers."""
    from openpyxl import Workbook

    from odoo.addons.stock_marketplace_feed.writers import (
        FeedOptions,
        PartWriter,
        assemble,
    )

    feed = env["marketplace.feed"].browse(spec["feed_id"])
    headers = feed.column_ids.mapped("header")
    spent = {}
    column_class, feed_class = type(feed.column_ids), type(feed)
    get_values, get_quantities = column_class._get_values, feed_class._get_quantities

    def timed_values(column, products, context):
        started = time.perf_counter()
        values = get_values(column, products, context)
        spent[column.header] = (
            spent.get(column.header, 0) + time.perf_counter() - started
        )
        return values

    def timed_quantities(self, *args, **kwargs):
        started = time.perf_counter()
        quantities = get_quantities(self, *args, **kwargs)
        spent["(stock query)"] = (
            spent.get("(stock query)", 0) + time.perf_counter() - started
        )
        return quantities

    column_class._get_values, feed_class._get_quantities = (
        timed_values,
        timed_quantities,
    )
    started = time.perf_counter()
    rows = [
        row
        for batch, _last_id in feed._iter_rows(feed._new_generation_stats())
        for row in batch
    ]
    reading = time.perf_counter() - started
    # openpyxl would store Decimal as is; ours writes floats: give it floats.
    plain = [[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows]

    def bare_openpyxl(stream):
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Products")
        for row in [headers, *plain]:
            sheet.append(row)
        book.save(stream)

    def bare_csv(stream):
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows([headers, *rows])
        stream.write(text.getvalue().encode())

    def ours(file_type):
        def write(stream):
            options = FeedOptions(file_type=file_type, sheet_name="P")
            part = io.BytesIO()
            writer = PartWriter(part, options)
            writer.write_header(headers)
            writer.write_rows(rows)
            assemble(options, headers, writer.close(), [part.getvalue()], stream)

        return write

    times = {}
    for name, write in (
        ("openpyxl", bare_openpyxl),
        ("ours_xlsx", ours("xlsx")),
        ("csv", bare_csv),
        ("ours_csv", ours("csv")),
    ):
        with tempfile.TemporaryFile() as stream:
            started = time.perf_counter()
            write(stream)
            times[name] = time.perf_counter() - started
    return {"rows": len(rows), "reading": reading, "columns": spent, **times}


# The floor: the bench feed's 8 columns in one query. Stock as the feed
# counts it (available: on hand less reserved, in the internal locations
# under the warehouses), the pricelist's percentage on the sales price with
# the attributes' extra, the image checksums of the variant and its template.
FLOOR_QUERY = """
SELECT p.id, p.default_code, t.name->>'en_US', p.barcode, c.complete_name,
       ROUND((t.list_price + COALESCE((
           SELECT SUM(v.price_extra) FROM product_template_attribute_value v
            WHERE v.id = ANY(string_to_array(p.combination_indices, ',')::int[])
       ), 0)) * (1 - %(percent)s / 100.0), 2)::text,
       trim_scale(COALESCE(s.quantity, 0))::text,
       variant_image.checksum, template_image.checksum
  FROM product_product p
  JOIN product_template t ON t.id = p.product_tmpl_id
  LEFT JOIN product_category c ON c.id = t.categ_id
  LEFT JOIN (
      SELECT q.product_id, SUM(q.quantity - q.reserved_quantity) AS quantity
        FROM stock_quant q
        JOIN stock_location l ON l.id = q.location_id AND l.usage = 'internal'
        JOIN stock_location root ON l.parent_path LIKE root.parent_path || '%%'
        JOIN stock_warehouse w ON w.view_location_id = root.id
       WHERE w.id = ANY(%(warehouses)s)
       GROUP BY q.product_id
  ) s ON s.product_id = p.id
  LEFT JOIN ir_attachment variant_image
    ON variant_image.res_model = 'product.product'
   AND variant_image.res_field = 'image_variant_1920'
   AND variant_image.res_id = p.id
  LEFT JOIN ir_attachment template_image
    ON template_image.res_model = 'product.template'
   AND template_image.res_field = 'image_1920'
   AND template_image.res_id = t.id
 WHERE p.active AND t.is_storable
   AND (t.company_id IS NULL OR t.company_id = %(company)s)
 ORDER BY p.id
"""


def child_floor(env, spec):
    """What PostgreSQL and the csv module alone allow: the feed's 8 columns
    (the same values) read by one SQL query, streamed from a server-side
    cursor, written with csv. Python only signs the image links (1% of the
    rows have an image) as the add-on's links are signed."""
    feed = env["marketplace.feed"].browse(spec["feed_id"])
    rule = feed.column_ids.filtered(lambda c: c.kind == "price").pricelist_id.item_ids
    params = {
        "percent": rule.percent_price,
        "warehouses": feed.warehouse_ids.ids,
        "company": feed.company_id.id,
    }
    prefix, sign = feed._get_image_url_prefix(), feed._get_image_signer()
    headers = feed.column_ids.mapped("header")

    def floor(stream):
        rows = 0
        with env.cr._cnx.cursor("bench_floor") as cursor:
            # Compiling this query would cost PostgreSQL's JIT (on by default,
            # for costly plans; none of Odoo's queries here is one) seconds.
            env.cr.execute("SET LOCAL jit = off")
            cursor.itersize = 2000
            cursor.execute(FLOOR_QUERY, params)
            writerow = csv.writer(stream, lineterminator="\r\n").writerow
            writerow(headers)
            for pid, code, name, barcode, categ, price, qty, *images in cursor:
                links = ", ".join(
                    f"{prefix}/{pid}/{checksum}/{sign(pid, checksum)}"
                    for checksum in dict.fromkeys(filter(None, images))
                )
                writerow((code, name, barcode, categ, price, qty, links, "new"))
                rows += 1
        return rows

    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as stream:
        rows, seconds, growth, cpu = measured(lambda: floor(stream), env.cr)
        size = stream.tell()
        stream.seek(0)
        checksum = hashlib.sha1(stream.read().encode()).hexdigest()
    return {
        "rows": rows,
        "bytes": size,
        "seconds": seconds,
        "mb": growth,
        "cpu": cpu,
        "checksum": checksum,
    }


CHILDREN = {
    "ours": child_ours,
    "odoo_export": child_odoo_export,
    "writers": child_writers,
    "floor": child_floor,
}


def child_main(spec):
    odoo_setup()
    with registry(spec["db"]).cursor() as cr:
        result = CHILDREN[spec["kind"]](superuser_env(cr), spec)
        cr.rollback()  # a measurement leaves nothing behind
    print(RESULT + json.dumps(result), flush=True)


def run_child(**spec):
    """Run one measurement in a fresh Python process; return its result."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode or not lines:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-5000:])
        raise RuntimeError(f"measurement {spec['kind']} failed")
    return json.loads(lines[-1][len(RESULT) :])


def run_generations(mode, info, feed_ids):
    """{key: result}, in the order of the report's table."""
    n = f"{mode.products // 1000}k"
    runs = {}
    for key, label in (
        ("csv", f"ours CSV, all {n}"),
        ("xlsx", f"ours XLSX, all {n}"),
        ("xls", "ours XLS, in-stock only"),
        ("csv_small", "ours CSV, 1k (company B)"),
        ("xlsx_small", "ours XLSX, 1k (company B)"),
        ("xml", f"ours XML (YML), all {n}"),
        ("xml_small", "ours XML (YML), 1k (company B)"),
    ):
        log(f"generating: {label}")
        runs[key] = dict(
            run_child(kind="ours", db=mode.db, feed_id=feed_ids[key]), label=label
        )
    for file_format in ("csv", "xlsx"):
        label = f"Odoo export {file_format.upper()}, all {n}"
        log(f"Odoo's export: {label}")
        result = run_child(
            kind="odoo_export",
            db=mode.db,
            format=file_format,
            company_id=info["company_id"],
            warehouse_ids=info["warehouse_ids"],
        )
        runs[f"odoo_{file_format}"] = dict(result, label=label)
    label = f"floor CSV (one SQL query), all {n}"
    log(label)
    runs["floor"] = dict(
        run_child(kind="floor", db=mode.db, feed_id=feed_ids["csv"]), label=label
    )
    log("reading our rows per column, then bare openpyxl / csv and our writers")
    runs["writers"] = run_child(kind="writers", db=mode.db, feed_id=feed_ids["xlsx"])
    return runs


def store_feed_file(db, feed_id):
    """Generate and publish the CSV feed the link serves (the background
    job's units), and the same bytes as a plain attachment with an access
    token for Odoo's /web/content. Returns the figures and both paths."""
    with registry(db).cursor() as cr:
        env = superuser_env(cr)
        feed = env["marketplace.feed"].browse(feed_id)
        started = time.perf_counter()
        file, _units = generate_through_the_job(env, feed_id)
        seconds = time.perf_counter() - started
        attachments = env["ir.attachment"]
        attachments.search([("name", "=", "bench-web-content.csv")]).unlink()
        plain = attachments.create(
            {
                "name": "bench-web-content.csv",
                "raw": file.attachment_id.raw,
                "mimetype": "text/csv",
            }
        )
        return {
            "seconds": seconds,
            "rows": file.rows_written,
            "bytes": file.attachment_id.file_size,
            "gzip_bytes": file.gzip_attachment_id.file_size,
            "feed_path": f"/marketplace-feed/{feed._get_public_slug()}/"
            + quote(feed.full_file_name),
            "odoo_path": f"/web/content/{plain.id}?access_token="
            + plain.generate_access_token()[0],
        }


# 5.-6. Load test and soak

# `odoo` without its prefork server's gevent (websocket) process: no feed
# request uses it, and where gevent's monkey-patching fails at start (as with
# setuptools 65 and zope.interface 8: pkg_resources can't find the
# "zope.interface" distribution) the master respawns it several times a
# second, burning one of the cores the workers are measured on.
SERVER_LAUNCHER = """
import sys
from odoo.service import server
server.PreforkServer.long_polling_spawn = lambda self: None
from odoo.cli.command import main
sys.argv = ["odoo", *sys.argv[1:]]
main()
"""


ROUNDS = 4  # slices per load scenario, ours and Odoo's alternating
SINGLE_ROUNDS = 5  # single-client series, ours and Odoo's alternating


def alternating(paths, round_):
    """``paths``' items, first to last in even rounds, last to first in odd
    ones: neither side always goes first (A B B A ...)."""
    items = list(paths.items())
    return items[::-1] if round_ % 2 else items


def free_port(preferred):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch_log_count(db, feed_id, user_agent):
    query = "SELECT count(*) FROM marketplace_feed_fetch"
    query += " WHERE feed_id = %s AND user_agent = %s"
    return sql(db, query, [feed_id, user_agent])[0][0]


def run_load_tests(mode, feed_id, served, port, foreign):
    """Single-client latencies, then each scenario with ``mode.clients``
    clients, ours and Odoo's alternating in ROUNDS slices so that both see
    the same background load; then the soak."""
    from bench_load import Client, OdooServer, summarize

    db = mode.db
    command = [sys.executable, "-c", SERVER_LAUNCHER, "-c", os.environ["ODOO_RC"]]
    command += ["-d", db, f"--db-filter=^{db}$", "--workers=2", "--max-cron-threads=0"]
    command += ["--http-interface=127.0.0.1", f"--http-port={port}", "--log-level=warn"]
    command += [f"--gevent-port={free_port(port + 1)}"]
    results = {"single": {}}
    with OdooServer(command, port, log_path=BENCH_DIR / "odoo-load.log") as server:
        log(f"odoo --workers=2 on 127.0.0.1:{port} (pid {server.pid})")
        client = Client("127.0.0.1", port)
        paths = {"ours": served["feed_path"], "odoo": served["odoo_path"]}
        headers = {kind: {"Accept-Encoding": "identity"} for kind in mode.seconds}
        headers["gzip"] = {"Accept-Encoding": "gzip"}
        sizes = {"identity": served["bytes"], "gzip": served["gzip_bytes"]}
        etags = {}
        for who, path in paths.items():
            for encoding in ("identity", "gzip"):
                status, size, etag = client.fetch(path, headers[encoding])
                etags.setdefault(who, etag)  # the identity file's
                expected = sizes[encoding] if who == "ours" else served["bytes"]
                if status != 200 or size != expected:
                    raise RuntimeError(f"{who} {encoding}: HTTP {status}, {size} bytes")
        conditional = {
            who: {**headers["identity"], "If-None-Match": etag}
            for who, etag in etags.items()
        }
        # Warm-up: both workers have served both files.
        for path in paths.values():
            client.run(path, headers["identity"], clients=4, seconds=1)
        foreign.mark("load test")
        log(f"single client: {SINGLE_ROUNDS} x 40 requests each, alternating")
        for kind in ("identity", "If-None-Match"):
            for round_ in range(SINGLE_ROUNDS):
                for who, path in alternating(paths, round_):
                    request = headers[kind]
                    if kind == "If-None-Match":
                        request = conditional[who]
                    results["single"].setdefault(f"{who} {kind}", []).append(
                        client.sequential(path, request, 40)
                    )
        for kind, seconds in mode.seconds.items():
            log(f"load: {kind}, {mode.clients} clients, {seconds} s each, alternating")
            runs = {who: [] for who in paths}
            for round_ in range(ROUNDS):
                for who, path in alternating(paths, round_):
                    request, ok = headers[kind], {200}
                    if kind == "If-None-Match":
                        request, ok = conditional[who], {304}
                    runs[who].append(
                        client.run(
                            path,
                            request,
                            clients=mode.clients,
                            seconds=seconds / ROUNDS,
                            ok_statuses=ok,
                        )
                    )
                    # The server still works off the requests the clients
                    # gave up; queued behind them, this returns when it's done.
                    client.fetch("/web/health")
            for who in paths:
                results[f"{who} {kind}"] = summarize(runs[who])

        log(f"soak: {mode.soak:,} fetches (gzip), {mode.soak_clients} clients")
        foreign.mark("soak")
        # Its own User-Agent tells the soak's fetches apart in the log from
        # the load test's requests that the server works off late.
        agent = f"bench-soak-{time.time():.0f}"
        rss_before = server.worker_rss_mb()
        soak = client.run(
            paths["ours"],
            dict(headers["gzip"], **{"User-Agent": agent}),
            clients=mode.soak_clients,
            total=mode.soak,
        )
        time.sleep(1)
        results["soak"] = dict(
            summarize([soak]),
            logged=fetch_log_count(db, feed_id, agent),
            rss_before=rss_before,
            rss_after=server.worker_rss_mb(),
        )
    return results


class ForeignCpu:
    """CPU time of the processes that are not this benchmark's (builds and
    test runs of others on a shared machine skew the figures), sampled every
    2 s. Ours: this process, its ancestors and descendants, and the
    PostgreSQL cluster of .bench/. ``mark(name)`` starts a phase."""

    def __init__(self):
        import psutil

        self.psutil, self.started = psutil, time.time()
        self.seen, self.total, self.phases = {}, 0.0, []
        self.current = (None, time.monotonic(), 0.0, 0.0)
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.sample()
        threading.Thread(target=self.loop, daemon=True).start()

    def ours(self):
        me = self.psutil.Process()
        pids = {me.pid, *(p.pid for p in me.parents())}
        roots = [me]
        try:
            pid_file = (BENCH_DIR / "pgdata" / "postmaster.pid").read_text()
            roots.append(self.psutil.Process(int(pid_file.split()[0])))
        except (OSError, ValueError, IndexError, self.psutil.Error):
            pass
        for root in roots:
            pids.add(root.pid)
            try:
                pids.update(child.pid for child in root.children(recursive=True))
            except self.psutil.Error:
                continue
        return pids

    def sample(self):
        ours, added = self.ours(), 0.0
        for proc in self.psutil.process_iter(["create_time", "cpu_times"]):
            created, times = proc.info["create_time"], proc.info["cpu_times"]
            if proc.pid in ours or not times:
                continue
            cpu, key = times.user + times.system, (proc.pid, created)
            if key in self.seen:
                added += cpu - self.seen[key]
            elif created >= self.started:
                added += cpu  # started during the benchmark: all of it counts
            self.seen[key] = cpu
        with self.lock:
            self.total += added

    def loop(self):
        while not self.stopped.wait(2.0):
            try:
                self.sample()
            except self.psutil.Error:
                continue

    def mark(self, name):
        """Close the running phase: (name, seconds, other processes' CPU
        seconds, CPU seconds stolen by the hypervisor)."""
        self.sample()
        previous, since, at, stolen = self.current
        with self.lock:
            total = self.total
        steal = getattr(self.psutil.cpu_times(), "steal", 0.0)
        if previous:
            seconds = time.monotonic() - since
            self.phases.append((previous, seconds, total - at, steal - stolen))
        self.current = (name, time.monotonic(), total, steal)

    def stop(self):
        self.mark(None)
        self.stopped.set()


# Feed health (--health)

HEALTH_FEED = FEED_PREFIX + "fetch health"
HEALTH_ROWS = 1_000_000  # fetch log rows of the one feed, over 90 days
HEALTH_STATUSES = [200, 304, 304, 304, 304, 304, 304, 304, 404, 503]  # 1 row in 10
HEALTH_AGENTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
]


def backend_cpu_seconds(cr):
    """CPU seconds the PostgreSQL backend of ``cr`` has used so far."""
    cr.execute("SELECT pg_backend_pid()")
    with open(f"/proc/{cr.fetchone()[0]}/stat", encoding="ascii") as stat:
        utime, stime = stat.read().rsplit(")", 1)[1].split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def timed(env, function, runs=5):
    """Seconds of the first call, the median of ``runs`` more (each with the
    ORM's cache emptied), and the CPU seconds of a call, this process's and
    its PostgreSQL backend's, on average over the ``runs``: what a machine
    that others share does not inflate."""

    def call():
        env.invalidate_all()
        started = time.perf_counter()
        function()
        return time.perf_counter() - started

    first = call()
    cpu_started = time.process_time() + backend_cpu_seconds(env.cr)
    seconds = sorted(call() for _run in range(runs))
    cpu = time.process_time() + backend_cpu_seconds(env.cr) - cpu_started
    return first, seconds[runs // 2], cpu / runs


def run_health(db, info):
    """Give one feed 1,000,000 fetch rows over 90 days (one INSERT from
    generate_series; 200, 304 mostly, 404, 503), then time what opening its
    form reads (all the form's fields: the chart, last fetch, median
    interval, fetch count), the feeds list's health counters and the health
    check cron. Returns the figures."""
    from odoo import Command

    with registry(db).cursor() as cr:
        env = superuser_env(cr, **QUIET)
        feeds = env["marketplace.feed"]
        feeds.search([("name", "=", HEALTH_FEED)]).unlink()
        feed = feeds.create(
            {
                "name": HEALTH_FEED,
                "company_id": info["company_id"],
                "user_id": env.ref("base.user_admin").id,
                "warehouse_ids": [Command.set(info["warehouse_ids"])],
                "file_type": "csv",
                "enabled": True,
                "fetch_alert_hours": 1,
                "column_ids": [
                    Command.create(
                        {"header": "sku", "kind": "field", "field_path": "default_code"}
                    )
                ],
            }
        )
        robots = [
            env["marketplace.feed.fetch"]._get_robot_name(a) for a in HEALTH_AGENTS
        ]
        started = time.monotonic()
        cr.execute(
            """
            INSERT INTO marketplace_feed_fetch (
                feed_id, company_id, status_code, bytes_sent, ip_address,
                user_agent, robot_name, create_uid, create_date, write_uid,
                write_date
            )
            SELECT %(feed)s, %(company)s,
                   (%(statuses)s::int[])[1 + n %% 10],
                   0, '192.0.2.1', (%(agents)s::varchar[])[1 + n %% 2],
                   (%(robots)s::varchar[])[1 + n %% 2], 1, at, 1, at
              FROM generate_series(1, %(rows)s) AS n,
                   LATERAL (SELECT (NOW() AT TIME ZONE 'UTC')
                                   - n * INTERVAL '90 days' / %(rows)s) AS t(at)
            """,
            {
                "feed": feed.id,
                "company": info["company_id"],
                "statuses": HEALTH_STATUSES,
                "agents": HEALTH_AGENTS,
                "robots": robots,
                "rows": HEALTH_ROWS,
            },
        )
        insert_s = time.monotonic() - started
    sql(db, "VACUUM ANALYZE marketplace_feed_fetch", autocommit=True)

    log(f"{HEALTH_ROWS:,} fetch rows inserted in {insert_s:.0f} s; timing the form")
    with registry(db).cursor() as cr:
        env = superuser_env(cr, lang="en_US", tz="Europe/Kyiv")
        # All the work in the backend whose CPU time is counted.
        cr.execute("SET max_parallel_workers_per_gather = 0")
        feed = env["marketplace.feed"].search([("name", "=", HEALTH_FEED)])
        form = feed.get_views([(False, "form")])["models"][feed._name]["fields"]
        result = {
            "rows": HEALTH_ROWS,
            "insert_s": insert_s,
            "form": timed(env, lambda: feed.web_read({name: {} for name in form})),
            "chart": timed(env, lambda: feed.fetch_chart_html),
            "count": timed(env, lambda: feed.fetch_count),
            "counters": timed(
                env,
                lambda: feed.search_panel_select_range(
                    "health_state", enable_counters=True, expand=True
                ),
            ),
            "cron": timed(env, feed._cron_check_feed_health, runs=1),
            "load": os.getloadavg()[0],
        }
        cr.rollback()
    return result


def report_health(mode_name, result):
    def ms(figures):
        first, median, cpu = figures
        return (
            f"first {first * 1000:.0f} ms, then {median * 1000:.0f} ms "
            f"(CPU {cpu * 1000:.0f} ms)"
        )

    return "\n".join(
        [
            f"stock_marketplace_feed benchmark, feed health ({mode_name} database), "
            f"{datetime.now().isoformat(timespec='seconds')}",
            f"{result['rows']:,} fetch rows of one feed over 90 days "
            f"(inserted in {result['insert_s']:.0f} s)",
            f"   feed form, all its fields: {ms(result['form'])} "
            "(target: well under 1 s)",
            f"   of it, the chart: {ms(result['chart'])}",
            f"   of it, the Fetches button's count: {ms(result['count'])}",
            f"   feeds list, health counters: {ms(result['counters'])}",
            f"   health check cron, all feeds: {ms(result['cron'])}",
            f"Load average {result['load']:.1f} on {os.cpu_count()} cores "
            "(the other processes' share of the machine during the timings)",
        ]
    )


# 7. Report


def mb(size):
    return f"{size / 2**20:.1f}"


def report_catalogue(add, mode, info):
    n, images = info["products"], info["image_templates"] * len(SIZES)
    add(
        "1. Catalogue" + (f" (reused, built {info['built']})" if info["reused"] else "")
    )
    add(
        f"   {n:,} storable variants ({info['templates']:,} templates x {len(SIZES)} "
        f"sizes), {info['categories']} categories in 3 levels; "
        f"stock: {info['quants']:,} "
        f"quants in 3 warehouses"
    )
    add(
        f"   on {info['stocked']:,} products ({STOCKED:.0%}), none reserved; images: "
        f"{images:,} variants ({images / n:.0%}) of "
        f"{info['image_templates']} templates, "
        f"real attachments; +{SMALL:,} variants of company B"
    )
    update = (
        f"; add-on update: {info['update_s']:.0f} s" if info.get("update_s") else ""
    )
    add(
        f"   install without demo data: {info['install_s']:.0f} s; catalogue build: "
        f"{info['catalogue_s']:.0f} s{update}"
    )


def report_generation(add, mode, runs, served):
    add(
        "2.-4. Generation, one fresh process per run; memory = peak RSS growth; "
        "ours through the background job's units of work (as the cron runs them)"
    )
    add(
        f"   {'run':<36} {'rows':>8} {'time s':>7} {'rows/s':>7} {'file MB':>7} "
        f"{'RSS +MB':>7} {'CPU s':>6}"
    )
    for key, run in runs.items():
        if key != "writers":
            add(
                f"   {run['label']:<36} {run['rows']:>8,} {run['seconds']:>7.1f} "
                f"{run['rows'] / run['seconds']:>7,.0f} {mb(run['bytes']):>7} "
                f"{run['mb']:>7.0f} {run['cpu']:>6.1f}"
            )
    add(
        f"   {'ours CSV + gzip + store (link)':<36} {served['rows']:>8,} "
        f"{served['seconds']:>7.1f} {served['rows'] / served['seconds']:>7,.0f} "
        f"{mb(served['bytes']):>7}"
    )
    add("   Odoo export = search + export_data + /web/export writer, as admin, columns")
    add(f"   {', '.join(ODOO_FIELDS)} (no pricelist price)")
    csv_, xlsx = runs["csv"], runs["xlsx"]
    odoo_csv, odoo_xlsx = runs["odoo_csv"], runs["odoo_xlsx"]
    add(
        f"   time ours / Odoo: CSV {csv_['seconds'] / odoo_csv['seconds']:.2f} "
        f"(target <= 0.10), XLSX {xlsx['seconds'] / odoo_xlsx['seconds']:.2f} "
        f"(target <= 0.25); in CPU time: CSV {csv_['cpu'] / odoo_csv['cpu']:.2f}, "
        f"XLSX {xlsx['cpu'] / odoo_xlsx['cpu']:.2f}"
    )
    add(
        f"   RSS growth ours / Odoo: CSV {csv_['mb']:.0f} / {odoo_csv['mb']:.0f} MB, "
        f"XLSX {xlsx['mb']:.0f} / {odoo_xlsx['mb']:.0f} MB"
    )
    floor = runs["floor"]
    same = "the same bytes" if floor["checksum"] == csv_["checksum"] else "DIFFERENT"
    add(
        f"   floor = the 8 columns by one SQL query, written with csv ({same} as "
        f"ours CSV); ours CSV rows/s / floor's: "
        f"{floor['seconds'] / csv_['seconds']:.2f} (target >= 0.25), "
        f"in CPU time {floor['cpu'] / csv_['cpu']:.2f}"
    )
    add(
        f"   units of work: CSV {csv_['units']}, XLSX {xlsx['units']}, "
        f"XLS {runs['xls']['units']}, XML {runs['xml']['units']}"
    )
    add(
        f"   RSS growth 1k -> {mode.products // 1000}k rows: "
        f"CSV {runs['csv_small']['mb']:.0f} -> {csv_['mb']:.0f} MB, "
        f"XLSX {runs['xlsx_small']['mb']:.0f} -> {xlsx['mb']:.0f} MB, "
        f"XML {runs['xml_small']['mb']:.0f} -> {runs['xml']['mb']:.0f} MB "
        f"(target < 250 MB)"
    )
    w = runs["writers"]
    add(
        f"   writers on the same {w['rows']:,} x 8 cells in memory: XLSX ours "
        f"{w['ours_xlsx']:.2f} s / bare openpyxl write-only {w['openpyxl']:.2f} s = "
        f"{w['ours_xlsx'] / w['openpyxl']:.2f}x (target <= 1.5x);"
    )
    add(
        f"   CSV ours {w['ours_csv']:.2f} s / csv module {w['csv']:.2f} s = "
        f"{w['ours_csv'] / w['csv']:.2f}x; whole XLSX generation / bare openpyxl = "
        f"{xlsx['seconds'] / w['openpyxl']:.1f}x"
    )
    shares = sorted(w["columns"].items(), key=lambda item: -item[1])
    add(
        f"   reading the rows ({w['reading']:.1f} s, "
        f"{w['rows'] / w['reading']:,.0f} rows/s)"
        " by column: "
        + ", ".join(f"{name} {spent / w['reading']:.0%}" for name, spent in shares)
    )


def report_load(add, mode, served, load):
    add(
        f"5. Public link, odoo --workers=2, {mode.clients} clients, one connection per "
        f"request: CSV {mb(served['bytes'])} MB "
        f"(gzip {mb(served['gzip_bytes'])} MB), cached"
    )
    add("   ours = /marketplace-feed/<slug>/products.csv (logs each fetch),")
    add("   odoo = /web/content/<attachment id>?access_token=... (same bytes, no gzip)")
    for kind in ("identity", "If-None-Match"):
        ours, odoo = (
            statistics.median(load["single"][f"{who} {kind}"])
            for who in ("ours", "odoo")
        )
        add(
            f"   one client, one request at a time, {kind}: p50 ours {ours:.1f} ms, "
            f"odoo {odoo:.1f} ms ({ours / odoo:.2f}x)"
        )
    add(
        f"   {mode.clients} clients, each scenario in {ROUNDS} slices alternating ours "
        "and odoo; requests running at the end of a slice are cut off, not counted"
    )
    add(
        f"   {'scenario':<22} {'secs':>5} {'requests':>9} {'req/s':>7} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'MB/s':>7} {'errors':>6}"
    )
    for name, res in load.items():
        if name not in ("soak", "single"):
            add(
                f"   {name:<22} {res['seconds']:>5.0f} {res['requests']:>9,} "
                f"{res['rps']:>7.1f} {res['p50_ms']:>8.0f} {res['p99_ms']:>8.0f} "
                f"{res['mb_s']:>7.1f} {res['errors']:>6}"
            )
    for kind in mode.seconds:
        ours, odoo = load[f"ours {kind}"], load[f"odoo {kind}"]
        note = " (Odoo answers identity: it has no gzip)" if kind == "gzip" else ""
        add(
            f"   ours / odoo, {kind}: req/s {ours['rps'] / odoo['rps']:.2f}, "
            f"p50 latency {ours['p50_ms'] / odoo['p50_ms']:.2f}x{note}"
        )
    errors = {
        e
        for name, res in load.items()
        if name != "single"
        for e in res["error_samples"]
    }
    errors = sorted(errors)
    if errors:
        add(f"   errors seen: {'; '.join(errors)}")
    add("   (Odoo's prefork server listens with a backlog of 8 x workers = 16 and")
    add("   gives a client socket 2 s (ODOO_HTTP_SOCKET_TIMEOUT): with 50 clients,")
    add("   refused SYNs are retried after 1, 3, 7 s (the p99) and client threads")
    add("   starved of CPU for 2 s are cut off (the errors); both endpoints alike)")
    soak = load["soak"]
    before, after = soak["rss_before"], soak["rss_after"]
    growth = [after[pid] - before[pid] for pid in before if pid in after]
    stable = set(before) == set(after) and max(growth, default=0) < 20
    stable = stable and not soak["errors"]
    exact = "exact" if soak["logged"] == soak["requests"] else "MISMATCH"
    add(
        f"6. Soak: {soak['requests']:,} fetches (gzip, {mode.soak_clients} clients) in "
        f"{soak['seconds']:.0f} s = {soak['rps']:.1f} req/s, errors {soak['errors']}, "
        f"fetch log: {soak['logged']:,} rows of the soak ({exact})"
    )
    rss = ", ".join(
        f"{pid}: {before[pid]:.0f} -> {after[pid]:.0f} MB"
        if pid in after
        else f"{pid}: gone"
        for pid in before
    )
    new = [str(pid) for pid in after if pid not in before]
    add(
        f"   worker RSS {rss}"
        + (f", new workers {', '.join(new)}" if new else "")
        + f": {'stable' if stable else 'NOT stable'}"
    )


def report(mode_name, mode, info, runs, served, load, total_s, foreign):
    import odoo.release

    out = []
    add = out.append
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    add(
        f"stock_marketplace_feed benchmark, {mode_name} run, "
        f"{datetime.now().isoformat(timespec='seconds')}"
    )
    add(
        f"{os.cpu_count()} cores, {memory:.0f} GB RAM, "
        f"Python {platform.python_version()}, "
        f"Odoo {odoo.release.version}, database {mode.db}"
    )
    add("")
    report_catalogue(add, mode, info)
    add("")
    report_generation(add, mode, runs, served)
    if load:
        add("")
        report_load(add, mode, served, load)
    add("")
    add(f"Total time: {total_s / 60:.1f} min")
    cores = os.cpu_count()
    phases = [
        (name, (cpu + steal) / seconds / cores, steal / seconds / cores)
        for name, seconds, cpu, steal in foreign.phases
        if seconds
    ]
    noisy = [name for name, share, _steal in phases if share > 0.05]
    add(
        f"Share of the {cores} cores used by others (of it, hypervisor steal): "
        + ", ".join(
            f"{name} {share:.0%} ({steal:.0%})" for name, share, steal in phases
        )
    )
    add(
        f"   WARNING: {', '.join(noisy)} shared the machine: rerun for clean figures"
        if noisy
        else "   (quiet machine)"
    )
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument(
        "--quick", action="store_true", help="10,000 variants, short load"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build the database again"
    )
    parser.add_argument(
        "--no-load", action="store_true", help="skip the load test, soak"
    )
    parser.add_argument("--port", type=int, default=8470, help="load-test HTTP port")
    parser.add_argument(
        "--health", action="store_true", help="only the feed health step"
    )
    parser.add_argument(
        "--huge",
        action="store_true",
        help="1,000,000 variants published by the background job of a real "
        "server, default and tight limits (.bench/results-huge.json)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child_main(json.loads(args.child))

    started = time.monotonic()
    mode_name = "huge" if args.huge else "quick" if args.quick else "full"
    mode = MODES[mode_name]
    odoo_setup()
    BENCH_DIR.mkdir(exist_ok=True)
    if args.huge:
        return huge(mode, args)
    foreign = ForeignCpu()
    foreign.mark("build")
    info = ensure_database(mode, args.rebuild)
    if args.health:
        text = report_health(mode_name, run_health(mode.db, info))
        print(text)
        (BENCH_DIR / f"health-{mode.results}").write_text(text + "\n", encoding="utf-8")
        log(f"written to {BENCH_DIR / f'health-{mode.results}'}")
        return None
    feed_ids = recreate_feeds(mode.db, info)
    sql(mode.db, "CHECKPOINT", autocommit=True)  # no flush of the build's writes later
    foreign.mark("generation")
    runs = run_generations(mode, info, feed_ids)
    log("generating and storing the CSV file of the link (action_generate)")
    served = store_feed_file(mode.db, feed_ids["csv"])
    load = None
    if not args.no_load:
        port = free_port(args.port)
        load = run_load_tests(mode, feed_ids["csv"], served, port, foreign)
    foreign.stop()
    text = report(
        mode_name, mode, info, runs, served, load, time.monotonic() - started, foreign
    )
    print(text)
    (BENCH_DIR / mode.results).write_text(text + "\n", encoding="utf-8")
    log(f"written to {BENCH_DIR / mode.results}")
    return None


def huge(mode, args):
    import bench_huge

    info = ensure_database(mode, args.rebuild)
    feed_ids = recreate_feeds(mode.db, info)
    sql(mode.db, "CHECKPOINT", autocommit=True)
    results = bench_huge.run_huge(
        sys.modules[__name__], mode, info, feed_ids, free_port(args.port)
    )
    path = BENCH_DIR / mode.results
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(bench_huge.report_huge(results))
    log(f"written to {path}")


if __name__ == "__main__":
    main()
