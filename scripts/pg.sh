# shellcheck shell=bash
# Shared helpers for scripts/test.sh and scripts/run.sh (sourced, not run).
# A cluster lives in one folder: DIR/pgdata (data), DIR/socket (unix socket),
# DIR/pg.log, and is reached on 127.0.0.1:PORT as superuser "odoo" (trust).
# As root, PostgreSQL runs as "postgres" (or "nobody"): it refuses root.

MODULE=stock_marketplace_feed
PYTHON=${PYTHON:-python3}
PG_USER=odoo  # Odoo refuses db_user "postgres"

say() { printf '[%s] %s\n' "${HARNESS_NAME:-harness}" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# odoo_version_ok: true when $PYTHON imports Odoo 18.
odoo_version_ok() {
    "$PYTHON" -c 'import sys, odoo.release as r; sys.exit(r.version_info[0] != 18)' \
        >/dev/null 2>&1
}

# odoo_core_addons: comma-separated addons folders shipped with Odoo.
odoo_core_addons() {
    "$PYTHON" - <<'EOF'
import os, odoo
pkg = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(pkg, "addons"), os.path.join(os.path.dirname(pkg), "addons")]
print(",".join(p for p in paths if os.path.isdir(p)))
EOF
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_find_bin() {
    local d
    if [ -n "${PG_BIN:-}" ]; then :
    elif command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        PG_BIN=$(pg_config --bindir)
    else
        for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
            [ -x "$d/initdb" ] && PG_BIN=$d && break
        done
    fi
    [ -x "${PG_BIN:-}/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] || die \
        "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql, or set PG_BIN"
    if [ "$(id -u)" = 0 ]; then
        if id -u postgres >/dev/null 2>&1; then PG_OS_USER=postgres; else PG_OS_USER=nobody; fi
    else
        PG_OS_USER=$(id -un)
    fi
}

# pg_as CMD...: run a PostgreSQL binary as the unprivileged cluster owner.
pg_as() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

# pg_start DIR PORT [server options...]: init DIR once, then start it.
pg_start() {
    local dir=$1 port=$2 pid
    shift 2
    pg_find_bin
    mkdir -p "$dir/socket"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$dir/socket"
    pg_as test -w "$dir/socket" ||
        die "$PG_OS_USER cannot write $dir/socket (a parent folder is not searchable by it?)"
    if [ ! -s "$dir/pgdata/PG_VERSION" ]; then
        rm -rf "$dir/pgdata"
        mkdir -p "$dir/pgdata"
        [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$dir/pgdata"
        pg_as "$PG_BIN/initdb" -D "$dir/pgdata" -U "$PG_USER" --auth=trust \
            -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; die "initdb failed in $dir/pgdata"; }
    fi
    # A crash (kill -9, reboot) leaves postmaster.pid behind; its pid may now
    # belong to another process, so trust it only if that is a live postgres.
    if [ -f "$dir/pgdata/postmaster.pid" ]; then
        pid=$(head -n1 "$dir/pgdata/postmaster.pid")
        if [ -n "$pid" ] && grep -qs postgres "/proc/$pid/comm"; then
            say "stopping the server left running on $dir/pgdata (pid $pid)"
            pg_stop "$dir"
        else
            say "removing stale $dir/pgdata/postmaster.pid"
        fi
        rm -f "$dir/pgdata/postmaster.pid" "$dir"/socket/.s.PGSQL.*
    fi
    touch "$dir/pg.log"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$dir/pg.log"
    # setsid: Ctrl-C in the terminal must reach Odoo, not the database.
    pg_as setsid -w "$PG_BIN/pg_ctl" -D "$dir/pgdata" -l "$dir/pg.log" -w -t 60 \
        -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1 $*" start >/dev/null ||
        { tail -n 20 "$dir/pg.log" >&2; die "PostgreSQL did not start (port $port)"; }
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=$PG_USER
}

# pg_stop DIR: fast shutdown; quiet if nothing runs.
pg_stop() {
    [ -f "$1/pgdata/postmaster.pid" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$1/pgdata" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        pg_as "$PG_BIN/pg_ctl" -D "$1/pgdata" -m immediate stop >/dev/null 2>&1 || true
}

# addons_link DIR: DIR/addons/stock_marketplace_feed -> repository root, so
# the add-on loads under its module name whatever the checkout folder is.
addons_link() {
    mkdir -p "$1/addons"
    ln -sfn "$ROOT" "$1/addons/$MODULE"
    ADDONS_DIR=$1/addons
}

# write_odoo_conf FILE DB DATA_DIR HTTP_PORT: Odoo settings for this cluster
# (DB empty: no default database, no dbfilter).
write_odoo_conf() {
    cat >"$1" <<EOF
[options]
db_host = $PGHOST
db_port = $PGPORT
db_user = $PG_USER
db_password = False
${2:+db_name = $2
dbfilter = ^$2\$}
addons_path = $(odoo_core_addons),$ADDONS_DIR
data_dir = $3
http_interface = 127.0.0.1
http_port = $4
admin_passwd = admin
EOF
}

# module_installed DB: true if DB exists and has the add-on installed.
module_installed() {
    [ "$("$PG_BIN/psql" -XtAq -d "$1" -c \
        "SELECT state FROM ir_module_module WHERE name = '$MODULE'" 2>/dev/null)" = installed ]
}
