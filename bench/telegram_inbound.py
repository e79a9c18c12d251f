"""Telegram inbound-to-console latency: webhook updates at a steady rate, timed until
the agent's console socket shows each message.

    .venv/bin/python bench/telegram_inbound.py [--rate 50] [--seconds 20]
    .venv/bin/python bench/telegram_inbound.py --postgres postgres://postgres@127.0.0.1:5432/x

It starts the Bot API stand-in of the tests on loopback (the real Telegram cannot be
reached from here; the server only calls it when the inbox is saved: getMe, setWebhook),
a fresh database (a temp SQLite file, or a new PostgreSQL database next to --postgres),
and `manage.py serve --no-worker` (uvicorn), seeds an admin and a webhook-mode Telegram
inbox, opens the admin's console WebSocket (/ws/agent/), then POSTs updates to the
webhook with the secret-token header at --rate per second, at most --in-flight at once
(Telegram's max_connections, 40 by default), as Telegram would: 80 %
private chats from 200 distinct users (the first message of each opens a case, the rest
continue it), 20 % group messages that mention the bot. Each text carries a unique
marker; the console socket's message.created frame for it ends its clock.

Measured: the webhook's HTTP latency and inbound-to-console latency (POST start -> the
agent socket has the frame), p50/p95/p99/max; lost updates (a non-200, or no frame
within --timeout)."""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]

import httpx  # noqa: E402
from bench.support.bench_env import bench_install  # noqa: E402
from tests.connectors.telegram import updates  # noqa: E402
from tests.connectors.telegram.standin import TOKEN, BotApiStandIn  # noqa: E402
from tests.support.live_server import (  # noqa: E402
    run_django,
    start_server,
)
from websockets.asyncio.client import connect  # noqa: E402

PASSWORD = "bench-Password-123"
SEED = f"""
import json
from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.telegram.services import do_create_telegram_inbox
account = Account.objects.create(name="Telegram Bench Exchange")
admin = do_create_agent(account=account, username="benchadmin", email="bench@example.com",
                        password={PASSWORD!r}, role=User.Role.ADMIN)
channel = do_create_telegram_inbox(account=account, name="Telegram", members=[admin],
                                   bot_token={TOKEN!r}, mode="webhook")
print(json.dumps({{"inbox": channel.inbox_id, "secret": channel.webhook_secret}}))
"""


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summary_ms(values: list[float]) -> dict[str, Any]:
    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 1)

    return {
        "n": len(values),
        "p50": ms(pct(values, 50)),
        "p95": ms(pct(values, 95)),
        "p99": ms(pct(values, 99)),
        "max": ms(max(values) if values else None),
    }


def payload(i: int, marker: str) -> dict[str, Any]:
    text = f"My deposit {i} is missing {marker}"
    if i % 5 == 4:
        sender = updates.user(600000 + i % 50, f"Member{i % 50}")
        return updates.group_text(100000 + i, 5000 + i, f"@blockdesk_support_bot {text}", sender)
    sender = updates.user(700000 + i % 200, f"User{i % 200}")
    return updates.private_text(100000 + i, 5000 + i, text, sender)


async def run(cfg: argparse.Namespace, base_url: str, inbox: int, secret: str) -> dict[str, Any]:
    http = httpx.AsyncClient(base_url=base_url, timeout=30)
    await http.get("/accounts/login/")
    login = await http.post(
        "/accounts/login/",
        data={"username": "benchadmin", "password": PASSWORD,
              "csrfmiddlewaretoken": http.cookies["csrftoken"]},
    )  # fmt: skip
    if login.status_code != 302:
        raise SystemExit(f"login failed: HTTP {login.status_code}")
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    ws = await connect(
        base_url.replace("http://", "ws://") + "/ws/agent/",
        origin=base_url,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie},
        max_queue=None,
    )
    first = json.loads(await ws.recv())
    assert first.get("type") == "ready", first

    started: dict[str, float] = {}
    arrived: dict[str, float] = {}
    http_latency: list[float] = []
    failures: list[str] = []

    async def reader() -> None:
        async for raw in ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") != "message.created":
                continue
            content = str((frame.get("message") or {}).get("content", ""))
            marker = content.rsplit(" ", 1)[-1]
            if marker in started and marker not in arrived:
                arrived[marker] = now

    in_flight = asyncio.Semaphore(cfg.in_flight)

    async def send(i: int) -> None:
        marker = uuid.uuid4().hex[:12]
        # The clock starts when Telegram has the update; its own connection limit
        # (setWebhook max_connections) may hold it back, and that wait counts.
        started[marker] = t = time.perf_counter()
        async with in_flight:
            await post(i, marker, t)

    async def post(i: int, marker: str, t: float) -> None:
        try:
            response = await webhook.post(
                f"/telegram/webhook/{inbox}/",
                json=payload(i, marker),
                headers={"X-Telegram-Bot-Api-Secret-Token": secret},
            )
        except httpx.HTTPError as exc:
            failures.append(type(exc).__name__)
            return
        http_latency.append(time.perf_counter() - t)
        if response.status_code != 200:
            failures.append(f"{response.status_code}")

    webhook = httpx.AsyncClient(
        base_url=base_url, timeout=30, limits=httpx.Limits(max_connections=200)
    )
    reading = asyncio.create_task(reader())
    total = int(cfg.rate * cfg.seconds)
    t0 = time.perf_counter()
    tasks = []
    for i in range(total):
        delay = t0 + i / cfg.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)
    send_time = time.perf_counter() - t0
    deadline = time.perf_counter() + cfg.timeout
    while len(arrived) < total - len(failures) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    reading.cancel()
    await ws.close()
    await http.aclose()
    await webhook.aclose()
    latency = [arrived[m] - started[m] for m in arrived]
    return {
        "updates": total,
        "rate_asked": cfg.rate,
        "in_flight": cfg.in_flight,
        "rate_sent": round(total / send_time, 1),
        "webhook_http_ms": summary_ms(http_latency),
        "inbound_to_console_ms": summary_ms(latency),
        "failed_posts": len(failures),
        "failures": sorted(set(failures)),
        "lost": total - len(arrived),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--postgres", default="")
    # Telegram's webhook sends at most this many updates at once (setWebhook's
    # max_connections, 40 by default).
    parser.add_argument("--in-flight", type=int, default=40)
    cfg = parser.parse_args(argv)
    bot_api = BotApiStandIn(TOKEN).start()
    extra = {"BLOCKDESK_TELEGRAM_API_BASE_URL": bot_api.base_url, "BLOCKDESK_ACCESS_LOG": "false"}
    try:
        with bench_install(postgres=cfg.postgres, prefix="bd-tg-bench-", extra=extra) as install:
            env = install.env
            server = start_server(env, timeout=60)
            try:
                # Seeded after the server starts: the webhook URL is the server's address.
                seeded = json.loads(
                    run_django({**env, "BLOCKDESK_PUBLIC_URL": server.base_url}, SEED)
                    .strip()
                    .splitlines()[-1]
                )
                print(
                    f"  sending {int(cfg.rate * cfg.seconds)} updates at {cfg.rate:g}/s ...",
                    flush=True,
                )
                result = asyncio.run(run(cfg, server.base_url, seeded["inbox"], seeded["secret"]))
            finally:
                server.stop()
                errors = [ln for ln in server.log().splitlines() if "Error" in ln or "ERROR" in ln]
                if errors:
                    print("server log errors (last 5):", *errors[-5:], sep="\n  ")
    finally:
        bot_api.stop()
    result["database"] = "postgresql" if cfg.postgres else "sqlite"
    result["machine"] = f"{platform.machine()}, {platform.python_version()}"
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
