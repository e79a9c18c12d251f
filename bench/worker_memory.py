"""Idle memory of a web worker: RSS after Django's set-up, the ASGI application and the URL
routes are loaded (what uvicorn's worker does before its first request), and which heavy
libraries are in memory at that point.

    .venv/bin/python bench/worker_memory.py [--json]
    .venv/bin/python bench/worker_memory.py --then numpy blockdesk.assistant.nlu.model

--then MODULE… imports those modules afterwards and prints the RSS after each (the cost
of a feature that loads its library on first use). Each measure runs in a fresh
interpreter, so the bench's own imports do not count. Results: docs/benchmarks.md,
"Memory".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "numpy",
    "scipy",
    "sklearn",
    "pandas",
    "statsmodels",
    "eth_account",
    "icalendar",
    "telegram",
    "discord",
    "boto3",
    "tokenizers",
)

_PROBE = r"""
import json, sys
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
out = {"python": rss_mb()}
import django
django.setup()
out["django_setup"] = rss_mb()
import blockdesk.asgi
from django.urls import get_resolver
get_resolver().url_patterns
out["idle_worker"] = rss_mb()
out["modules"] = len(sys.modules)
out["heavy_loaded"] = sorted(m for m in HEAVY if m in sys.modules)
import importlib
out["then"] = []
for name in THEN:
    importlib.import_module(name)
    out["then"].append([name, rss_mb()])
print(json.dumps(out))
"""


def measure(then: list[str]) -> dict[str, object]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="blockdesk.settings")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    code = f"HEAVY = {HEAVY!r}\nTHEN = {then!r}\n" + _PROBE
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--then", nargs="*", default=[], metavar="MODULE")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.then)
    if args.json:
        print(json.dumps(result))
        return
    print(f"python alone        {result['python']:7.1f} MB")
    print(f"after django.setup  {result['django_setup']:7.1f} MB")
    print(f"idle web worker     {result['idle_worker']:7.1f} MB ({result['modules']} modules)")
    print(f"heavy libraries in memory: {', '.join(result['heavy_loaded']) or 'none'}")  # type: ignore[arg-type]
    for name, mb in result["then"]:  # type: ignore[attr-defined]
        print(f"  then {name:40s} {mb:7.1f} MB")


if __name__ == "__main__":
    main()
