#!/usr/bin/env bash
# Runs the SQLite pass (every test) and the PostgreSQL + Redis pass (BLOCKDESK_TEST_DB_ONLY:
# the tests that touch a database or a service) at the same time, each spread over
# pytest-xdist workers. Much of the suite waits on live servers, browsers, EVM nodes and
# mail servers, so more workers than cores keeps the cores busy; see docs/testing.md for
# the measurements behind the defaults.
#
# Isolation (docs/testing.md): each pass has its own data directory and each worker its own
# subdirectory and Redis key prefix (tests/xdist_worker.py, loaded with -p before Django
# reads its settings); SQLite test databases are in memory per worker, PostgreSQL ones get
# pytest-django's per-worker suffix; live servers, EVM nodes and mail servers pick free
# ports. --dist loadfile keeps each test file on one worker, so module-scoped fixtures
# (live servers, browsers) start once.
#
# Output is printed pass by pass, each whole, once both are done.
# Usage: PY=... PG_ENV="DATABASE_URL=... REDIS_URL=... BLOCKDESK_TEST_DB_ONLY=1" run-tests.sh [pytest args]
# Workers per pass: TEST_WORKERS_SQLITE / TEST_WORKERS_PG (default: the number of cores,
# at least 2, and one more for the SQLite pass); `-n 0` in the pytest args runs a pass in
# one process.
set -u
PY=${PY:-.venv/bin/python}
PG_ENV=${PG_ENV:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sqlite-data" "$work/pg-data"

# Bytecode: with PYTHONDONTWRITEBYTECODE=1 (set on these machines) every pytest worker and
# every server or command a test starts compiled the project from source, and pytest
# rewrote every test module's asserts anew: collection took 23 s of CPU a worker instead
# of 11, a Django process start 2.8 s instead of 2.1 (docs/testing.md). Compiled once
# here, each process then reads the cached bytecode (__pycache__ is git-ignored).
unset PYTHONDONTWRITEBYTECODE
"$PY" -m compileall -q -j0 src tests >/dev/null || echo "compileall found errors: the tests will show them"

cores=$(nproc 2>/dev/null || echo 2)
[ "$cores" -lt 2 ] && cores=2
# One more worker for the SQLite pass: it holds every test and was the long pole (ci-60:
# 674 s against the PostgreSQL pass's 572 with two each; with three, 625 and 645 s).
sqlite_workers=${TEST_WORKERS_SQLITE:-$((cores + 1))}
pg_workers=${TEST_WORKERS_PG:-$cores}

# The caller's arguments go last, so a `-n`/`--dist` given there wins.
common=(-p tests.xdist_worker --dist loadfile -q --durations=25)

start=$(date +%s)
# BLOCKDESK_TEST_PASS: the SQLite pass leaves the `postgres_pass` tests to the other pass.
BLOCKDESK_TEST_PASS=sqlite BLOCKDESK_DATA_DIR="$work/sqlite-data" \
  "$PY" -m pytest "${common[@]}" -n "$sqlite_workers" "$@" >"$work/sqlite.log" 2>&1 &
sqlite_pid=$!
# shellcheck disable=SC2086  # PG_ENV is a list of NAME=value words
env $PG_ENV BLOCKDESK_DATA_DIR="$work/pg-data" \
  "$PY" -m pytest "${common[@]}" -n "$pg_workers" "$@" >"$work/pg.log" 2>&1 &
pg_pid=$!
wait "$sqlite_pid"
sqlite_status=$?
wait "$pg_pid"
pg_status=$?

echo "== pytest on SQLite ($sqlite_workers workers) =="
cat "$work/sqlite.log"
echo "== pytest on PostgreSQL + Redis, tests that touch a database or a service ($pg_workers workers) =="
cat "$work/pg.log"
echo "== both passes: $(($(date +%s) - start)) s =="
if [ "$sqlite_status" -ne 0 ] || [ "$pg_status" -ne 0 ]; then
  echo "FAILED: SQLite pass exit $sqlite_status, PostgreSQL pass exit $pg_status" >&2
  exit 1
fi
