"""What each event consumer costs per event, and how long it holds SQLite's one writer.

    .venv/bin/python bench/consumer_cost.py [--conversations 100] [--messages 5]
        [--postgres URL] [--redis URL]

In process: widget visitors open cases and send follow-ups through the ASGI application
(no consumer runs meanwhile), then every consumer drains the log on its own, one after
another, as the dispatcher would hand it batches. Prints per consumer: events, CPU ms per
event, wall ms per event and, on SQLite, the milliseconds per event its transactions held
the database's writer (what every other writer, a widget POST included, waits behind in
the embedded deployment). The writer time is taken by timing the SQLite backend's own
writer lock in this process (bench only; the backend is not changed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from bench.widget_send_cpu import _setup, machine_speed_ms  # noqa: E402

TEXTS = [
    "I sent USDT on the wrong network, help",
    "my withdrawal of 2.5 ETH is stuck for hours, tx "
    "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060",
    "this is ridiculous, I have been waiting all day and nobody answers",
    "充值没有到账，已经过了三个小时",
    "thanks, that worked!",
]


class WriterClock:
    """Seconds the SQLite writer was held in this process, by whoever was running."""

    def __init__(self) -> None:
        self.held = 0.0
        self._since: float | None = None

    def install(self) -> None:
        from blockdesk.common.sqlite_backend import base

        clock = self
        start = base.DatabaseWrapper._start_transaction_under_autocommit
        release = base.DatabaseWrapper._release_writer

        def timed_start(self: Any) -> None:
            start(self)
            clock._since = time.perf_counter()

        def timed_release(self: Any) -> None:
            if self._holds_writer and clock._since is not None:
                clock.held += time.perf_counter() - clock._since
                clock._since = None
            release(self)

        base.DatabaseWrapper._start_transaction_under_autocommit = timed_start  # type: ignore[method-assign]
        base.DatabaseWrapper._release_writer = timed_release  # type: ignore[method-assign]


async def _send_all(token: str, conversations: int, messages: int) -> None:
    import httpx

    from blockdesk.asgi import application

    transport = httpx.ASGITransport(app=application)
    base = f"/widget/api/{token}/"
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for c in range(conversations):
            r = await client.post(base + "session", json={"locale": "en"})
            assert r.status_code == 201, r.text
            headers = {"Authorization": f"Bearer {r.json()['visitor_token']}"}
            conversation: int | None = None
            for m in range(messages):
                body: dict[str, Any] = {
                    "content": TEXTS[(c + m) % len(TEXTS)],
                    "idempotency_key": uuid.uuid4().hex,
                }
                if conversation:
                    body["conversation_id"] = conversation
                r = await client.post(base + "messages", json=body, headers=headers)
                assert r.status_code == 201, r.text
                conversation = int(r.json()["conversation"]["id"])


def _drain_each(clock: WriterClock | None) -> list[dict[str, Any]]:
    from blockdesk.events.consumers import all_consumers, dispatch_once

    rows = []
    for consumer in all_consumers():
        held0 = clock.held if clock else 0.0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        handled = 0
        while True:
            n = dispatch_once(consumer.name)
            if not n:
                break
            handled += n
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if not handled:
            continue
        rows.append(
            {
                "consumer": consumer.name,
                "events": handled,
                "cpu_ms": 1000 * cpu / handled,
                "wall_ms": 1000 * wall / handled,
                "writer_ms": 1000 * ((clock.held if clock else 0.0) - held0) / handled,
            }
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--conversations", type=int, default=100)
    p.add_argument("--messages", type=int, default=5, help="customer messages per case")
    p.add_argument("--postgres", default="", help="a PostgreSQL URL (an empty database)")
    p.add_argument("--redis", default="")
    args = p.parse_args()
    speed = [machine_speed_ms()]
    with tempfile.TemporaryDirectory(prefix="bd-consumers-") as tmp:
        token = _setup(args, Path(tmp))
        asyncio.run(_send_all(token, args.conversations, args.messages))
        clock = None
        if not args.postgres:
            clock = WriterClock()
            clock.install()
        rows = _drain_each(clock)
    speed.append(machine_speed_ms())
    print(f"machine speed (10 M additions) before/after: {speed[0]:.0f} / {speed[1]:.0f} ms")
    print(f"{args.conversations} cases x {args.messages} customer messages")
    head = ("consumer", "events", "cpu ms/ev", "wall ms/ev", "writer ms/ev")
    print(f"{head[0]:28s} {head[1]:>7s} {head[2]:>10s} {head[3]:>11s} {head[4]:>13s}")
    for r in rows:
        print(
            f"{r['consumer']:28s} {r['events']:7d} {r['cpu_ms']:10.2f} {r['wall_ms']:11.2f}"
            f" {r['writer_ms'] if clock else float('nan'):13.2f}"
        )
    total = sum(r["writer_ms"] * r["events"] for r in rows) / (args.conversations * args.messages)
    print(f"writer held per customer message, all consumers: {total:.2f} ms")


if __name__ == "__main__":
    main()
