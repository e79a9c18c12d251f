#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on loopback, starting them when they are
# installed but down. In CI (CI=true) a missing service is an error; elsewhere the
# tests that need it skip with a printed reason.
set -u
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up && command -v pg_ctlcluster >/dev/null; then
  ver=$(ls /etc/postgresql 2>/dev/null | head -1)
  [ -n "$ver" ] && pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null
  for _ in $(seq 20); do pg_up && break; sleep 0.5; done
fi
if ! redis_up && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log 2>/dev/null \
    || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 20); do redis_up && break; sleep 0.5; done
fi
status=0
pg_up && echo "PostgreSQL: up" || { echo "PostgreSQL: DOWN"; status=1; }
redis_up && echo "Redis: up" || { echo "Redis: DOWN"; status=1; }
if [ "$status" != 0 ] && [ "${CI:-}" = "true" ]; then
  echo "CI needs PostgreSQL and Redis on 127.0.0.1" >&2
  exit 1
fi
exit 0
