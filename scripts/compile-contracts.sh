#!/usr/bin/env bash
# Regenerate contracts/build/*.json (ABI + bytecode) from contracts/*.sol with solc-js.
# The artifacts are committed: tests deploy them and never need a compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/solc ] || npm ci --no-audit --no-fund
node contracts/compile.cjs
