"""Idle memory of a web worker: RSS after Django's set-up, the ASGI application and the URL
routes are loaded (what uvicorn's worker does before its first request), and which heavy
libraries are in memory at that point.

    .venv/bin/python bench/worker_memory.py [--json]
    .venv/bin/python bench/worker_memory.py --then numpy blockdesk.assistant.nlu.model

    .venv/bin/python bench/worker_memory.py --serve-tree [--workers 2] [--load-sessions 200]
    .venv/bin/python bench/worker_memory.py --serve-tree --root /path/to/other/checkout

--then MODULE… imports those modules afterwards and prints the RSS after each (the cost
of a feature that loads its library on first use). Each measure runs in a fresh
interpreter, so the bench's own imports do not count.

--serve-tree measures the whole embedded stack instead: `manage.py serve --workers N` (task
worker, periodic jobs and dispatcher on, SQLite, no Redis) on a fresh migrated database,
waits for /readyz, and sums the RSS of the process tree (the process started and every
descendant), idle; with --load-sessions S it then runs bench/widget_load.py against it
(S visitors, 3 messages each, at 100 msg/s; deliveries across workers need Redis, so its
delivery figures mean nothing here) and measures the tree again. --root serves another
checkout's code (the same venv), for a before/after. Results: docs/benchmarks.md, "Memory".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
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


def _tree(pid: int) -> dict[int, tuple[str, float]]:
    """pid → (command line, RSS MB) of `pid` and all its live descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    wanted, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in wanted:
                wanted.add(child)
                frontier.append(child)
    tree: dict[int, tuple[str, float]] = {}
    for member in sorted(wanted):
        try:
            cmd = Path(f"/proc/{member}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        rss = next(
            (int(x.split()[1]) / 1024 for x in status.splitlines() if x.startswith("VmRSS:")), 0.0
        )
        tree[member] = (cmd.strip(), rss)
    return tree


def _print_tree(label: str, tree: dict[int, tuple[str, float]]) -> float:
    total = sum(rss for _cmd, rss in tree.values())
    print(f"{label}: {total:7.1f} MB in {len(tree)} processes (load average {os.getloadavg()})")
    for member, (cmd, rss) in tree.items():
        print(f"  {member:>7} {rss:7.1f} MB  {cmd[:110]}")
    return total


def serve_tree(
    root: Path, workers: int, load_sessions: int, keep_log: Path | None = None
) -> dict[str, object]:
    import httpx
    from bench.widget_load import PASSWORD, SEED
    from tests.support.live_server import free_port, migrate, run_django, server_env, sqlite_url

    with tempfile.TemporaryDirectory(prefix="bd-memtree-") as tmp:
        data = Path(tmp)
        env = server_env(
            database_url=sqlite_url(data / "bench.sqlite3"),
            data_dir=data / "data",
            extra={
                "BLOCKDESK_EMBEDDED_WORKER": "true",
                "BLOCKDESK_PUBLIC_RATE_LIMIT": "1000000000",
                "BLOCKDESK_ACCESS_LOG": "false",
                "PYTHONPATH": str(root / "src"),
            },
        )
        migrate(env)
        token = json.loads(run_django(env, SEED).strip().splitlines()[-1])["token"]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (data / "serve.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                str(root / "manage.py"),
                "serve",
                "--workers",
                str(workers),
                "--port",
                str(port),
            ],
            env={**env, "BLOCKDESK_PUBLIC_URL": base},
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        result: dict[str, object] = {"root": str(root), "workers": workers}
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(1)
            else:
                raise SystemExit("server not ready:\n" + (data / "serve.log").read_text()[-3000:])
            time.sleep(10)  # let every worker finish its start-up
            result["idle_mb"] = _print_tree("idle tree", _tree(process.pid))
            if load_sessions:
                subprocess.run(
                    [
                        sys.executable,
                        str(ROOT / "bench" / "widget_load.py"),
                        "--url",
                        base,
                        "--token",
                        token,
                        "--password",
                        PASSWORD,
                        "--sessions",
                        str(load_sessions),
                        "--messages",
                        "3",
                        "--rate",
                        "100",
                        "--timeout",
                        "5",
                    ],
                    cwd=ROOT,
                    env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                    check=False,
                )
                time.sleep(5)
                result["after_load_mb"] = _print_tree("tree after the load", _tree(process.pid))
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
            if keep_log is not None:
                keep_log.write_bytes((data / "serve.log").read_bytes())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--then", nargs="*", default=[], metavar="MODULE")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve-tree", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load-sessions", type=int, default=0)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--keep-log", type=Path, default=None, help="copy the server's log here")
    args = parser.parse_args()
    if args.serve_tree:
        tree = serve_tree(args.root.resolve(), args.workers, args.load_sessions, args.keep_log)
        if args.json:
            print(json.dumps(tree))
        return
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
