"""Widget load: N concurrent visitor sessions writing to one agent, over real sockets.

    .venv/bin/python bench/widget_load.py --sessions 100 --messages 5 --rate 100
    .venv/bin/python bench/widget_load.py --sessions 1000 --messages 3 --rate 200
    .venv/bin/python bench/widget_load.py --sessions 1000 --postgres --redis --nodes 2
    .venv/bin/python bench/widget_load.py --url http://host:8000 --token T --username U \\
        --password P    # an existing server (raise its BLOCKDESK_PUBLIC_RATE_LIMIT first)

Unless --url is given it starts its own server (`manage.py serve`, uvicorn) on a fresh
database: SQLite by default, a fresh PostgreSQL database with --postgres, the Redis
channel layer and cache with --redis; --nodes K starts K servers sharing them (visitors
spread round-robin, the agent on the first). The public rate limit is raised for the run.

What it does: creates N visitor sessions (HTTP), opens N visitor WebSockets and one
agent WebSocket (an admin: sees every inbox), then every visitor sends M messages (HTTP
POST with an idempotency key, the first one opening a conversation, the rest into it)
at an aggregate rate R. Every message carries a unique token; the agent socket matches
its message.created event to it. Measured:

* throughput: messages delivered to the agent per second;
* delivery latency, POST start -> agent socket has the event: p50/p95/p99/max, also
  split into first messages (they open a conversation) and follow-ups;
* lost: POSTs that failed, and stored messages never delivered within --timeout;
* agent replies to a sample of visitors (the console's reply endpoint) -> visitor socket;
* server CPU / RSS (and PostgreSQL, Redis, and this client) from /proc.

Send and receive times are taken in this one process, so they share a clock; they are
when this client's event loop sees the frame, so a saturated client adds to them (its
CPU is reported; watch it). --py-spy FILE profiles the server during the send phase.

The servers run `serve --no-worker`: no task worker, periodic jobs or event-log
dispatcher. --embedded-worker runs them as the embedded deployment does instead (all three
as threads of the server, so their CPU counts as the server's; with --redis the task
worker is a child process and is not counted).

Then the same run (same sessions, sockets, rate and client) goes against the bare relay
floor, bench/support/relay_floor.py: one uvicorn process with a plain ASGI app that
forwards each POST's body to the agent socket, with no Django, database or channel layer.
The report ends with Blockdesk's server CPU per message and latency next to the floor's,
and their ratio: the ratio holds on a noisy machine where absolute figures do not.
--no-floor skips it (and --url never runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from bench.support.bench_env import PUBLIC_LIMITS_OFF, bench_install  # noqa: E402
from bench.support.consumer_lag import LagSampler  # noqa: E402
from bench.support.procstat import Sampler  # noqa: E402
from bench.support.pyspy import summarize  # noqa: E402
from tests.support.live_server import (  # noqa: E402
    MANAGE,
    LiveServer,
    free_port,
    run_django,
    start_server,
    wait_for_healthz,
)
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

PG_BASE = "postgres://postgres@127.0.0.1:5432/blockdesk"
REDIS_DEFAULT = "redis://127.0.0.1:6379/15"
PASSWORD = "bench-pass-2026-load"
MAX_RETRIES = 2
SEED = f"""
import json
from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.services import do_create_web_widget_inbox
account = Account.objects.create(name="Load Test Exchange")
admin = do_create_agent(account=account, username="benchadmin", email="bench@example.com",
                        password={PASSWORD!r}, role=User.Role.ADMIN)
channel = do_create_web_widget_inbox(account=account, name="Website", members=[admin])
print(json.dumps({{"token": channel.public_token}}))
"""


# --- bookkeeping ------------------------------------------------------------------------


@dataclass
class Sent:
    visitor: int
    seq: int
    content: str
    scheduled: float
    start: float = 0.0
    end: float = 0.0
    status: int = 0
    error: str = ""
    retries: int = 0
    delivered: float | None = None


@dataclass
class Reply:
    visitor: int
    content: str
    start: float = 0.0
    status: int = 0
    delivered: float | None = None


@dataclass
class Visitor:
    index: int
    node: LiveServer | Target
    token: str = ""
    ws: ClientConnection | None = None
    conversation_id: int | None = None
    display_id: int | None = None
    closed: str = ""


@dataclass
class Target:
    """A server this client talks to (ours or --url)."""

    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path

    def ws_url(self, path: str) -> str:
        return self.base_url.replace("http", "ws", 1) + path

    @property
    def origin(self) -> str:
        return self.base_url


@dataclass
class State:
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    sent: dict[str, Sent] = field(default_factory=dict)
    replies: dict[str, Reply] = field(default_factory=dict)
    agent_frames: Counter[str] = field(default_factory=Counter)
    unknown_deliveries: int = 0
    closing: bool = False  # set before the bench closes its own sockets
    setup_errors: Counter[str] = field(default_factory=Counter)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary_ms(values: list[float]) -> dict[str, float | int | None]:
    ms = [v * 1000 for v in values]

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 1)

    return {
        "n": len(ms),
        "p50": r(pct(ms, 0.50)),
        "p95": r(pct(ms, 0.95)),
        "p99": r(pct(ms, 0.99)),
        "max": r(max(ms) if ms else None),
    }


# --- talking to the server --------------------------------------------------------------


def api(node: LiveServer | Target, token: str, path: str) -> str:
    return node.url(f"/widget/api/{token}/{path}")


async def start_session(http: httpx.AsyncClient, v: Visitor, token: str, state: State) -> None:
    for attempt in range(4):
        try:
            response = await http.post(api(v.node, token, "session"), json={"locale": "en"})
        except httpx.TransportError as exc:
            # A pooled keep-alive connection the server closed as it was reused.
            state.setup_errors[f"session {type(exc).__name__}"] += 1
            await asyncio.sleep(0.5 * (attempt + 1))
            continue
        if response.status_code == 201:
            v.token = response.json()["visitor_token"]
            return
        state.setup_errors[f"session HTTP {response.status_code}"] += 1
        await asyncio.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"visitor {v.index}: no session after 4 attempts {dict(state.setup_errors)}")


async def open_visitor_socket(v: Visitor, token: str) -> None:
    ws = await connect(
        v.node.ws_url(f"/ws/widget/{token}/"),
        origin=v.node.origin,  # type: ignore[arg-type]
        open_timeout=60,
        ping_interval=None,  # the server pings; 1,000 client timers would only add load
        max_queue=None,
    )
    await ws.send(json.dumps({"type": "auth", "token": v.token}))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
        if frame.get("type") == "ready":
            break
        if frame.get("type") == "error":
            raise RuntimeError(f"visitor socket refused: {frame}")
    v.ws = ws


async def agent_login(node: LiveServer | Target, username: str, password: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=node.base_url, timeout=30)
    await http.get("/accounts/login/")
    response = await http.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        },
    )
    if response.status_code != 302:
        raise RuntimeError(f"agent login failed: HTTP {response.status_code}")
    return http


async def agent_reader(ws: ClientConnection, state: State) -> None:
    async for raw in ws:
        now = time.perf_counter()
        frame = json.loads(raw)
        kind = str(frame.get("type"))
        state.agent_frames[kind] += 1
        if kind != "message.created":
            continue
        message = frame.get("message") or {}
        if message.get("sender_type") != "contact":
            continue
        record = state.sent.get(message.get("content", ""))
        if record is None:
            state.unknown_deliveries += 1
        elif record.delivered is None:
            record.delivered = now


async def visitor_reader(v: Visitor, state: State) -> None:
    assert v.ws is not None
    try:
        async for raw in v.ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") != "message.created":
                continue
            message = frame.get("message") or {}
            if message.get("sender_type") != "agent":
                continue
            record = state.replies.get(message.get("content", ""))
            if record is not None and record.delivered is None:
                record.delivered = now
    except Exception as exc:  # a dropped socket is a finding, not a crash of the bench
        if not state.closing:
            v.closed = f"{type(exc).__name__}: {exc}"
    else:
        if not state.closing:
            v.closed = f"closed by server {v.ws.close_code}"


async def visitor_sender(
    http: httpx.AsyncClient,
    v: Visitor,
    token: str,
    state: State,
    cfg: Any,
    t0: float,
    limit: asyncio.Semaphore,
) -> None:
    """Sends this visitor's M messages at their slots in the aggregate schedule; a
    visitor waits for its previous POST (the follow-ups need the conversation id)."""
    for seq in range(cfg.messages):
        slot = t0 + (seq * cfg.sessions + v.index) / cfg.rate
        content = f"bench {state.run_id} v{v.index} m{seq} {uuid.uuid4().hex[:6]}"
        record = Sent(visitor=v.index, seq=seq, content=content, scheduled=slot)
        state.sent[content] = record
        delay = slot - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        body: dict[str, Any] = {"content": content, "idempotency_key": uuid.uuid4().hex}
        if v.conversation_id is not None:
            body["conversation_id"] = v.conversation_id
        record.start = time.perf_counter()
        # Like the widget's outbox: a dropped connection is retried with the same
        # idempotency key (the server dedupes), at most MAX_RETRIES times.
        for attempt in range(MAX_RETRIES + 1):
            try:
                # In-flight POSTs are capped here, not by httpx's pool: with ~1,000
                # requests queued inside the pool this client alone used a full core.
                async with limit:
                    response = await http.post(
                        api(v.node, token, "messages"),
                        json=body,
                        headers={"Authorization": f"Bearer {v.token}"},
                    )
            except httpx.TransportError as exc:
                record.error = f"{type(exc).__name__}: {exc}"
                if attempt < MAX_RETRIES:
                    record.retries += 1
                    continue
                break
            except httpx.HTTPError as exc:
                record.error = f"{type(exc).__name__}: {exc}"
                break
            record.status = response.status_code
            if response.status_code in (200, 201):
                record.error = ""
                conversation = response.json()["conversation"]
                v.conversation_id = conversation["id"]
                v.display_id = conversation["display_id"]
            else:
                record.error = response.text[:200]
            break
        record.end = time.perf_counter()


async def agent_reply(
    console: httpx.AsyncClient, v: Visitor, state: State, sem: asyncio.Semaphore
) -> None:
    content = f"reply {state.run_id} v{v.index} {uuid.uuid4().hex[:6]}"
    record = Reply(visitor=v.index, content=content)
    state.replies[content] = record
    async with sem:
        record.start = time.perf_counter()
        response = await console.post(
            f"/app/c/{v.display_id}/reply/",
            data={
                "content": content,
                "idempotency_key": uuid.uuid4().hex,
                "csrfmiddlewaretoken": console.cookies["csrftoken"],
            },
            headers={"Accept": "application/json"},
        )
        record.status = response.status_code


async def gather_limited(coros: list[Any], limit: int) -> None:
    sem = asyncio.Semaphore(limit)

    async def one(coro: Any) -> None:
        async with sem:
            await coro

    await asyncio.gather(*(one(c) for c in coros))


async def wait_for(condition: Any, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


# --- the run ----------------------------------------------------------------------------


async def run(cfg: Any, nodes: list[LiveServer | Target], token: str, server_pids: list[int]):
    state = State()
    limits = httpx.Limits(max_connections=cfg.pool, max_keepalive_connections=cfg.pool)
    timeout = httpx.Timeout(cfg.http_timeout, pool=cfg.http_timeout * 4)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:
        visitors = [Visitor(i, nodes[i % len(nodes)]) for i in range(cfg.sessions)]
        t = time.perf_counter()
        await gather_limited(
            [start_session(http, v, token, state) for v in visitors], cfg.connect_limit
        )
        setup_sessions = time.perf_counter() - t
        print(f"  {cfg.sessions} sessions in {setup_sessions:.1f}s", flush=True)

        console = await agent_login(nodes[0], cfg.username, cfg.password)
        cookie = "; ".join(f"{k}={v}" for k, v in console.cookies.items())
        agent_ws = await connect(
            nodes[0].ws_url("/ws/agent/"),
            origin=nodes[0].origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        )
        first = json.loads(await asyncio.wait_for(agent_ws.recv(), timeout=60))
        assert first.get("type") == "ready", first

        t = time.perf_counter()
        await gather_limited([open_visitor_socket(v, token) for v in visitors], cfg.connect_limit)
        setup_sockets = time.perf_counter() - t
        print(f"  {cfg.sessions} visitor sockets + 1 agent socket in {setup_sockets:.1f}s")

        readers = [asyncio.create_task(agent_reader(agent_ws, state))]
        readers += [asyncio.create_task(visitor_reader(v, state)) for v in visitors]

        groups: dict[str, list[int] | tuple[str, ...]] = {
            "server": server_pids,
            "postgres": ("postgres",) if cfg.postgres else (),
            "redis": ("redis-server",) if cfg.redis else (),
            "client": [os.getpid()],
        }
        sampler = Sampler(groups)
        profiler = start_profiler(cfg, server_pids)
        lag = LagSampler(nodes[0].url("/metrics")) if cfg.consumer_lag else None
        if lag is not None:
            lag.start()
        sampler.start()
        t0 = time.perf_counter() + 0.5
        limit = asyncio.Semaphore(cfg.pool)
        await asyncio.gather(
            *(visitor_sender(http, v, token, state, cfg, t0, limit) for v in visitors)
        )
        sent_done = time.perf_counter()
        stored = [s for s in state.sent.values() if s.status in (200, 201)]
        await wait_for(lambda: all(s.delivered is not None for s in stored), cfg.timeout)
        usage = await sampler.stop()
        stop_profiler(profiler, cfg)
        print(f"  send phase {sent_done - t0:.1f}s", flush=True)
        consumer_lag: dict[str, Any] | None = None
        if lag is not None:
            # After the last message: how long until every consumer has handled everything.
            caught_up = await lag.wait_caught_up(cfg.timeout)
            await lag.stop()
            consumer_lag = {
                "caught_up_after_send_s": round(caught_up, 2) if caught_up is not None else None,
                "scrape_errors": lag.errors,
                "by_consumer_s": lag.summary(),
            }

        # Agent replies to a sample, through the console's endpoint, one visitor each.
        sample = [v for v in visitors if v.display_id is not None][: cfg.reply_sample]
        sem = asyncio.Semaphore(cfg.reply_concurrency)
        await asyncio.gather(*(agent_reply(console, v, state, sem) for v in sample))
        await wait_for(
            lambda: all(r.delivered is not None for r in state.replies.values() if r.status == 200),
            cfg.timeout,
        )

        state.closing = True
        await agent_ws.close()
        await asyncio.gather(*(v.ws.close() for v in visitors if v.ws is not None))
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await console.aclose()

    result = report(cfg, state, visitors, t0, usage, setup_sessions, setup_sockets)
    result["consumer_lag"] = consumer_lag
    return result


def report(cfg, state, visitors, t0, usage, setup_sessions, setup_sockets) -> dict[str, Any]:
    records = list(state.sent.values())
    stored = [s for s in records if s.status in (200, 201)]
    failed = [s for s in records if s.status not in (200, 201)]
    delivered = [s for s in stored if s.delivered is not None]
    lat = [s.delivered - s.start for s in delivered]  # type: ignore[operator]
    first = [s.delivered - s.start for s in delivered if s.seq == 0]  # type: ignore[operator]
    later = [s.delivered - s.start for s in delivered if s.seq > 0]  # type: ignore[operator]
    post = [s.end - s.start for s in stored]
    lag = [max(0.0, s.start - s.scheduled) for s in records if s.start]
    span = (max(s.delivered for s in delivered) - t0) if delivered else 0.0  # type: ignore[type-var]
    send_span = max((s.start for s in records), default=t0) - t0
    replies = list(state.replies.values())
    reply_ok = [r for r in replies if r.status == 200]
    reply_lat = [r.delivered - r.start for r in reply_ok if r.delivered is not None]
    dropped = [v.closed for v in visitors if v.closed]
    return {
        "config": {
            "sessions": cfg.sessions,
            "messages_per_session": cfg.messages,
            "offered_rate_per_s": cfg.rate,
            "nodes": cfg.nodes if not cfg.url else 1,
            "database": "postgresql" if cfg.postgres else ("external" if cfg.url else "sqlite"),
            "channel_layer": "redis" if cfg.redis else ("external" if cfg.url else "in-memory"),
            "http_pool": cfg.pool,
            "layer_capacity_override": cfg.layer_capacity or None,
            "access_log": bool(cfg.access_log) if not cfg.url else None,
            "embedded_worker": bool(cfg.embedded_worker) if not cfg.url else None,
        },
        "setup": {
            "sessions_s": round(setup_sessions, 2),
            "sockets_s": round(setup_sockets, 2),
            "errors_retried": dict(state.setup_errors),
        },
        "messages": {
            "sent": len(records),
            "post_failed": len(failed),
            "post_failures": dict(Counter(s.status or s.error.split(":")[0] for s in failed)),
            "post_retries": sum(s.retries for s in records),
            "stored": len(stored),
            "delivered_to_agent": len(delivered),
            "lost": len(stored) - len(delivered),
            "unknown_deliveries": state.unknown_deliveries,
        },
        # When the slow ones were sent (seconds into the send phase): a burst at the start
        # (pools and caches warming) reads differently from pauses spread over the run.
        "slowest": [
            {
                "at_s": round(s.start - t0, 2),
                "seq": s.seq,
                "post_ms": round(1000 * (s.end - s.start), 1),
                "delivered_ms": round(1000 * (s.delivered - s.start), 1),  # type: ignore[operator]
            }
            for s in sorted(delivered, key=lambda s: s.delivered - s.start)[-12:]  # type: ignore[operator]
        ],
        "throughput_msgs_per_s": round(len(delivered) / span, 1) if span else None,
        "achieved_send_rate_per_s": round(len(records) / send_span, 1) if send_span else None,
        "latency_ms": {
            "all": summary_ms(lat),
            "first_message": summary_ms(first),
            "follow_up": summary_ms(later),
            "http_post": summary_ms(post),
            "schedule_lag": summary_ms(lag),
        },
        "replies": {
            "sent": len(replies),
            "ok": len(reply_ok),
            "delivered_to_visitor": len(reply_lat),
            "latency_ms": summary_ms(reply_lat),
        },
        "sockets_dropped": len(dropped),
        "socket_drop_reasons": dict(Counter(dropped)),
        "agent_frames": dict(state.agent_frames),
        "resources": usage,
    }


# --- profiling --------------------------------------------------------------------------


def start_profiler(cfg: Any, pids: list[int]) -> subprocess.Popen[bytes] | None:
    if not cfg.py_spy or not pids:
        return None
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(pids[0]),
            "--rate",
            "200",
            "--threads",
            "--format",
            "raw",
            "--output",
            cfg.py_spy,
            "--nonblocking",
            # --gil: only samples holding the GIL, i.e. where the server's CPU goes;
            # without it, waits (locks, I/O, the database) show as well.
            *(["--gil"] if cfg.py_spy_gil else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop_profiler(proc: subprocess.Popen[bytes] | None, cfg: Any) -> None:
    if proc is None:
        return
    proc.send_signal(2)  # SIGINT: py-spy writes its output and exits
    try:
        _out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return
    if proc.returncode not in (0, None) and err:
        print("  py-spy:", err.decode(errors="replace")[-500:])
    elif Path(cfg.py_spy).exists():
        print(summarize(cfg.py_spy))


# --- servers ----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_before": os.getloadavg(),
    }


@contextlib.contextmanager
def servers(cfg: Any) -> Iterator[tuple[list[LiveServer], str, list[int], dict[str, Any]]]:
    extra = {
        **PUBLIC_LIMITS_OFF,
        # uvicorn's access log costs CPU per request; a proxy usually logs.
        "BLOCKDESK_ACCESS_LOG": "true" if cfg.access_log else "false",
        **experiment_env(cfg),
    }
    with bench_install(postgres=cfg.postgres, redis=cfg.redis, extra=extra) as install:
        env = install.env
        print("  seeding ...", flush=True)
        token = json.loads(run_django(env, SEED).strip().splitlines()[-1])["token"]
        info = {"db_url_kind": install.db_url.split(":", 1)[0]}
        if cfg.postgres:
            info["postgres_version"] = run_django(
                env,
                "from django.db import connection\n"
                "print(connection.cursor().connection.info.server_version)",
            ).strip()
        started: list[LiveServer] = []
        try:
            for _ in range(cfg.nodes):
                start = start_embedded_server if cfg.embedded_worker else start_server
                started.append(start(env, timeout=60))
            yield started, token, [s.process.pid for s in started], info
        finally:
            for s in started:
                s.stop()
                report_log(s, cfg.logs)


def start_embedded_server(env: dict[str, str], *, timeout: float = 30) -> LiveServer:
    """start_server without --no-worker: the task worker, periodic jobs and the event-log
    dispatcher run in the server, as in the embedded deployment."""
    host, port = "127.0.0.1", free_port()
    env = {**env, "BLOCKDESK_PUBLIC_URL": f"http://{host}:{port}"}
    env["BLOCKDESK_EMBEDDED_WORKER"] = "true"
    log_path = Path(env["BLOCKDESK_DATA_DIR"]) / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "serve", "--host", host, "--port", str(port)],
            env=env,
            cwd=MANAGE.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(host=host, port=port, process=process, log_path=log_path, env=env)
    wait_for_healthz(server, timeout=timeout)
    return server


@contextlib.contextmanager
def relay_floor() -> Iterator[tuple[list[LiveServer | Target], str, list[int], dict[str, Any]]]:
    """The bare relay floor (bench/support/relay_floor.py) under uvicorn, with the same
    uvicorn settings as `manage.py serve` (auto loop and HTTP parser, 1 MB frames, no
    access log, no lifespan)."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.support.relay_floor:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--lifespan",
                "off",
                "--ws-max-size",
                str(1 << 20),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        target = Target(f"http://127.0.0.1:{port}")
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(target.url("/healthz"), timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline or process.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"relay floor did not start:\n{log.read()[-2000:]!r}")
                time.sleep(0.2)
            yield [target], "floor", [process.pid], {}
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.seek(0)
            lines = log.read().decode(errors="replace").splitlines()
            errors = [ln for ln in lines if "Error" in ln]
            if errors:
                print(f"  relay floor logged {len(errors)} error lines; last: {errors[-1][:300]}")


def floor_config(cfg: Any) -> argparse.Namespace:
    """The run's settings for the floor: same load and client, nothing else started."""
    return argparse.Namespace(
        **{
            **vars(cfg),
            "postgres": "",
            "redis": "",
            "nodes": 1,
            "py_spy": "",
            "consumer_lag": False,
            "layer_capacity": 0,
            "embedded_worker": False,
        }
    )


def cpu_per_message_ms(result: dict[str, Any]) -> float | None:
    server = result["resources"].get("server")
    sent = result["messages"]["sent"]
    if not isinstance(server, dict) or not sent:
        return None
    return round(1000 * server["cpu_s"] / sent, 3)


def versus_floor(result: dict[str, Any], floor: dict[str, Any]) -> dict[str, Any]:
    """Blockdesk's figures next to the floor's, and Blockdesk / floor."""

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 1) if a is not None and b else None

    real_cpu, floor_cpu = cpu_per_message_ms(result), cpu_per_message_ms(floor)
    out: dict[str, Any] = {
        "server_cpu_per_msg_ms": {
            "blockdesk": real_cpu,
            "floor": floor_cpu,
            "ratio": ratio(real_cpu, floor_cpu),
        }
    }
    for q in ("p50", "p99"):
        a = result["latency_ms"]["all"][q]
        b = floor["latency_ms"]["all"][q]
        out[f"latency_{q}_ms"] = {"blockdesk": a, "floor": b, "ratio": ratio(a, b)}
    return out


def print_versus_floor(vs: dict[str, Any]) -> None:
    print("\n== Blockdesk vs the bare relay floor (same load, same client)")
    labels = {
        "server_cpu_per_msg_ms": "server CPU / msg (ms)",
        "latency_p50_ms": "delivery p50 (ms)",
        "latency_p99_ms": "delivery p99 (ms)",
    }
    for key, label in labels.items():
        row = vs[key]
        print(f"  {label:24} {row['blockdesk']!s:>9}  floor {row['floor']!s:>8}  x{row['ratio']}")


def report_log(server: LiveServer, keep_in: str) -> None:
    log = server.log()
    errors = [ln for ln in log.splitlines() if "Traceback" in ln or "ERROR" in ln]
    if errors:
        print(f"  server :{server.port} logged {len(errors)} error lines; the last one:")
        tail = log.splitlines()
        print("    " + next((ln for ln in reversed(tail) if "Error" in ln), errors[-1])[:300])
    if keep_in:
        Path(keep_in).mkdir(parents=True, exist_ok=True)
        shutil.copy(server.log_path, Path(keep_in) / server.log_path.name)


def experiment_env(cfg: Any) -> dict[str, str]:
    """--layer-capacity: run the server with bench/support/bench_settings.py on top;
    --consumer-lag: Prometheus metrics on (the lag is read from them)."""
    env = {"BLOCKDESK_METRICS": "true"} if cfg.consumer_lag else {}
    if not cfg.layer_capacity:
        return env
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.support.bench_settings",
        "BENCH_LAYER_CAPACITY": str(cfg.layer_capacity),
    }


def print_report(result: dict[str, Any]) -> None:
    m, lat = result["messages"], result["latency_ms"]
    c = result["config"]
    print(
        f"\n== {c['sessions']} sessions x {c['messages_per_session']} msgs @ "
        f"{c['offered_rate_per_s']}/s, {c['database']}, {c['channel_layer']} layer, "
        f"{c['nodes']} node(s)"
    )
    print(
        f"sent {m['sent']}  stored {m['stored']}  delivered {m['delivered_to_agent']}  "
        f"lost {m['lost']}  POST failed {m['post_failed']} {m['post_failures'] or ''} "
        f"(retried {m['post_retries']})"
    )
    print(
        f"throughput {result['throughput_msgs_per_s']} msg/s "
        f"(send rate achieved {result['achieved_send_rate_per_s']}/s)"
    )
    for key in ("all", "first_message", "follow_up", "http_post", "schedule_lag"):
        s = lat[key]
        print(
            f"  {key:14} n={s['n']:<5} p50={s['p50']} p95={s['p95']} p99={s['p99']} max={s['max']}"
        )
    slowest = result.get("slowest") or []
    if slowest:
        print(
            "  slowest (s into the send phase, message #, POST / delivered ms): "
            + ", ".join(
                f"{x['at_s']}s #{x['seq']} {x['post_ms']:.0f}/{x['delivered_ms']:.0f}"
                for x in sorted(slowest, key=lambda x: x["at_s"])
            )
        )
    r = result["replies"]
    s = r["latency_ms"]
    print(
        f"  replies        {r['delivered_to_visitor']}/{r['sent']} delivered; "
        f"p50={s['p50']} p95={s['p95']} p99={s['p99']} max={s['max']}"
    )
    print(f"sockets dropped: {result['sockets_dropped']} {result['socket_drop_reasons'] or ''}")
    for name, usage in result["resources"].items():
        print(f"  {name}: {usage}")
    lag = result.get("consumer_lag")
    if lag:
        print(
            f"event consumers (lag sampled each second from /metrics during the send phase): "
            f"all caught up {lag['caught_up_after_send_s']} s after the last message"
        )
        for name, figures in lag["by_consumer_s"].items():
            print(f"  {name:32} lag p95={figures['p95']} s max={figures['max']} s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", "-n", type=int, default=100, help="concurrent visitors")
    p.add_argument("--messages", "-m", type=int, default=5, help="messages per visitor")
    p.add_argument("--rate", "-r", type=float, default=100, help="aggregate messages/s")
    p.add_argument("--timeout", type=float, default=30, help="delivery wait after sending (s)")
    p.add_argument("--reply-sample", type=int, default=50, help="visitors the agent answers")
    p.add_argument("--reply-concurrency", type=int, default=10)
    p.add_argument("--pool", type=int, default=100, help="HTTP connection pool size")
    p.add_argument("--connect-limit", type=int, default=50, help="sockets opened at once")
    p.add_argument("--http-timeout", type=float, default=30)
    p.add_argument(
        "--postgres",
        nargs="?",
        const=PG_BASE,
        default="",
        help=f"fresh PostgreSQL database next to this URL (default {PG_BASE})",
    )
    p.add_argument(
        "--redis",
        nargs="?",
        const=REDIS_DEFAULT,
        default="",
        help=f"Redis channel layer + cache (default {REDIS_DEFAULT})",
    )
    p.add_argument("--nodes", type=int, default=1, help="servers sharing DB and Redis")
    p.add_argument("--url", default="", help="benchmark an existing server instead")
    p.add_argument("--token", default="", help="with --url: the widget's public token")
    p.add_argument("--username", default="benchadmin", help="an admin of that account")
    p.add_argument("--password", default=PASSWORD)
    p.add_argument("--py-spy", default="", help="write a py-spy raw profile of the server")
    p.add_argument("--py-spy-gil", action="store_true", help="profile GIL holders only")
    p.add_argument(
        "--layer-capacity",
        type=int,
        default=0,
        help="experiment: in-memory channel layer capacity (Blockdesk's default 5,000)",
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        help="keep uvicorn's per-request access log on (off by default since it costs CPU)",
    )
    p.add_argument(
        "--embedded-worker",
        action="store_true",
        help="run the task worker, periodic jobs and event dispatcher in the server",
    )
    p.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the same run against the bare relay floor (bench/support/relay_floor.py)",
    )
    p.add_argument("--logs", default="", help="copy the server logs into this directory")
    p.add_argument("--json", default="", help="append the result as one JSON line here")
    p.add_argument(
        "--consumer-lag",
        action="store_true",
        help="metrics on; sample each event consumer's lag from /metrics (with --embedded-worker)",
    )
    cfg = p.parse_args(argv)
    if cfg.nodes > 1 and not cfg.redis:
        p.error("--nodes > 1 needs --redis (the in-memory layer does not cross processes)")
    if cfg.url and not cfg.token:
        p.error("--url needs --token")
    return cfg


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    info = machine()
    print(f"machine: {info['nproc']} CPU {info['cpu']}, {info['memory']}, Python {info['python']}")
    if cfg.url:
        ctx: Any = contextlib.nullcontext(([Target(cfg.url.rstrip("/"))], cfg.token, [], {}))
    else:
        ctx = servers(cfg)
    with ctx as (nodes, token, pids, db_info):
        result = asyncio.run(run(cfg, nodes, token, pids))
    result["machine"] = {**info, **db_info}
    print_report(result)
    if not cfg.url and not cfg.no_floor:
        print("\nthe same run against the bare relay floor (bench/support/relay_floor.py) ...")
        floor_cfg = floor_config(cfg)
        with relay_floor() as (nodes, token, pids, _info):
            floor = asyncio.run(run(floor_cfg, nodes, token, pids))
        floor["config"].update(database="none", channel_layer="none", server="relay floor")
        floor["machine"] = {"loadavg_before": os.getloadavg()}
        print_report(floor)
        result["floor"] = floor
        result["versus_floor"] = versus_floor(result, floor)
        print_versus_floor(result["versus_floor"])
    if cfg.json:
        with Path(cfg.json).open("a") as out:
            out.write(json.dumps(result) + "\n")
    m = result["messages"]
    return 0 if m["lost"] == 0 and m["post_failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
