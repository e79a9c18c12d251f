#!/usr/bin/env bash
# Runs the SQLite pass and the PostgreSQL + Redis pass at the same time: both spend much of
# their time waiting on live servers, browsers and EVM nodes, so together they take little
# longer than the slower one. The SQLite pass (every test) is the longer one, so without
# test paths it runs as two processes over alternate test folders. Each process gets its
# own data directory (KB indexes, models, mail); ports are picked free and databases
# differ. Output is printed process by process.
# Usage: PY=... PG_ENV="DATABASE_URL=... REDIS_URL=... BLOCKDESK_TEST_DB_ONLY=1" run-tests.sh [pytest args]
set -u
PY=${PY:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sqlite-a" "$work/sqlite-b" "$work/pg-data"

# Test paths given (make test PYTEST_ARGS=tests/kb): one SQLite process runs them all.
paths_given=false
for arg in "$@"; do case "$arg" in -*) ;; *) paths_given=true ;; esac; done
half_a=() half_b=()
if ! $paths_given; then
  i=0
  for dir in tests/*/; do
    dir=${dir%/}
    case "$dir" in tests/support|tests/__pycache__) continue ;; esac
    if [ $((i % 2)) -eq 0 ]; then half_a+=("$dir"); else half_b+=("$dir"); fi
    i=$((i + 1))
  done
  half_b+=(tests/test_*.py)
fi

BLOCKDESK_DATA_DIR="$work/sqlite-a" "$PY" -m pytest -q --durations=15 "$@" ${half_a[@]+"${half_a[@]}"} \
  >"$work/sqlite-a.log" 2>&1 &
sqlite_a_pid=$!
sqlite_b_pid=""
if ! $paths_given; then
  BLOCKDESK_DATA_DIR="$work/sqlite-b" "$PY" -m pytest -q --durations=15 "$@" "${half_b[@]}" \
    >"$work/sqlite-b.log" 2>&1 &
  sqlite_b_pid=$!
fi
# shellcheck disable=SC2086  # PG_ENV is a list of NAME=value words
env $PG_ENV BLOCKDESK_DATA_DIR="$work/pg-data" "$PY" -m pytest -q --durations=15 "$@" >"$work/pg.log" 2>&1
pg_status=$?
wait "$sqlite_a_pid"
sqlite_status=$?
if [ -n "$sqlite_b_pid" ]; then
  wait "$sqlite_b_pid" || sqlite_status=1
fi

echo "== pytest on SQLite =="
cat "$work/sqlite-a.log"
if [ -n "$sqlite_b_pid" ]; then
  echo "== pytest on SQLite, second half =="
  cat "$work/sqlite-b.log"
fi
echo "== pytest on PostgreSQL + Redis (tests that touch a database or a service) =="
cat "$work/pg.log"
if [ "$sqlite_status" -ne 0 ] || [ "$pg_status" -ne 0 ]; then
  echo "FAILED: SQLite pass exit $sqlite_status, PostgreSQL pass exit $pg_status" >&2
  exit 1
fi
