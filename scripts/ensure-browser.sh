#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
set -u
if command -v chromium >/dev/null; then echo "Chromium: $(chromium --version 2>/dev/null)"; exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || true
fi
if command -v chromium >/dev/null; then echo "Chromium: installed"; exit 0; fi
if [ "${CI:-}" = "true" ]; then echo "CI needs chromium (apt-get install chromium)" >&2; exit 1; fi
echo "Chromium not available: browser tests will skip"
