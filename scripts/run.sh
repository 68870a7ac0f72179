#!/usr/bin/env bash
# `make run`: serve the add-on with demo data on http://localhost:8069
# (admin / admin), PostgreSQL data kept in .run/ between runs. One make run
# per folder: a second one is refused (lock .run/run.lock, pids in
# .run/run.pid and .run/odoo.pid), and so is a taken HTTP or PostgreSQL port,
# before anything starts.
# `make stop` (scripts/run.sh stop): stop that server and its PostgreSQL, or a
# PostgreSQL left running by a killed make run.
# `make pot` (scripts/run.sh pot): export the add-on's terms to
# i18n/stock_marketplace_feed.pot (POT=path: elsewhere) from a throwaway
# database without demo data, with the modules the Odoo suite installs beside
# the add-on (TEST_WITH, website_sale: its rating field is the add-on's too).
# `make bench` (scripts/run.sh bench [args]): run scripts/bench.py against a
# cluster kept in .bench/, its settings in PGHOST/PGPORT/PGUSER, ODOO_RC and
# ODOO_ADDONS_PATH.
# Settings: PYTHON, PG_PORT (5433), HTTP_PORT (8069), DB (marketplace_feed),
# BASE_URL (http://localhost:HTTP_PORT, written to web.base.url at each
# start), RUN_DIR (.run), ODOO_ARGS (extra odoo options, e.g.
# "-u stock_marketplace_feed" or "--http-interface=0.0.0.0").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMMAND=${1:-run}
HARNESS_NAME=$COMMAND
# shellcheck source=scripts/pg.sh
. "$ROOT/scripts/pg.sh"

need_odoo() {
    odoo_version_ok && return 0
    cat >&2 <<EOF
Odoo 18 is not importable by $PYTHON.
Already have Odoo 18 in another interpreter?  make $COMMAND PYTHON=/path/to/that/python
Otherwise get it one of these ways:
  - Odoo 18.0 source: git clone -b 18.0 --depth 1 https://github.com/odoo/odoo
    then: pip install -r odoo/requirements.txt && pip install -e odoo
  - or Docker, no local Odoo needed: docker compose up   (http://localhost:8069)
EOF
    exit 1
}

# port_free PORT: true if nothing listens on 127.0.0.1:PORT.
port_free() {
    "$PYTHON" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Odoo's server
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

# The make run folder and its lock (fd 9, held by make run and the Odoo it
# starts, never by PostgreSQL).
run_dir() {
    DIR=${RUN_DIR:-$ROOT/.run}
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    export SMF_RUN_DIR=$DIR
    exec 9>>"$DIR/run.lock"
}
# start_time PID: when the process started (a pid alone may have been reused).
start_time() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
# run_pids: the live pids of make run (run.pid: pid and start time) and of
# its Odoo (odoo.pid, written by Odoo, which has SMF_RUN_DIR in its
# environment), if any.
run_pids() {
    local pid started
    if read -r pid started <"$DIR/run.pid" 2>/dev/null && [ -n "$started" ] &&
        [ "$(start_time "$pid")" = "$started" ]; then
        echo "$pid"
    fi
    pid=$(cat "$DIR/odoo.pid" 2>/dev/null) &&
        grep -qszxF "SMF_RUN_DIR=$DIR" "/proc/$pid/environ" && echo "$pid"
    return 0
}

case $COMMAND in
run) ;;
stop)
    run_dir
    stopped=""
    if ! flock -n 9; then
        pids=$(run_pids)
        say "stopping make run (pid $(echo $pids))"
        # make run ends once its Odoo has ended: it then stops PostgreSQL
        # and releases the lock.
        [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
        flock -w 60 9 || die "make run (pid $(echo $pids)) still runs after 60 s"
        stopped=1
    fi
    if pid=$(pg_pid "$DIR"); then
        say "stopping PostgreSQL left running on $(pg_dir "$DIR")/pgdata (pid $pid)"
        pg_stop "$DIR"
        stopped=1
    fi
    rm -f "$DIR/run.pid" "$DIR/odoo.pid"
    [ -n "$stopped" ] && say "stopped" || say "nothing to stop in $DIR"
    exit 0
    ;;
pot)
    need_odoo
    POT=${POT:-$ROOT/i18n/$MODULE.pot}
    POT=$(cd "$(dirname "$POT")" && pwd)/$(basename "$POT")
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/smf-pot.XXXXXX")
    chmod 755 "$TMP"
    trap 'pg_stop "$TMP/pg"; rm -rf "$TMP"' EXIT
    pg_start "$TMP/pg" "$(free_port)" -c fsync=off
    # A copy: Odoo's exporter walks the add-on's folder, and would follow the
    # links that .run/ and .bench/ hold back to the checkout.
    copy_addon "$TMP/addons/$MODULE"
    ADDONS_DIR=$TMP/addons
    write_odoo_conf "$TMP/odoo.conf" "" "$TMP/data" "$(free_port)"
    with=${TEST_WITH-website_sale}
    say "installing $MODULE${with:+ and $with} without demo data into a throwaway database"
    "$PYTHON" -m odoo -c "$TMP/odoo.conf" -d pot -i "$MODULE${with:+,$with}" --without-demo=all \
        --stop-after-init --log-level=warn || die "installing $MODULE failed (output above)"
    "$PYTHON" -m odoo -c "$TMP/odoo.conf" -d pot --modules="$MODULE" \
        --i18n-export="$POT" --log-level=warn || die "exporting the terms failed (output above)"
    say "wrote $POT"
    exit 0
    ;;
bench)
    need_odoo
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
    ;;
*) die "unknown command '$COMMAND' (expected: run stop pot bench)" ;;
esac

need_odoo
DB=${DB:-marketplace_feed} HTTP_PORT=${HTTP_PORT:-8069} PG_PORT=${PG_PORT:-5433}
BASE_URL=${BASE_URL:-http://localhost:$HTTP_PORT}
run_dir
flock -n 9 || die "make run is already running (pid $(run_pids | head -n1)) in $DIR: make stop stops it"
port_free "$HTTP_PORT" ||
    die "HTTP port $HTTP_PORT is in use: choose another one, e.g. make run HTTP_PORT=$((HTTP_PORT + 1))"
pg_pid "$DIR" >/dev/null || port_free "$PG_PORT" ||
    die "PostgreSQL's port $PG_PORT is in use: choose another one, e.g. make run PG_PORT=$((PG_PORT + 1))"
echo "$$ $(start_time $$)" >"$DIR/run.pid"
rm -f "$DIR/odoo.pid"
trap 'pg_stop "$DIR"; rm -f "$DIR/run.pid"' EXIT
# make stop: Odoo ends first (SIGTERM), then this script, when it has ended.
trap 'say "stopped"; exit 0' TERM

pg_start "$DIR" "$PG_PORT"
addons_link "$DIR"
write_odoo_conf "$DIR/odoo.conf" "$DB" "$DIR/data" "$HTTP_PORT"
odoo=(-c "$DIR/odoo.conf" -d "$DB")

if ! module_installed "$DB"; then
    say "first start: creating database $DB with $MODULE and its demo data"
    "$PYTHON" -m odoo "${odoo[@]}" -i "$MODULE" --stop-after-init --log-level=warn \
        --pidfile="$DIR/odoo.pid" ||
        die "installing $MODULE failed (output above); fix it and run make run again"
fi

say "demo feed links:"
"$PYTHON" -m odoo shell "${odoo[@]}" --no-http --log-level=warn <<EOF || say "(could not list the feeds)"
env["ir.config_parameter"].sudo().set_param("web.base.url", "$BASE_URL")
env.cr.commit()
if "marketplace.feed" in env:
    for feed in env["marketplace.feed"].search([]):
        print(feed.name, feed.public_url)
EOF

say "serving on port $HTTP_PORT, links on $BASE_URL (login admin / admin); Ctrl-C or make stop stops it"
"$PYTHON" -m odoo "${odoo[@]}" --http-port "$HTTP_PORT" --pidfile="$DIR/odoo.pid" ${ODOO_ARGS:-}
