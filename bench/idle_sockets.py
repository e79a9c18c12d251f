"""10,000 idle widget sockets on one node: memory per socket, and delivery to the agent
with and without them (issue 17 §1).

    .venv/bin/python bench/idle_sockets.py                                # SQLite, in-memory layer
    .venv/bin/python bench/idle_sockets.py --postgres --redis             # PostgreSQL + Redis
    .venv/bin/python bench/idle_sockets.py --idle 2000 --json out.jsonl   # smaller

It starts one server (`manage.py serve --no-worker`, uvicorn) on a fresh database and
creates the visitor sessions in a set-up process with the widget's own service
(`widget.services.do_start_visitor_session`, what the session endpoint calls), which is
much faster than 10,000 HTTP requests. Every socket then goes through the real widget
socket consumer: connect to /ws/widget/<public token>/, authenticate with the visitor
token in the first frame, wait for "ready" (the consumer has joined the contact's group).

Phases, all against the same server and agent socket:

1. warm-up: a few messages, so lazily imported code is loaded before memory is read;
2. **A**: delivery with no idle sockets: `--senders` fresh visitors send `--messages`
   messages each at `--rate` msg/s (the first opens a case); latency = POST start until
   the agent socket has the event (p50/p95/p99), lost = stored but never delivered;
3. open `--idle` more visitor sockets and leave them idle; server and client RSS before
   and after, per socket; the server's CPU while they idle (`--idle-window` s), which
   shows per-socket timers (uvicorn's pings, the channel layer's expiry);
4. **B**: phase A again, with fresh senders, while the idle sockets stay open;
5. the idle sockets close; the server's CPU and time to handle the disconnects;
6. **A'**: phase A once more with no idle sockets, so drift over the run shows.

The open-files limit of this process is raised to its hard limit (the server, a child,
inherits it); each socket is one descriptor on each side.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from bench.support.bench_env import PUBLIC_LIMITS_OFF, bench_install  # noqa: E402
from bench.support.procstat import Sampler, cpu_seconds, rss_bytes  # noqa: E402
from bench.widget_load import (  # noqa: E402
    PASSWORD,
    PG_BASE,
    REDIS_DEFAULT,
    State,
    Visitor,
    agent_login,
    agent_reader,
    gather_limited,
    machine,
    open_visitor_socket,
    report_log,
    start_profiler,
    stop_profiler,
    summary_ms,
    visitor_sender,
    wait_for,
)
from tests.support.live_server import LiveServer, run_django, start_server  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.protocol import State as WsState  # noqa: E402

SEED = f"""
import json
from django.db import transaction
from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.widget.services import do_start_visitor_session
account = Account.objects.create(name="Idle Socket Exchange")
admin = do_create_agent(account=account, username="benchadmin", email="bench@example.com",
                        password={PASSWORD!r}, role=User.Role.ADMIN)
channel = do_create_web_widget_inbox(account=account, name="Website", members=[admin])
tokens = []
for start in range(0, COUNT, 500):
    with transaction.atomic():
        for _ in range(min(500, COUNT - start)):
            tokens.append(do_start_visitor_session(channel=channel, locale="en")[1])
print(json.dumps({{"token": channel.public_token, "visitors": tokens}}))
"""


def raise_open_files() -> tuple[int, int]:
    """Soft limit up to the hard one; returns the new (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def server_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return " ".join(line.split()[3:5])
    return "?"


def open_fds(pid: int) -> int:
    try:
        return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return -1


async def settle_rss(pid: int, seconds: float = 3.0) -> int:
    """RSS after a short pause (the allocator settles after a burst)."""
    await asyncio.sleep(seconds)
    return rss_bytes(pid)


async def phase(
    name: str,
    cfg: Any,
    http: httpx.AsyncClient,
    server: LiveServer,
    public_token: str,
    tokens: list[str],
    state: State,
) -> dict[str, Any]:
    """`len(tokens)` fresh visitors (sockets open, reading) send cfg.messages each."""
    visitors = [Visitor(i, server, token=t) for i, t in enumerate(tokens)]
    await gather_limited([open_visitor_socket(v, public_token) for v in visitors], 50)
    before = set(state.sent)
    pid = server.process.pid
    started = time.time()
    cpu0 = cpu_seconds(pid) or 0.0
    load = os.getloadavg()[0]
    plan = argparse.Namespace(sessions=len(visitors), messages=cfg.messages, rate=cfg.rate)
    t0 = time.perf_counter() + 0.3
    limit = asyncio.Semaphore(50)
    await asyncio.gather(
        *(visitor_sender(http, v, public_token, state, plan, t0, limit) for v in visitors)
    )
    records = [state.sent[k] for k in state.sent if k not in before]
    stored = [s for s in records if s.status in (200, 201)]
    await wait_for(lambda: all(s.delivered is not None for s in stored), cfg.timeout)
    cpu = (cpu_seconds(pid) or 0.0) - cpu0
    state.closing = True
    await asyncio.gather(*(v.ws.close() for v in visitors if v.ws is not None))
    state.closing = False
    delivered = [s for s in stored if s.delivered is not None]
    lat = [s.delivered - s.start for s in delivered]  # type: ignore[operator]
    out = {
        "phase": name,
        "sent": len(records),
        "post_failed": len(records) - len(stored),
        "lost": len(stored) - len(delivered),
        "latency_ms": summary_ms(lat),
        "server_cpu_per_msg_ms": round(1000 * cpu / max(1, len(records)), 2),
        "loadavg_1m": round(load, 2),
        "window": [round(started, 3), round(time.time(), 3)],
    }
    if cfg.gc_log:
        out["full_collections_ms"] = full_collections(cfg.gc_log, pid, *out["window"])
    s = out["latency_ms"]
    print(
        f"  {name:>3}: sent {out['sent']} lost {out['lost']} failed {out['post_failed']}  "
        f"p50 {s['p50']} p95 {s['p95']} p99 {s['p99']} max {s['max']} ms  "
        f"server CPU/msg {out['server_cpu_per_msg_ms']} ms  load {load:.2f}"
        + (f"  full GC pauses {out['full_collections_ms']} ms" if cfg.gc_log else ""),
        flush=True,
    )
    return out


def full_collections(log: str, pid: int, start: float, end: float) -> list[float]:
    """The server's full (generation 2) collections in [start, end]: their pauses in ms
    (from the lines bench/support/bench_settings.py writes for --gc-log)."""
    pauses = []
    for line in Path(log).read_text().splitlines():
        parts = line.split()
        if (
            len(parts) > 5
            and parts[2] == str(pid)
            and parts[3] == "gen2"
            and start <= float(parts[0]) <= end
        ):
            pauses.append(float(parts[4]))
    return pauses


async def open_idle(server: LiveServer, public_token: str, token: str) -> ClientConnection:
    v = Visitor(0, server, token=token)
    await open_visitor_socket(v, public_token)
    assert v.ws is not None
    return v.ws


async def run(cfg: Any, server: LiveServer, public_token: str, tokens: list[str]) -> dict[str, Any]:
    pid = server.process.pid
    me = os.getpid()
    n = cfg.senders
    warm, a, b, a2 = tokens[:n], tokens[n : 2 * n], tokens[2 * n : 3 * n], tokens[3 * n : 4 * n]
    idle_tokens = tokens[4 * n :]
    state = State()
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    result: dict[str, Any] = {}
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        console = await agent_login(server, cfg.username, cfg.password)
        cookie = "; ".join(f"{k}={v}" for k, v in console.cookies.items())
        agent_ws = await connect(
            server.ws_url("/ws/agent/"),
            origin=server.origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        )
        first = json.loads(await asyncio.wait_for(agent_ws.recv(), timeout=60))
        assert first.get("type") == "ready", first
        reader = asyncio.create_task(agent_reader(agent_ws, state))

        print("  warm-up ...", flush=True)
        await phase("warm", cfg, http, server, public_token, warm, state)
        phases = [await phase("A", cfg, http, server, public_token, a, state)]

        gc.collect()
        rss_server_0 = await settle_rss(pid)
        rss_client_0 = rss_bytes(me)
        fds_0 = open_fds(pid)
        print(f"  opening {len(idle_tokens)} idle visitor sockets ...", flush=True)
        t = time.perf_counter()
        cpu0 = cpu_seconds(pid) or 0.0
        profiler = start_profiler(cfg, [pid])
        idle: list[ClientConnection] = []

        async def one(token: str) -> None:
            idle.append(await open_idle(server, public_token, token))

        await gather_limited([one(tok) for tok in idle_tokens], cfg.connect_limit)
        open_s = time.perf_counter() - t
        open_cpu = (cpu_seconds(pid) or 0.0) - cpu0
        stop_profiler(profiler, cfg)
        print(f"  {len(idle)} open in {open_s:.1f}s ({open_cpu:.1f}s server CPU)", flush=True)
        gc.collect()
        rss_server_1 = await settle_rss(pid)
        rss_client_1 = rss_bytes(me)
        fds_1 = open_fds(pid)
        print(
            f"  server RSS {mb(rss_server_0)} -> {mb(rss_server_1)} MB, "
            f"client {mb(rss_client_0)} -> {mb(rss_client_1)} MB",
            flush=True,
        )

        # The server's CPU while the sockets only idle: per-socket timers show here.
        sampler = Sampler({"server": [pid], "client": [me]}, interval=1.0)
        sampler.start()
        await asyncio.sleep(cfg.idle_window)
        idle_usage = await sampler.stop()
        open_now = sum(1 for ws in idle if ws.state is WsState.OPEN)
        print(f"  idle {cfg.idle_window:.0f}s: {idle_usage}; still open {open_now}", flush=True)

        phases.append(await phase("B", cfg, http, server, public_token, b, state))
        rss_server_2 = rss_bytes(pid)
        still_open = sum(1 for ws in idle if ws.state is WsState.OPEN)

        print("  closing the idle sockets ...", flush=True)
        t = time.perf_counter()
        cpu0 = cpu_seconds(pid) or 0.0
        await gather_limited([ws.close() for ws in idle], cfg.connect_limit)
        # The server handles each disconnect after the close handshake: wait until its
        # descriptors are back near where they were.
        await wait_for(lambda: open_fds(pid) <= fds_0 + 20, 120)
        close_s = time.perf_counter() - t
        close_cpu = (cpu_seconds(pid) or 0.0) - cpu0
        gc.collect()
        rss_server_3 = await settle_rss(pid)
        phases.append(await phase("A'", cfg, http, server, public_token, a2, state))

        # Sockets coming and going: what the server keeps of those that closed (a leak of
        # frozen cycles, common/collector.py, would grow this round by round).
        churn_rss = []
        for round_ in range(cfg.churn):
            again: list[ClientConnection] = []

            async def reopen(token: str, into: list[ClientConnection] = again) -> None:
                into.append(await open_idle(server, public_token, token))

            await gather_limited([reopen(tok) for tok in idle_tokens], cfg.connect_limit)
            await gather_limited([ws.close() for ws in again], cfg.connect_limit)
            await wait_for(lambda: open_fds(pid) <= fds_0 + 20, 120)
            churn_rss.append(mb(await settle_rss(pid)))
            print(f"  churn round {round_ + 1}: server RSS {churn_rss[-1]} MB", flush=True)

        state.closing = True
        await agent_ws.close()
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await console.aclose()

    count = max(1, len(idle))
    result = {
        "idle_sockets": {
            "requested": len(idle_tokens),
            "opened": len(idle),
            "still_open_after_phase_b": still_open,
            "open_s": round(open_s, 1),
            "open_server_cpu_s": round(open_cpu, 2),
            "open_server_cpu_per_socket_ms": round(1000 * open_cpu / count, 2),
            "close_s": round(close_s, 1),
            "close_server_cpu_s": round(close_cpu, 2),
            "server_fds_before_after": [fds_0, fds_1],
            "idle_window": idle_usage,
        },
        "memory": {
            "server_rss_mb": {
                "before": mb(rss_server_0),
                "with_idle": mb(rss_server_1),
                "after_phase_b": mb(rss_server_2),
                "after_close": mb(rss_server_3),
                "after_each_churn_round": churn_rss,
            },
            "server_kb_per_socket": round((rss_server_1 - rss_server_0) / 1024 / count, 1),
            "client_rss_mb": {"before": mb(rss_client_0), "with_idle": mb(rss_client_1)},
            "client_kb_per_socket": round((rss_client_1 - rss_client_0) / 1024 / count, 1),
        },
        "phases": phases,
        "agent_frames": dict(state.agent_frames),
        "server_open_files_limit": server_limit(pid),
    }
    return result


def mb(value: int) -> float:
    return round(value / 2**20, 1)


@contextlib.contextmanager
def server(cfg: Any) -> Iterator[tuple[LiveServer, str, list[str]]]:
    gc_env = {
        "DJANGO_SETTINGS_MODULE": "bench.support.bench_settings",
        "BENCH_GC_GEN2": str(cfg.gc_gen2 or ""),
        "BENCH_GC_LOG": str(Path(cfg.gc_log).resolve()) if cfg.gc_log else "",
    }
    extra = {
        **PUBLIC_LIMITS_OFF,
        "BLOCKDESK_ACCESS_LOG": "false",
        **(gc_env if cfg.gc_gen2 or cfg.gc_log else {}),
    }
    with bench_install(
        postgres=cfg.postgres, redis=cfg.redis, prefix="bd-idle-", extra=extra
    ) as install:
        env = install.env
        count = cfg.idle + 4 * cfg.senders
        print(f"  creating {count} visitor sessions ...", flush=True)
        t = time.perf_counter()
        seeded = json.loads(
            run_django(env, SEED.replace("COUNT", str(count)), timeout=1800)
            .strip()
            .splitlines()[-1]
        )
        print(f"  ... in {time.perf_counter() - t:.1f}s", flush=True)
        started = start_server(env, timeout=60)
        try:
            yield started, seeded["token"], seeded["visitors"]
        finally:
            started.stop()
            report_log(started, cfg.logs)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--idle", type=int, default=10_000, help="idle visitor sockets")
    p.add_argument("--senders", type=int, default=50, help="visitors sending, per phase")
    p.add_argument("--messages", "-m", type=int, default=4, help="messages per sender")
    p.add_argument("--rate", "-r", type=float, default=10, help="aggregate messages/s")
    p.add_argument("--idle-window", type=float, default=30, help="seconds of pure idling")
    p.add_argument("--connect-limit", type=int, default=100, help="sockets opened at once")
    p.add_argument("--timeout", type=float, default=30, help="delivery wait (s)")
    p.add_argument("--postgres", nargs="?", const=PG_BASE, default="")
    p.add_argument("--redis", nargs="?", const=REDIS_DEFAULT, default="")
    p.add_argument("--username", default="benchadmin")
    p.add_argument("--password", default=PASSWORD)
    p.add_argument("--py-spy", default="", help="py-spy raw profile of opening the sockets")
    p.add_argument("--py-spy-gil", action="store_true", help="profile GIL holders only")
    p.add_argument(
        "--gc-gen2",
        type=int,
        default=0,
        help="experiment: the server's third gc threshold (bench/support/bench_settings.py)",
    )
    p.add_argument(
        "--churn",
        type=int,
        default=0,
        help="after the phases, open and close the idle sockets this many times more",
    )
    p.add_argument(
        "--gc-log",
        default="",
        help="the server's generation-1/2 collections and their pauses, one line each, here",
    )
    p.add_argument("--logs", default="", help="copy the server log into this directory")
    p.add_argument("--json", default="", help="append the result as one JSON line here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    soft, hard = raise_open_files()
    needed = cfg.idle + 4 * cfg.senders + 200
    if soft < needed:
        raise SystemExit(f"open-files limit {soft} < {needed}: raise the hard limit (ulimit -Hn)")
    info = machine()
    print(
        f"machine: {info['nproc']} CPU, {info['memory']}, load {info['loadavg_before']}; "
        f"open files {soft}/{hard}",
        flush=True,
    )
    with server(cfg) as (node, public_token, tokens):
        result = asyncio.run(run(cfg, node, public_token, tokens))
    result["config"] = {
        "idle": cfg.idle,
        "senders_per_phase": cfg.senders,
        "messages_per_sender": cfg.messages,
        "rate": cfg.rate,
        "database": "postgresql" if cfg.postgres else "sqlite",
        "channel_layer": "redis" if cfg.redis else "in-memory",
        "gc_gen2_threshold": cfg.gc_gen2 or None,
    }
    result["machine"] = {**info, "loadavg_after": os.getloadavg()}
    mem = result["memory"]
    print(
        f"\nserver RSS {mem['server_rss_mb']} -> {mem['server_kb_per_socket']} KB per socket; "
        f"client {mem['client_rss_mb']} -> {mem['client_kb_per_socket']} KB per socket"
    )
    print(f"idle sockets: {result['idle_sockets']}")
    if cfg.json:
        with Path(cfg.json).open("a") as out:
            out.write(json.dumps(result) + "\n")
    ok = all(p["lost"] == 0 and p["post_failed"] == 0 for p in result["phases"])
    return 0 if ok and result["idle_sockets"]["still_open_after_phase_b"] == cfg.idle else 1


if __name__ == "__main__":
    raise SystemExit(main())
