#!/usr/bin/env bash
# Copies the browser builds of the npm packages the console serves into static/vendor/
# (after `npm ci`; tests/staffing/test_vendored_js.py checks the copy matches the lockfile).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p src/blockdesk/static/vendor/chartjs
cp node_modules/chart.js/dist/chart.umd.min.js src/blockdesk/static/vendor/chartjs/
cp node_modules/chart.js/LICENSE.md src/blockdesk/static/vendor/chartjs/
