"""Fault drill: a task worker killed with `kill -9` mid-task; the task runs again, once.

    .venv/bin/python bench/fault_task_worker_kill.py

Embedded database (a fresh SQLite file in a temporary directory): enqueues
`ops.tasks.drill_task` (its first run sleeps), starts `manage.py db_worker`, kills it
with SIGKILL while the task runs, shows the row left RUNNING (django-tasks-db has no
lease), runs the periodic jobs once (`run_periodic --once`: ops.tasks.requeue_stale_tasks
with BLOCKDESK_TASK_STALE_SECONDS=1), starts a new worker, and checks the task finished
after exactly two runs. Results: docs/benchmarks/faults.md.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MANAGE = str(REPO / "manage.py")


def django(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout.strip()


def status(env: dict[str, str]) -> str:
    return django(
        env,
        "from django_tasks_db.models import DBTaskResult\n"
        "r = DBTaskResult.objects.get()\nprint(r.status, len(r.worker_ids))",
    )


def worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, MANAGE, "db_worker", "--queue-name", "*", "--interval", "0.2"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(predicate, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)
    return time.monotonic() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        marker = data / "runs.txt"
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO / "src"),
            "DJANGO_SETTINGS_MODULE": "blockdesk.settings",
            "BLOCKDESK_DATA_DIR": str(data),
            "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
            "BLOCKDESK_TASK_STALE_SECONDS": "1",
            "BLOCKDESK_LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        subprocess.run([sys.executable, MANAGE, "migrate", "-v0"], env=env, cwd=REPO, check=True)
        django(
            env,
            f"from blockdesk.ops.tasks import drill_task\n"
            f"drill_task.enqueue(marker={str(marker)!r}, seconds=60)",
        )
        first = worker(env)
        wait_for(lambda: marker.exists(), 120, "the first run")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        print("worker killed mid-task; row:", status(env))
        time.sleep(1.5)
        subprocess.run(
            [sys.executable, MANAGE, "run_periodic", "--once"], env=env, cwd=REPO, check=True
        )
        print("after the stale-task sweep; row:", status(env))
        second = worker(env)
        try:
            took = wait_for(lambda: status(env).startswith("SUCCESSFUL"), 180, "the rerun")
        finally:
            second.terminate()
            second.wait(timeout=30)
        runs = len(marker.read_text().splitlines())
        print(f"rerun finished {took:.1f} s after the new worker started; row: {status(env)}")
        print(f"runs of the task: {runs} (expected 2)")
        if runs != 2:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
