"""What emit() adds to a write: one validated INSERT into the event log.

    .venv/bin/python bench/event_emit.py                       # SQLite (a fresh temp file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/event_emit.py

Each database is fresh (a temp SQLite file, or a new PostgreSQL database next to the one
DATABASE_URL names) and migrated first. Two figures, medians of 5 rounds:
- emit: N emits inside open transactions (100 per commit): validation + INSERT, µs each;
- added: a small change (UPDATE of one row, committed) with and without one emit; the
  difference is what a request pays, commit included.
Wall time and this process's CPU (the database server's CPU is not in "cpu" on PostgreSQL).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]
N = 2000
ROUNDS = 5


def child() -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from pydantic import BaseModel

    from blockdesk.accounts.models import Account
    from blockdesk.events.registry import Actor, Subject, register_event_type
    from blockdesk.events.services import emit

    class StatusChanged(BaseModel):
        conversation_id: int
        old: str
        new: str

    register_event_type(
        name="bench.status_changed", version=1, description="bench", payload=StatusChanged
    )
    account = Account.objects.create(name="bench")

    def one(i: int) -> None:
        emit(
            account_id=account.pk,
            name="bench.status_changed",
            payload=StatusChanged(conversation_id=i, old="open", new="resolved"),
            actor=Actor.agent(1),
            subject=Subject("conversation", i),
        )

    def emits() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, N, 100):
            with transaction.atomic():
                for i in range(start, start + 100):
                    one(i)
        return (time.perf_counter() - wall) / N * 1e6, (time.process_time() - cpu) / N * 1e6

    def writes(with_emit: bool) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(N // 4):
            with transaction.atomic():
                Account.objects.filter(pk=account.pk).update(name=f"bench {i}")
                if with_emit:
                    one(i)
        return (time.perf_counter() - wall) / (N // 4) * 1e6, (time.process_time() - cpu) / (
            N // 4
        ) * 1e6

    emit_runs = [emits() for _ in range(ROUNDS)]
    plain = [writes(False) for _ in range(ROUNDS)]
    with_event = [writes(True) for _ in range(ROUNDS)]

    def med(runs: list[tuple[float, float]], k: int) -> float:
        return statistics.median(r[k] for r in runs)

    print(
        f"| {connection.vendor} | emit: {med(emit_runs, 0):.0f} µs wall, "
        f"{med(emit_runs, 1):.0f} µs cpu | change alone {med(plain, 0):.0f} µs, "
        f"with an event {med(with_event, 0):.0f} µs: +{med(with_event, 0) - med(plain, 0):.0f}"
        f" µs wall, +{med(with_event, 1) - med(plain, 1):.0f} µs cpu |"
    )


def main() -> None:
    from tests.support.live_server import migrate, server_env, temp_database

    with (
        tempfile.TemporaryDirectory() as tmp,
        temp_database(base_url=os.environ.get("DATABASE_URL"), directory=Path(tmp)) as url,
    ):
        env = server_env(database_url=url, data_dir=Path(tmp) / "data")
        env["BLOCKDESK_DB_POOL"] = "false"
        migrate(env)
        subprocess.run([sys.executable, __file__, "--child"], env=env, check=True, cwd=REPO)


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
