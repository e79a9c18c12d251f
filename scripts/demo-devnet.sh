#!/usr/bin/env bash
# The "Demo devnet" of `make run`: a local ganache chain (127.0.0.1 only) whose transactions
# the demo conversations quote. `start` runs and seeds it (or says in one line why not),
# `stop` ends it. State persists under $BLOCKDESK_DATA_DIR/devnet, so the hashes stay valid.
set -uo pipefail

cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
GANACHE=node_modules/.bin/ganache
PORT=${BLOCKDESK_DEVNET_PORT:-8545}
CHAIN_ID=1337
BLOCK_SECONDS=4  # interval mining: confirmations grow, so "tell me when it arrives" finishes
DIR=${BLOCKDESK_DATA_DIR:-./var}/devnet
PIDFILE=$DIR/ganache.pid
URL=http://127.0.0.1:$PORT

# Our ganache, not whatever process got the pid of one that died without cleaning up.
running() { [ -f "$PIDFILE" ] && ps -p "$(cat "$PIDFILE")" -o args= 2>/dev/null | grep -q ganache; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# Without its node the demo's devnet chain is switched off (an earlier run may have seeded
# it), so that diagnoses do not wait on a dead loopback URL. Quiet when there is nothing to do;
# a failure is reported in one line but does not stop `make run` (the server works without it).
switch_off() {
  local err
  err=$(mktemp)
  if ! "$PY" manage.py seed_devnet --off 2>"$err"; then
    echo "Warning: the demo devnet chain could not be switched off: $(tail -n 1 "$err")" >&2
  fi
  rm -f "$err"
}

start() {
  case "${BLOCKDESK_DEVNET:-true}" in
    false|0|no|off) echo "Demo devnet skipped (BLOCKDESK_DEVNET=${BLOCKDESK_DEVNET})."; switch_off; return 0 ;;
  esac
  if ! command -v node >/dev/null || [ ! -x "$GANACHE" ]; then
    echo "Demo devnet skipped: Node.js or ganache is missing (run \`make node\` to try the transaction diagnosis)."
    switch_off
    return 0
  fi
  mkdir -p "$DIR"
  if running; then
    echo "Demo devnet already running on $URL (pid $(cat "$PIDFILE"))."
  elif port_busy; then
    echo "Demo devnet skipped: port $PORT is in use (set BLOCKDESK_DEVNET_PORT)."
    switch_off
    return 0
  else
    # Loopback only, a fixed mnemonic (ganache's deterministic one) and chain id.
    NODE_OPTIONS=--max-old-space-size=512 "$GANACHE" \
      --server.host 127.0.0.1 --server.port "$PORT" \
      --chain.chainId "$CHAIN_ID" --chain.networkId "$CHAIN_ID" \
      --wallet.deterministic --miner.blockTime "$BLOCK_SECONDS" \
      --database.dbPath "$DIR/chain" --logging.quiet \
      >"$DIR/ganache.log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    for _ in $(seq 300); do port_busy || ! running && break; sleep 0.2; done
    if ! port_busy; then
      echo "Demo devnet skipped: ganache did not start (see $DIR/ganache.log)."
      stop
      switch_off
      return 0
    fi
  fi
  if ! "$PY" manage.py seed_devnet --rpc-url "$URL" --block-time "$BLOCK_SECONDS"; then
    echo "Demo devnet not seeded (see $DIR/ganache.log); everything else works."
    stop
    switch_off
  fi
  return 0
}

stop() {
  if running; then
    local pid
    pid=$(cat "$PIDFILE")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
