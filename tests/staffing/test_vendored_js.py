"""The chart library is served from static (no CDN) and is the npm package the lockfile
pins: a copy of node_modules/chart.js/dist/chart.umd.min.js (scripts/vendor-js.sh)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "src/blockdesk/static/vendor/chartjs/chart.umd.min.js"


def test_vendored_chartjs_is_the_locked_version():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/chart.js"]["version"]
    assert json.loads((ROOT / "package.json").read_text())["dependencies"]["chart.js"] == version
    assert f"Chart.js v{version}" in VENDORED.read_text(encoding="utf-8")[:200]


def test_vendored_chartjs_matches_node_modules():
    installed = ROOT / "node_modules/chart.js/dist/chart.umd.min.js"
    if not installed.exists():
        pytest.skip("npm packages not installed (make node)")
    assert installed.read_bytes() == VENDORED.read_bytes(), "run scripts/vendor-js.sh"
