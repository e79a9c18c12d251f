#!/usr/bin/env bash
# An S3-compatible server on loopback for the object-storage tests and for trying the
# scale-out storage locally.
#
# Which server: MinIO's server is neither a Debian package nor on PyPI (PyPI's `minio` is
# only its client SDK), and nothing may be downloaded from elsewhere, so this runs moto's
# server mode (`moto_server`, from the `moto[server]` dev dependency): a real HTTP server
# speaking the S3 REST API (signed requests, multipart, ranges), in memory. When a
# `minio` binary is on PATH (an operator's own install) it is used instead.
#
# Usage: ensure-s3.sh PORT [DATA_DIR]   - starts it in the background on 127.0.0.1:PORT,
#        waits until it answers, prints "S3: <kind> http://127.0.0.1:PORT pid=<pid>".
# Without a server: exit 1 under CI=true, else exit 3 with the reason (tests skip).
set -u
port=${1:?usage: ensure-s3.sh PORT [DATA_DIR]}
data=${2:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)
moto="$here/.venv/bin/moto_server"
[ -x "$moto" ] || moto=$(command -v moto_server || true)

if command -v minio >/dev/null 2>&1; then
  kind=minio
  MINIO_ROOT_USER=${BLOCKDESK_S3_ACCESS_KEY:-blockdesk} \
  MINIO_ROOT_PASSWORD=${BLOCKDESK_S3_SECRET_KEY:-blockdesk-secret} \
    minio server --address "127.0.0.1:$port" "$data" >"$data/s3.log" 2>&1 &
elif [ -n "$moto" ]; then
  kind=moto
  "$moto" -H 127.0.0.1 -p "$port" >"$data/s3.log" 2>&1 &
else
  echo "S3: no server (install the dev dependencies: pip install -e '.[dev]')"
  [ "${CI:-}" = "true" ] && exit 1
  exit 3
fi
pid=$!
for _ in $(seq 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null \
     || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "S3: $kind http://127.0.0.1:$port pid=$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
echo "S3: $kind did not start (log: $data/s3.log)"
kill "$pid" 2>/dev/null
[ "${CI:-}" = "true" ] && exit 1
exit 3
