# shellcheck shell=bash
# Shared helpers for scripts/test.sh and scripts/run.sh (sourced, not run).
# A cluster lives in one folder: DIR/pgdata (data), DIR/socket (unix socket),
# DIR/pg.log, and is reached on 127.0.0.1:PORT as superuser "odoo" (trust).
# As root, PostgreSQL runs as "postgres" (or "nobody"): it refuses root; when
# that user can't enter DIR (a checkout in root's home folder), the cluster's
# folder is one of its own under /var/tmp instead (pg_dir).

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
    pg_os_user
}

# pg_os_user: PG_OS_USER, the system user PostgreSQL runs as.
pg_os_user() {
    if [ "$(id -u)" != 0 ]; then PG_OS_USER=$(id -un)
    elif id -u postgres >/dev/null 2>&1; then PG_OS_USER=postgres
    else PG_OS_USER=nobody; fi
}

# pg_dir DIR: the folder holding DIR's cluster: DIR itself, or, as root when
# PG_OS_USER can't enter DIR, /var/tmp/stock_marketplace_feed-<hash of DIR>
# (the same folder for the same DIR, so data is kept between runs).
pg_dir() {
    pg_os_user
    if [ "$(id -u)" != 0 ] || (cd / && runuser -u "$PG_OS_USER" -- test -x "$1/.") 2>/dev/null; then
        echo "$1"
    else
        echo "/var/tmp/$MODULE-$(printf %s "$1" | sha1sum | cut -c1-12)"
    fi
}

# pg_pid DIR: the pid of the server running on DIR's cluster, if any. A crash
# (kill -9, reboot) leaves postmaster.pid behind; its pid may now belong to
# another process, so trust it only if that is a live postgres.
pg_pid() {
    local pid
    pid=$(head -n1 "$(pg_dir "$1")/pgdata/postmaster.pid" 2>/dev/null) &&
        [ -n "$pid" ] && grep -qs postgres "/proc/$pid/comm" && echo "$pid"
}

# pg_as CMD...: run a PostgreSQL binary as the unprivileged cluster owner.
# (From /: the current folder may be one that user can't enter.)
pg_as() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi
}

# pg_start DIR PORT [server options...]: init DIR's cluster once, then start
# it. Sets PG_DIR (see pg_dir), PGHOST, PGPORT and PGUSER.
pg_start() {
    local dir=$1 port=$2 pid
    shift 2
    pg_find_bin
    mkdir -p "$dir"
    PG_DIR=$(pg_dir "$dir")
    if [ "$PG_DIR" != "$dir" ]; then
        # A folder of PG_OS_USER's in /var/tmp (sticky): created here, or
        # created earlier by this code (a real folder owned by that user).
        [ -e "$PG_DIR" ] || { mkdir -m 700 "$PG_DIR" && chown "$PG_OS_USER" "$PG_DIR"; } ||
            die "cannot create $PG_DIR"
        [ -d "$PG_DIR" ] && [ ! -L "$PG_DIR" ] && [ "$(stat -c %U "$PG_DIR")" = "$PG_OS_USER" ] ||
            die "$PG_DIR exists and is not a folder of $PG_OS_USER's: remove it"
        say "PostgreSQL's files in $PG_DIR ($PG_OS_USER cannot enter $dir)"
    fi
    mkdir -p "$PG_DIR/socket"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PG_DIR/socket"
    pg_as test -w "$PG_DIR/socket" ||
        die "$PG_OS_USER cannot write $PG_DIR/socket (a parent folder is not searchable by it?)"
    if [ ! -s "$PG_DIR/pgdata/PG_VERSION" ]; then
        rm -rf "$PG_DIR/pgdata"
        mkdir -p "$PG_DIR/pgdata"
        [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PG_DIR/pgdata"
        pg_as "$PG_BIN/initdb" -D "$PG_DIR/pgdata" -U "$PG_USER" --auth=trust \
            -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; die "initdb failed in $PG_DIR/pgdata"; }
    fi
    if [ -f "$PG_DIR/pgdata/postmaster.pid" ]; then
        if pid=$(pg_pid "$dir"); then
            say "stopping the server left running on $PG_DIR/pgdata (pid $pid)"
            pg_stop "$dir"
        else
            say "removing stale $PG_DIR/pgdata/postmaster.pid"
        fi
        rm -f "$PG_DIR/pgdata/postmaster.pid" "$PG_DIR"/socket/.s.PGSQL.*
    fi
    touch "$PG_DIR/pg.log"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PG_DIR/pg.log"
    # setsid: Ctrl-C in the terminal must reach Odoo, not the database.
    # 9>&-: the server must not hold make run's lock (scripts/run.sh).
    pg_as setsid -w "$PG_BIN/pg_ctl" -D "$PG_DIR/pgdata" -l "$PG_DIR/pg.log" -w -t 60 \
        -o "-p $port -k $PG_DIR/socket -c listen_addresses=127.0.0.1 $*" start >/dev/null 9>&- ||
        { tail -n 20 "$PG_DIR/pg.log" >&2; die "PostgreSQL did not start (port $port)"; }
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=$PG_USER
}

# pg_stop DIR: fast shutdown; quiet if nothing runs.
pg_stop() {
    local pgdata
    pgdata=$(pg_dir "$1")/pgdata
    [ -f "$pgdata/postmaster.pid" ] || return 0
    pg_find_bin
    pg_as "$PG_BIN/pg_ctl" -D "$pgdata" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        pg_as "$PG_BIN/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
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

# copy_addon DEST: copy the add-on's files to DEST: those git tracks and the
# new ones it does not ignore (so not .run/ or .bench/, which link back here).
copy_addon() {
    local f
    mkdir -p "$1"
    if ! git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
        tar -C "$ROOT" --exclude='./.*' -cf - . | tar -x -C "$1"
        return
    fi
    git -C "$ROOT" ls-files -z -co --exclude-standard |
        while IFS= read -r -d '' f; do
            if [ -e "$ROOT/$f" ]; then printf '%s\0' "$f"; fi
        done |
        tar -C "$ROOT" --null -T - -cf - | tar -x -C "$1"
}

# module_installed DB: true if DB exists and has the add-on installed.
module_installed() {
    [ "$("$PG_BIN/psql" -XtAq -d "$1" -c \
        "SELECT state FROM ir_module_module WHERE name = '$MODULE'" 2>/dev/null)" = installed ]
}
