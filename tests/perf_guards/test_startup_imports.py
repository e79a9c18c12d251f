"""A web worker loads the URL routes and the ASGI app at start-up; the heavy libraries
(numpy, SciPy, scikit-learn, pandas, statsmodels, eth_account, icalendar) must wait until a
feature uses them, or every idle worker carries ~130 MB it may never need (issue: a web
worker idled at ~190 MB; docs/benchmarks.md, "Memory"). Run in a fresh interpreter: this
test process has long imported them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("numpy", "scipy", "sklearn", "pandas", "statsmodels", "eth_account", "icalendar")

_PROBE = """
import json, sys
import django
django.setup()
import blockdesk.asgi
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def test_serving_does_not_import_the_heavy_libraries_until_used() -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="blockdesk.settings")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"imported at start-up: {loaded}"


def test_the_lazy_names_still_resolve() -> None:
    """The lazy re-exports load what they promise when asked."""
    from blockdesk.assistant import nlu
    from blockdesk.common import eth

    assert nlu.IntentModel.__name__ == "IntentModel"
    assert callable(nlu.detect_language)
    assert eth.Account.__name__ == "Account"
    assert callable(eth.encode_defunct)
