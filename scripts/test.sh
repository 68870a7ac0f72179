#!/usr/bin/env bash
# `make test`: test requirements, lint, engine tests, then (when $PYTHON
# imports Odoo 18) the Odoo suite against a throwaway PostgreSQL cluster.
# Usage: scripts/test.sh [deps] [lint] [engine] [odoo]    (default: all four)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS_NAME="test"
# shellcheck source=scripts/pg.sh
. "$ROOT/scripts/pg.sh"
cd "$ROOT" || exit

STEPS=${*:-deps lint engine odoo}
# Installed beside the add-on in the test database: website_sale, whose extra
# product images feeds include, and which a shop selling online often has.
# TEST_WITH= (empty) tests the add-on alone, faster (that test is skipped).
TEST_WITH=${TEST_WITH-website_sale}
TMP_PREFIX=${TMPDIR:-/tmp}/smf-test.
SUMMARY=() PASSED=0 FAILED=0 SKIPPED=0 RC=0 TMP="" RAN=""

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
    say "lint: ruff check, ruff format --check, pylint-odoo (mandatory checks)"
    mapfile -t files < <(find . -name '*.py' -not -path './.*' -not -path './scripts/*' | sort)
    "$PYTHON" -m ruff check . || failed+=("ruff check")
    "$PYTHON" -m ruff format --check . || failed+=("ruff format --check")
    "$PYTHON" -m pylint --rcfile=.pylintrc "${files[@]}" || failed+=("pylint-odoo")
    if [ ${#failed[@]} = 0 ]; then note "lint: ok (ruff, ruff format, pylint-odoo)"
    else fail "lint: FAILED: ${failed[*]}"; fi
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

step_odoo() {
    local addon db=test t0
    if ! odoo_version_ok; then
        note "Odoo 18 not importable by $PYTHON: Odoo suite skipped"
        return 0
    fi
    ensure_chromium || return 1
    pg_start "$TMP/pg" "$(free_port)" -c fsync=off -c synchronous_commit=off -c full_page_writes=off
    addons_link "$TMP"
    addon=$ADDONS_DIR/$MODULE
    write_odoo_conf "$TMP/odoo.conf" "$db" "$TMP/data" "$(free_port)"

    say "installing $MODULE${TEST_WITH:+ and $TEST_WITH} with demo data into a fresh database (log: install.log)"
    t0=$SECONDS
    if ! run_in "$TMP/install.log" "$PYTHON" -m odoo -c "$TMP/odoo.conf" -d "$db" \
        -i "$MODULE${TEST_WITH:+,$TEST_WITH}" --stop-after-init --log-level=warn >/dev/null ||
        grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$TMP/install.log"; then
        tail -n 60 "$TMP/install.log" >&2
        fail "odoo: FAILED: installing $MODULE failed (errors above)"
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

reap_stale
TMP=$(mktemp -d "${TMP_PREFIX}XXXXXX") || die "cannot create a temporary folder"
chmod 755 "$TMP"
echo $$ >"$TMP/harness.pid"

for step in $STEPS; do
    case $step in
        deps | lint | engine | odoo) "step_$step" ;;
        *) die "unknown step '$step' (expected: deps lint engine odoo)" ;;
    esac
done

echo
echo "== summary =="
printf '%s\n' "${SUMMARY[@]}"
[ -z "$RAN" ] || echo "$PASSED passed, $FAILED failed$([ "$SKIPPED" = 0 ] || echo ", $SKIPPED skipped")"
exit "$RC"
