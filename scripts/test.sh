#!/usr/bin/env bash
# `make test`: test requirements, lint, engine tests, then (when $PYTHON
# imports Odoo 18) the Odoo suite against a throwaway PostgreSQL cluster, and
# checks of make run / make stop on that cluster.
# Usage: scripts/test.sh [deps] [lint] [oca] [engine] [odoo] [run]
#   (default: deps lint engine odoo run; lint includes oca, OCA's checkers)
# Settings: PYTHON, TESTS (odoo: only these, e.g. "tests/test_a.py
# tests/test_b.py::TestX"), TEST_WITH, REQUIRE_ODOO=1 (no Odoo 18: fail).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS_NAME="test"
# shellcheck source=scripts/pg.sh
. "$ROOT/scripts/pg.sh"
cd "$ROOT" || exit

STEPS=${*:-deps lint engine odoo run}
# Installed beside the add-on in the test database: website_sale, whose extra
# product images feeds include, and which a shop selling online often has.
# TEST_WITH= (empty) tests the add-on alone, faster (that test is skipped).
TEST_WITH=${TEST_WITH-website_sale,mrp}
TMP_PREFIX=${TMPDIR:-/tmp}/smf-test.
SUMMARY=() PASSED=0 FAILED=0 SKIPPED=0 RC=0 TMP="" RAN=""
# Logs of a failed run are copied here (the temporary folder is removed).
LOGS=$ROOT/.test-logs

note() { SUMMARY+=("$*"); }
fail() { SUMMARY+=("$*"); RC=1; }

# kill_group DIR: end the process group of the command that run_in DIR
# started (pytest, odoo, and the Chromium they spawn), if still alive.
kill_group() {
    local pgid
    pgid=$(cat "$1/child.pgid" 2>/dev/null) || return 0
    # still ours? (gone, or its pid reused, otherwise)
    grep -qszxF "SMF_TEST_DIR=$1" "/proc/$pgid/environ" || return 0
    kill -TERM -- "-$pgid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 -- "-$pgid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -KILL -- "-$pgid" 2>/dev/null
}

cleanup() {
    [ -n "$TMP" ] || return 0
    kill_group "$TMP"
    pg_stop "$TMP/pg"
    if [ "$RC" != 0 ] && compgen -G "$TMP/*.log" >/dev/null; then
        mkdir -p "$LOGS" && cp "$TMP"/*.log "$LOGS"/ &&
            say "this run's logs are kept in $LOGS"
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Folders of earlier runs whose harness died (kill -9): end what they left
# running, remove them.
reap_stale() {
    local d pid
    for d in "$TMP_PREFIX"*; do
        [ -d "$d" ] || continue
        pid=$(cat "$d/harness.pid" 2>/dev/null)
        if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q test.sh; then
            continue
        fi
        say "removing $d, left by a killed run"
        kill_group "$d"
        [ -d "$d/pg/pgdata" ] && pg_find_bin && pg_stop "$d/pg"
        rm -rf "$d"
    done
}

# run_in LOG CMD...: run CMD in its own session (so cleanup can end it and
# its children as a group), output to the terminal and LOG; return its status.
run_in() {
    local log=$1 pid
    shift
    SMF_TEST_DIR=$TMP setsid "$@" > >(tee "$log") 2>&1 &
    pid=$!
    echo "$pid" >"$TMP/child.pgid"
    wait "$pid"
    set -- $?
    wait # for tee
    return "$1"
}

# run_pytest NAME ARGS...: run pytest, add its counts to the totals.
run_pytest() {
    local name=$1 log="$TMP/$1.log" rc line n kind counts
    shift
    run_in "$log" "$PYTHON" -m pytest "$@"
    rc=$? RAN=1
    line=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^=+ .* in [0-9.]+s.* =+$' | tail -n1 |
        sed -E 's/^=+ //; s/ =+$//')
    counts=$(grep -oE '[0-9]+ (passed|failed|errors?|skipped|xfailed|xpassed)' <<<"$line")
    while read -r n kind; do
        case $kind in
            passed | xfailed) PASSED=$((PASSED + n)) ;;
            failed | error | errors | xpassed) FAILED=$((FAILED + n)) ;;
            skipped) SKIPPED=$((SKIPPED + n)) ;;
        esac
    done <<<"$counts"
    case $rc in
        0) note "$name: $line" ;;
        5) fail "$name: FAILED, no tests collected (pytest exit 5): the $name suite must have tests" ;;
        *) fail "$name: FAILED (pytest exit $rc): ${line:-see output above}" ;;
    esac
    return "$rc"
}

step_deps() {
    say "installing requirements-test.txt"
    PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q --disable-pip-version-check \
        -r requirements-test.txt || die "pip install -r requirements-test.txt failed"
}

step_lint() {
    local failed=() files
    say "lint: ruff check, ruff format --check, pylint-odoo (.pylintrc)"
    mapfile -t files < <(find . -name '*.py' -not -path './.*' -not -path './scripts/*' | sort)
    "$PYTHON" -m ruff check . || failed+=("ruff check")
    "$PYTHON" -m ruff format --check . || failed+=("ruff format --check")
    "$PYTHON" -m pylint --rcfile=.pylintrc "${files[@]}" || failed+=("pylint-odoo")
    oca_checks || failed+=("${OCA_FAILED[@]}")
    docs_checks || failed+=("docs")
    if [ ${#failed[@]} = 0 ]; then
        note "lint: ok (ruff, ruff format, pylint-odoo, oca-checks-odoo-module, oca-checks-po, docs)"
    else fail "lint: FAILED: ${failed[*]}"; fi
}

# oca_checks: OCA's checkers (oca-odoo-pre-commit-hooks), settings in
# .oca_hooks.cfg, on a copy of the add-on laid out as in an OCA repository:
# they look for add-ons below the repository's top folder, never in it.
oca_checks() {
    local repo=$TMP/oca-repo
    OCA_FAILED=()
    say "lint: oca-checks-odoo-module, oca-checks-po (OCA's checkers)"
    rm -rf "$repo"
    copy_addon "$repo/$MODULE"
    git init -q "$repo"
    cd "$repo" || return 1
    "$PYTHON" -m oca_pre_commit_hooks --config="$ROOT/.oca_hooks.cfg" "$MODULE" ||
        OCA_FAILED+=("oca-checks-odoo-module")
    "$PYTHON" -m oca_pre_commit_hooks.cli_po --config="$ROOT/.oca_hooks.cfg" "$MODULE"/i18n/*.po ||
        OCA_FAILED+=("oca-checks-po")
    cd "$ROOT" || return 1
    [ ${#OCA_FAILED[@]} = 0 ]
}

# docs_checks: the README stays short, shows how to pass PYTHON= and names
# every menu (or docs/usage.md does); links and the docs that tool settings
# name exist.
docs_checks() {
    say "lint: docs (README length, menus, links)"
    "$PYTHON" - <<'EOF'
import glob, os, re, sys

errors = []
readme = open("README.md", encoding="utf-8").read()
usage = open("docs/usage.md", encoding="utf-8").read()
if len(readme.split()) > 900:
    errors.append(f"README.md: {len(readme.split())} words; keep it under 900, details go to docs/")
for command in ("make run PYTHON=", "make test PYTHON="):
    if command not in readme:
        errors.append(f"README.md: no '{command}'")
for xml in sorted(glob.glob("views/*.xml")):
    for name in re.findall(r'<menuitem[^>]*?\sname="([^"]+)"', open(xml, encoding="utf-8").read()):
        if name not in readme and name not in usage:
            errors.append(f"README.md, docs/usage.md: menu '{name}' ({xml}) not mentioned")
for doc in ["README.md", *sorted(glob.glob("docs/*.md"))]:
    for target in re.findall(r"\]\(([^)#\s]+)", open(doc, encoding="utf-8").read()):
        path = os.path.join(os.path.dirname(doc), target)
        if "://" not in target and not os.path.exists(path):
            errors.append(f"{doc}: link to a missing file: {target}")
for cfg in ("pyproject.toml", "Makefile", ".pylintrc", ".pre-commit-config.yaml", ".oca_hooks.cfg"):
    for path in re.findall(r"docs/[\w.-]+\.md|README\.md", open(cfg, encoding="utf-8").read()):
        if not os.path.exists(path):
            errors.append(f"{cfg}: names a missing file: {path}")
print("\n".join(errors))
sys.exit(1 if errors else 0)
EOF
}

step_oca() {
    if oca_checks; then note "oca: ok (oca-checks-odoo-module, oca-checks-po)"
    else fail "oca: FAILED: ${OCA_FAILED[*]}"; fi
}

step_engine() {
    say "engine tests: $PYTHON -m pytest tests/engine"
    # --confcutdir: never import the packages above tests/engine (the add-on,
    # tests/), whose __init__.py need Odoo. More options: pyproject.toml.
    run_pytest engine --confcutdir=tests/engine tests/engine
}

# Tours need a Chrome/Chromium on PATH; without one Odoo skips them.
have_chrome() {
    command -v google-chrome || command -v chromium || command -v chromium-browser ||
        command -v google-chrome-stable
} >/dev/null

ensure_chromium() {
    have_chrome && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "no Chromium found: apt-get install chromium"
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } \
            >"$TMP/apt.log" 2>&1 || tail -n 20 "$TMP/apt.log" >&2
        have_chrome && return 0
    fi
    fail "odoo: FAILED: no Chromium/Chrome on PATH, tours cannot run (install Debian's chromium)"
    return 1
}

# no_odoo WHAT: the summary line for a step that needs Odoo 18; a failure
# with REQUIRE_ODOO=1 (CI machines that must run it).
no_odoo() {
    local line="Odoo 18 not importable by $PYTHON: $1 skipped; run it with make test PYTHON=/path/to/python-with-odoo"
    if [ "${REQUIRE_ODOO:-}" = 1 ]; then fail "$1: FAILED (REQUIRE_ODOO=1): $line"
    else note "$line"; fi
}

step_odoo() {
    local addon db=test t0
    if ! odoo_version_ok; then
        no_odoo "Odoo suite"
        return 0
    fi
    ensure_chromium || return 1
    pg_start "$TMP/pg" "$(free_port)" -c fsync=off -c synchronous_commit=off -c full_page_writes=off
    addons_link "$TMP"
    addon=$ADDONS_DIR/$MODULE
    write_odoo_conf "$TMP/odoo.conf" "$db" "$TMP/data" "$(free_port)"

    say "installing $MODULE${TEST_WITH:+ and $TEST_WITH} with demo data into a fresh database"
    t0=$SECONDS
    if ! run_in "$TMP/install.log" "$PYTHON" -m odoo -c "$TMP/odoo.conf" -d "$db" \
        -i "$MODULE${TEST_WITH:+,$TEST_WITH}" --stop-after-init --log-level=warn >/dev/null ||
        grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$TMP/install.log"; then
        tail -n 60 "$TMP/install.log" >&2
        fail "odoo: FAILED: installing $MODULE failed (errors above; whole log: $LOGS/install.log)"
        return 1
    fi
    grep -E ' WARNING ' "$TMP/install.log" | head -n 20 >&2
    note "odoo: installed $MODULE${TEST_WITH:+ and $TEST_WITH} with demo data in $((SECONDS - t0))s"

    # TESTS="tests/test_a.py tests/test_b.py::TestX" runs only those.
    local targets=() t
    for t in ${TESTS:-tests}; do targets+=("$addon/$t"); done
    say "Odoo suite: pytest-odoo on ${TESTS:-$addon/tests} (tests/engine excluded)"
    t0=$SECONDS
    # Run on the symlinked path: pytest-odoo names the test modules after the
    # folder holding __manifest__.py (odoo.addons.stock_marketplace_feed...).
    cd "$TMP" || return 1
    run_pytest odoo -o addopts= -rs --rootdir="$addon" \
        --odoo-config="$TMP/odoo.conf" --odoo-database="$db" --odoo-http \
        --odoo-log-level=warn --odoo-extra=log-handler=odoo.tests.common:CRITICAL \
        "${targets[@]}" --ignore="$addon/tests/engine"
    local rc=$?
    cd "$ROOT" || return 1
    note "odoo: suite took $((SECONDS - t0))s"
    if grep -iE '^SKIPPED .*(chrome|browser|websocket)' "$TMP/odoo.log"; then
        fail "odoo: FAILED: browser tests were skipped (see SKIPPED lines above)"
    fi
    return "$rc"
}

# check NAME CMD...: one harness check (CMD succeeds), counted in the totals.
check() {
    local name=$1
    shift
    RAN=1
    if "$@" >/dev/null 2>&1; then PASSED=$((PASSED + 1)) CHECKS=$((CHECKS + 1))
    else FAILED=$((FAILED + 1)); fail "run: FAILED: $name"; fi
}
not() { ! "$@"; }
# ok_with / refused_with STATUS OUTPUT TEXT: that exit status, TEXT in OUTPUT.
ok_with() { [ "$1" = 0 ] && grep -qF -- "$3" <<<"$2"; }
refused_with() { [ "$1" != 0 ] && grep -qF -- "$3" <<<"$2"; }
# http_status URL: the HTTP status of a GET (redirects not followed: Odoo
# without its database redirects the login page), 0 if nothing answers.
http_status() {
    "$PYTHON" - "$1" <<'EOF' 2>/dev/null || echo 0
import sys, urllib.error, urllib.request

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

try:
    print(urllib.request.build_opener(NoRedirect).open(sys.argv[1], timeout=10).status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF
}

# Checks of make run and make stop. Without Odoo: the messages name the fix.
# With Odoo: make run serves from the Odoo suite's cluster and database (no
# second install, about 20 s in all); a second make run and a taken HTTP port
# are refused before anything starts, and the first one keeps serving; make
# stop stops it and its PostgreSQL, and a PostgreSQL left by a killed make run.
step_run() {
    local dir=$TMP/pg http pid out url t0=$SECONDS
    CHECKS=0
    printf '#!/bin/sh\nexit 1\n' >"$TMP/no-odoo" && chmod +x "$TMP/no-odoo"
    # timeout: a make run that is not refused would serve until stopped
    out=$(PYTHON=$TMP/no-odoo timeout 60 scripts/run.sh 2>&1)
    check "without Odoo, make run names PYTHON=" refused_with $? "$out" "make run PYTHON=/path/to/that/python"
    out=$(PYTHON=$TMP/no-odoo REQUIRE_ODOO= scripts/test.sh odoo 2>&1)
    check "without Odoo, make test passes and names the fix" \
        ok_with $? "$out" "make test PYTHON=/path/to/python-with-odoo"
    out=$(PYTHON=$TMP/no-odoo REQUIRE_ODOO=1 scripts/test.sh odoo 2>&1)
    check "without Odoo, make test REQUIRE_ODOO=1 fails" refused_with $? "$out" "REQUIRE_ODOO=1"
    if ! odoo_version_ok; then
        no_odoo "make run checks"
        note "run: $CHECKS checks passed"
        return 0
    fi

    http=$(free_port)
    url=http://127.0.0.1:$http/web/login
    say "make run checks: make run, a second make run, a taken port, make stop"
    RUN_DIR=$dir DB=test HTTP_PORT=$http PG_PORT=$(free_port) SMF_TEST_DIR=$TMP \
        setsid scripts/run.sh >"$TMP/run.log" 2>&1 &
    pid=$!
    echo "$pid" >"$TMP/child.pgid"
    for _ in $(seq 180); do
        [ "$(http_status "$url")" = 200 ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    check "make run serves the login page" [ "$(http_status "$url")" = 200 ]

    out=$(RUN_DIR=$dir DB=test HTTP_PORT=$(free_port) PG_PORT=$(free_port) timeout 60 scripts/run.sh 2>&1)
    check "a second make run is refused" refused_with $? "$out" "make run is already running (pid "
    check "the first make run still serves" [ "$(http_status "$url")" = 200 ]
    out=$(RUN_DIR=$TMP/run2 HTTP_PORT=$http timeout 60 scripts/run.sh 2>&1)
    check "a taken HTTP port is refused, naming HTTP_PORT=" refused_with $? "$out" "make run HTTP_PORT="
    check "nothing started for the refused make run" not test -e "$TMP/run2/pgdata"

    out=$(RUN_DIR=$dir timeout 90 scripts/run.sh stop 2>&1)
    check "make stop stops make run" ok_with $? "$out" "stopping make run (pid "
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    check "make run ended" not kill -0 "$pid"
    check "its PostgreSQL stopped" not pg_pid "$dir"
    check "its HTTP port is free" [ "$(http_status "$url")" = 0 ]

    (pg_start "$dir" "$(free_port)") # as if left by a make run killed with kill -9
    out=$(RUN_DIR=$dir timeout 90 scripts/run.sh stop 2>&1)
    check "make stop stops a PostgreSQL left behind" ok_with $? "$out" "stopping PostgreSQL left running"
    check "that PostgreSQL stopped" not pg_pid "$dir"
    note "run: $CHECKS checks passed in $((SECONDS - t0))s (make run, make stop, messages without Odoo)"
    [ "$RC" = 0 ] || tail -n 30 "$TMP/run.log" >&2
}

reap_stale
TMP=$(mktemp -d "${TMP_PREFIX}XXXXXX") || die "cannot create a temporary folder"
chmod 755 "$TMP"
echo $$ >"$TMP/harness.pid"

for step in $STEPS; do
    case $step in
        deps | lint | oca | engine | odoo | run) "step_$step" ;;
        *) die "unknown step '$step' (expected: deps lint oca engine odoo run)" ;;
    esac
done

echo
echo "== summary =="
printf '%s\n' "${SUMMARY[@]}"
[ -z "$RAN" ] || echo "$PASSED passed, $FAILED failed$([ "$SKIPPED" = 0 ] || echo ", $SKIPPED skipped")"
exit "$RC"
