#!/usr/bin/env bash
# `make run`: serve the add-on with demo data on http://localhost:8069
# (admin / admin), PostgreSQL data kept in .run/ between runs.
# `make bench` (scripts/run.sh bench [args]): run scripts/bench.py against a
# cluster kept in .bench/, its settings in PGHOST/PGPORT/PGUSER, ODOO_RC and
# ODOO_ADDONS_PATH.
# Settings: PYTHON, PG_PORT (5433), HTTP_PORT (8069), DB (marketplace_feed),
# ODOO_ARGS (extra odoo options, e.g. "-u stock_marketplace_feed").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS_NAME=${1:-run}
# shellcheck source=scripts/pg.sh
. "$ROOT/scripts/pg.sh"

if ! odoo_version_ok; then
    cat >&2 <<EOF
Odoo 18 is not importable by $PYTHON. Get it one of these ways:
  - Odoo 18.0 source: git clone -b 18.0 --depth 1 https://github.com/odoo/odoo
    then: pip install -r odoo/requirements.txt && pip install -e odoo
  - pip install -r requirements.txt from an Odoo 18 checkout, then rerun with
    make run PYTHON=/path/to/that/python
  - or Docker, no local Odoo needed: docker compose up   (http://localhost:8069)
EOF
    exit 1
fi

if [ "${1:-}" = bench ]; then
    shift
    DIR=$ROOT/.bench
    [ -f "$ROOT/scripts/bench.py" ] || die "scripts/bench.py does not exist yet"
    trap 'pg_stop "$DIR"' EXIT
    pg_start "$DIR" "${PG_PORT:-$(free_port)}"
    addons_link "$DIR"
    write_odoo_conf "$DIR/odoo.conf" "" "$DIR/data" "$(free_port)"
    ODOO_RC=$DIR/odoo.conf
    ODOO_ADDONS_PATH=$(sed -n 's/^addons_path = //p' "$ODOO_RC")
    export ODOO_RC ODOO_ADDONS_PATH
    "$PYTHON" "$ROOT/scripts/bench.py" "$@"
    exit
fi

DIR=$ROOT/.run DB=${DB:-marketplace_feed} HTTP_PORT=${HTTP_PORT:-8069}
trap 'pg_stop "$DIR"' EXIT
pg_start "$DIR" "${PG_PORT:-5433}"
addons_link "$DIR"
write_odoo_conf "$DIR/odoo.conf" "$DB" "$DIR/data" "$HTTP_PORT"
odoo=(-c "$DIR/odoo.conf" -d "$DB")

if ! module_installed "$DB"; then
    say "first start: creating database $DB with $MODULE and its demo data"
    "$PYTHON" -m odoo "${odoo[@]}" -i "$MODULE" --stop-after-init --log-level=warn ||
        die "installing $MODULE failed (output above); fix it and run make run again"
fi

say "demo feed links:"
"$PYTHON" -m odoo shell "${odoo[@]}" --no-http --log-level=warn <<EOF || say "(could not list the feeds)"
env["ir.config_parameter"].sudo().set_param("web.base.url", "http://localhost:$HTTP_PORT")
env.cr.commit()
if "marketplace.feed" in env:
    for feed in env["marketplace.feed"].search([]):
        print(feed.name, feed.public_url)
EOF

say "serving http://localhost:$HTTP_PORT (login admin / admin); Ctrl-C stops"
"$PYTHON" -m odoo "${odoo[@]}" --http-port "$HTTP_PORT" ${ODOO_ARGS:-}
