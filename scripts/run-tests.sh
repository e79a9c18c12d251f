#!/usr/bin/env bash
# Runs the SQLite pass and the PostgreSQL + Redis pass at the same time: both spend much of
# their time waiting on live servers, browsers and EVM nodes, so together they take little
# longer than the slower one. Each gets its own data directory (KB indexes, models, mail);
# their ports are picked free and their databases differ. Output is printed pass by pass.
# Usage: PY=... PG_ENV="DATABASE_URL=... REDIS_URL=... BLOCKDESK_TEST_DB_ONLY=1" run-tests.sh [pytest args]
set -u
PY=${PY:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sqlite-data" "$work/pg-data"

BLOCKDESK_DATA_DIR="$work/sqlite-data" "$PY" -m pytest -q --durations=15 "$@" >"$work/sqlite.log" 2>&1 &
sqlite_pid=$!
# shellcheck disable=SC2086  # PG_ENV is a list of NAME=value words
env $PG_ENV BLOCKDESK_DATA_DIR="$work/pg-data" "$PY" -m pytest -q --durations=15 "$@" >"$work/pg.log" 2>&1
pg_status=$?
wait "$sqlite_pid"
sqlite_status=$?

echo "== pytest on SQLite =="
cat "$work/sqlite.log"
echo "== pytest on PostgreSQL + Redis (tests that touch a database or a service) =="
cat "$work/pg.log"
if [ "$sqlite_status" -ne 0 ] || [ "$pg_status" -ne 0 ]; then
  echo "FAILED: SQLite pass exit $sqlite_status, PostgreSQL pass exit $pg_status" >&2
  exit 1
fi
