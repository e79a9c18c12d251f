"""Service records (RFC 9162 log): append rate, proof latency at 10 million leaves, and
`records verify` time over 1 million entries.

    DATABASE_URL=sqlite:////tmp/records-bench.sqlite3 .venv/bin/python bench/records_bench.py append
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/records_bench \\
        .venv/bin/python bench/records_bench.py append|verify|proofs [--n N]

The database named by DATABASE_URL is migrated and written to: point it at a scratch one.
The Python process is pinned to one core (the database server is a separate process).

- append: real appends through `do_append_records` (batches of 500: one transaction, one
  lock, two bulk inserts) and through `do_append_record` one by one.
- verify: N real entries appended through the service (batches of 5,000, a signed tree
  head every 100,000), then `verify_log` over all of them.
- proofs: a synthetic log. Its node rows (every complete subtree, level 0 = leaf hashes of
  SHA-256 over the leaf number) are computed with the same `merkle.Frontier` the service
  uses and written with COPY (PostgreSQL) or executemany (SQLite); no RecordEntry rows, so
  it times the proof itself (`selectors.inclusion_proof` / `consistency_proof`: one
  primary-key IN query plus hashing), not the leaf-hash lookup.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")

import argparse
import hashlib
import random
import resource
import statistics
import time

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from blockdesk.accounts.models import Account  # noqa: E402
from blockdesk.records import merkle, selectors, services  # noqa: E402
from blockdesk.records.models import RecordLog  # noqa: E402
from blockdesk.records.services import RecordIn  # noqa: E402
from blockdesk.records.verify import verify_log  # noqa: E402


def _records(start: int, count: int) -> list[RecordIn]:
    kinds = ["opened", "assigned", "reply", "reply", "status", "resolved"]
    return [
        RecordIn(
            case_ref=f"conv-{(start + i) // 6}",
            kind=kinds[(start + i) % 6],
            fields={"agent": "alice", "message_sha256": f"{start + i:064x}", "status": "open"},
        )
        for i in range(count)
    ]


def bench_append(n: int) -> None:
    account = Account.objects.create(name="bench append")
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, n, 500):
        services.do_append_records(account=account, records=_records(start, 500))
    batch, batch_cpu = time.perf_counter() - t0, time.process_time() - c0
    single_n = 500
    other = Account.objects.create(name="bench single")
    t0 = time.perf_counter()
    for r in _records(0, single_n):
        services.do_append_record(account=other, case_ref=r.case_ref, kind=r.kind, fields=r.fields)
    single = time.perf_counter() - t0
    print(
        f"[{connection.vendor}] batch append: {n} leaves in {batch:.2f} s = "
        f"{n / batch:,.0f} leaves/s (app process CPU {batch_cpu:.2f} s = "
        f"{n / batch_cpu:,.0f} leaves per CPU-second)"
    )
    print(
        f"[{connection.vendor}] one-by-one append: {single_n} in {single:.2f} s = "
        f"{single_n / single:,.0f} leaves/s"
    )


def bench_verify(n: int) -> None:
    account = Account.objects.create(name="bench verify")
    t0 = time.perf_counter()
    for start in range(0, n, 5000):
        services.do_append_records(account=account, records=_records(start, min(5000, n - start)))
        if (start + 5000) % 100_000 == 0:
            services.do_sign_tree_head(account=account)
    services.do_sign_tree_head(account=account)
    fill = time.perf_counter() - t0
    print(f"[{connection.vendor}] filled {n} entries in {fill:.0f} s ({n / fill:,.0f}/s)")
    log = RecordLog.objects.get(account=account)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    report = verify_log(log)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"[{connection.vendor}] verify: {report.entries} entries, {report.nodes} nodes, "
        f"{report.tree_heads} tree heads in {took:.1f} s; max RSS {after / 1024:.0f} MiB "
        f"(+{(after - before) / 1024:.0f} MiB during verify)"
    )
    leaf = bytes(log.entries.get(index=n // 2).leaf_hash)
    times = []
    for _ in range(200):
        t = time.perf_counter()
        entry = selectors.entry_by_leaf_hash(log=log, leaf_hash=leaf)
        selectors.inclusion_proof(log=log, index=entry.index, tree_size=log.size)
        times.append((time.perf_counter() - t) * 1000)
    print(f"[{connection.vendor}] proof by leaf hash at {n}: p50 {_pct(times, 50):.2f} ms")


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else values[0]


def _synthetic_nodes(n: int):  # type: ignore[no-untyped-def]
    frontier = merkle.Frontier()
    sha = hashlib.sha256
    for i in range(n):
        leaf = sha(b"\x00" + sha(i.to_bytes(8, "big")).digest()).digest()
        yield from frontier.append(leaf)
    yield ("root", frontier.root())


def bench_proofs(n: int, reuse: bool) -> None:
    existing = RecordLog.objects.filter(size=n, public_id__startswith=f"log_bench_{n}_")
    if reuse and existing.exists():
        log = existing.order_by("-id").first()
        assert log is not None
        print(f"[{connection.vendor}] reusing the synthetic log of {n:,} leaves")
        _time_proofs(log, n, bytes(log.root_hash))
        return
    account = Account.objects.create(name="bench proofs")
    log = RecordLog.objects.create(
        account=account, public_id=f"log_bench_{n}_{time.time_ns()}", size=n, root_hash=b"\x00" * 32
    )
    t0 = time.perf_counter()
    root = b""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        with (
            raw.cursor() as cur,
            cur.copy("COPY records_recordnode (log_id, level, index, hash) FROM STDIN") as copy,
        ):
            for row in _synthetic_nodes(n):
                if row[0] == "root":
                    root = row[1]
                    break
                copy.write_row((log.pk, row[0], row[1], row[2]))
        raw.commit()
        with connection.cursor() as cur:
            cur.execute("ANALYZE records_recordnode")
    else:
        batch: list[tuple[int, int, int, bytes]] = []
        with connection.cursor() as cur:
            for row in _synthetic_nodes(n):
                if row[0] == "root":
                    root = row[1]
                    break
                batch.append((log.pk, row[0], row[1], row[2]))
                if len(batch) >= 50_000:
                    cur.executemany(
                        'INSERT INTO records_recordnode (log_id, level, "index", hash) '
                        "VALUES (%s, %s, %s, %s)",
                        batch,
                    )
                    batch.clear()
            if batch:
                cur.executemany(
                    'INSERT INTO records_recordnode (log_id, level, "index", hash) '
                    "VALUES (%s, %s, %s, %s)",
                    batch,
                )
    RecordLog.objects.filter(pk=log.pk).update(root_hash=root)
    log.refresh_from_db()
    print(
        f"[{connection.vendor}] synthetic log of {n:,} leaves written in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    _time_proofs(log, n, root)


def _time_proofs(log: RecordLog, n: int, root: bytes) -> None:
    rng = random.Random(9162)
    inc, con = [], []
    for _ in range(1000):
        i = rng.randrange(n)
        t = time.perf_counter()
        proof = selectors.inclusion_proof(log=log, index=i, tree_size=n)
        inc.append((time.perf_counter() - t) * 1000)
        leaf = hashlib.sha256(b"\x00" + hashlib.sha256(i.to_bytes(8, "big")).digest()).digest()
        assert merkle.verify_inclusion(i, n, leaf, proof, root)
    for _ in range(1000):
        m = rng.randrange(1, n)
        t = time.perf_counter()
        proof = selectors.consistency_proof(log=log, first=m, second=n)
        con.append((time.perf_counter() - t) * 1000)
        old = selectors.root_at(log=log, size=m)
        assert merkle.verify_consistency(m, n, proof, old, root)
    for name, times in (("inclusion", inc), ("consistency", con)):
        print(
            f"[{connection.vendor}] {name} proof at {n:,} leaves (1000 random, each verified): "
            f"p50 {_pct(times, 50):.2f} ms, p95 {_pct(times, 95):.2f} ms, "
            f"p99 {_pct(times, 99):.2f} ms, max {max(times):.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["append", "verify", "proofs"])
    parser.add_argument("--n", type=int)
    parser.add_argument("--reuse", action="store_true", help="proofs: time an existing log")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    call_command("migrate", verbosity=0)
    if args.what == "append":
        bench_append(args.n or 20_000)
    elif args.what == "verify":
        bench_verify(args.n or 1_000_000)
    else:
        bench_proofs(args.n or 10_000_000, args.reuse)


if __name__ == "__main__":
    main()
