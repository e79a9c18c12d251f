"""Server cost of one HTTP call, measured in process: the call goes through Django's WSGI
or ASGI handler (every middleware, the view, the response), with no client and no
network, so `time.process_time()` around it is the server's CPU for that request (all
threads of the process: under ASGI a sync view runs in a worker thread). Used by
bench/api_cost.py for Blockdesk and for the peer it is compared with, so both are
measured by the same code. Depends on Django and the standard library only.

Per call: CPU (median, p95), wall (median), SQL statements (and how many of them
write), and on PostgreSQL the database server's CPU (its backends' /proc counters over
the whole batch, divided by the calls)."""

from __future__ import annotations

import io
import json
import os
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK")
_WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    body: Any = None  # JSON-encoded when not None
    query: str = ""
    expect: tuple[int, ...] = (200, 201)


@dataclass
class Result:
    name: str
    calls: int
    cpu_ms: float
    cpu_p95_ms: float
    wall_ms: float
    queries: int
    writes: int
    db_cpu_ms: float | None

    def row(self) -> str:
        db = f"{self.db_cpu_ms:.2f}" if self.db_cpu_ms is not None else "–"
        return (
            f"| {self.name} | {self.cpu_ms:.2f} | {self.cpu_p95_ms:.2f} | {self.wall_ms:.2f} "
            f"| {self.queries} ({self.writes} writes) | {db} |"
        )


HEADER = (
    "| call | CPU ms (median) | CPU ms (p95) | wall ms (median) | SQL statements "
    "| DB server CPU ms |\n|---|---|---|---|---|---|"
)


def environ(req: Req, headers: dict[str, str], host: str = "localhost") -> dict[str, Any]:
    body = b"" if req.body is None else json.dumps(req.body).encode()
    env: dict[str, Any] = {
        "REQUEST_METHOD": req.method,
        "PATH_INFO": req.path,
        "QUERY_STRING": req.query,
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    if req.body is not None:
        env["CONTENT_TYPE"] = "application/json"
    for key, value in headers.items():
        env["HTTP_" + key.upper().replace("-", "_")] = value
    return env


class Caller:
    """Runs requests through one WSGIHandler, as a WSGI server would."""

    def __init__(self, headers: dict[str, str]) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.headers = headers

    def __call__(self, req: Req) -> tuple[int, bytes]:
        status: list[str] = []

        def start_response(s: str, _headers: Any, _exc: Any = None) -> None:
            status.append(s)

        chunks = self.handler(environ(req, self.headers), start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()  # request_finished: connections go back, as after a real response
        code = int(status[0].split()[0])
        if code not in req.expect:
            raise RuntimeError(f"{req.method} {req.path} -> {code}: {body[:500]!r}")
        return code, body

    def json(self, req: Req) -> Any:
        return json.loads(self(req)[1])


class AsgiCaller(Caller):
    """The same requests through an ASGI application on one long-lived event loop, as
    uvicorn runs it (sync views in a worker thread; async_to_sync in them reaches this
    loop instead of starting a loop of its own, which under WSGI costs a thread per call)."""

    def __init__(self, headers: dict[str, str], app: Any) -> None:
        import asyncio

        self.app = app
        self.headers = headers
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)

    def __call__(self, req: Req) -> tuple[int, bytes]:
        body = b"" if req.body is None else json.dumps(req.body).encode()
        headers = [(b"host", b"localhost"), (b"content-length", str(len(body)).encode())]
        if req.body is not None:
            headers.append((b"content-type", b"application/json"))
        headers += [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": req.method,
            "scheme": "http",
            "path": req.path,
            "raw_path": req.path.encode(),
            "query_string": req.query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("localhost", 80),
        }
        sent = False
        status: list[int] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                import asyncio

                await asyncio.Event().wait()  # the client never disconnects
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        self.loop.run_until_complete(self.app(scope, receive, send))
        data = b"".join(chunks)
        if status[0] not in req.expect:
            raise RuntimeError(f"{req.method} {req.path} -> {status[0]}: {data[:500]!r}")
        return status[0], data


def _backend_cpu(dbname: str | None) -> float:
    """CPU seconds of every PostgreSQL backend connected to `dbname` but this probe."""
    if dbname is None:
        return 0.0
    import psycopg

    total = 0.0
    with psycopg.connect(f"dbname={dbname} user=postgres host=127.0.0.1", autocommit=True) as probe:
        rows = probe.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        ).fetchall()
    for (pid,) in rows:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def measure_all(
    calls: list[tuple[str, Callable[[int], Req]]],
    call: Caller,
    *,
    iterations: int,
    warmup: int = 5,
    pg_dbname: str | None = None,
    count_calls: int = 5,
    count_with: Caller | None = None,
    db_calls: int = 50,
) -> list[Result]:
    """`make(i)` builds the i-th request of its kind (fresh idempotency keys, new ids…).

    Three passes per kind: statements counted over `count_calls` calls, through
    `count_with` (a WSGI caller: the queries run in this thread, where they can be
    captured; under ASGI they run in a worker thread), since capturing costs CPU itself;
    the database server's CPU over `db_calls` calls in a row; then the timed calls,
    **interleaved** (one of each kind per round) so that every kind sees the same machine
    load, which on a shared machine moves more within a run than the calls differ."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    index = dict.fromkeys((name for name, _ in calls), 0)

    def next_req(name: str, make: Callable[[int], Req]) -> Req:
        index[name] += 1
        return make(index[name])

    counts: dict[str, tuple[int, int]] = {}
    db_ms: dict[str, float | None] = {}
    for name, make in calls:
        for _ in range(warmup):
            call(next_req(name, make))
        found: list[tuple[int, int]] = []
        for _ in range(count_calls):
            with CaptureQueriesContext(connection) as ctx:
                (count_with or call)(next_req(name, make))
            sqls = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
            found.append((len(sqls), sum(s.startswith(_WRITES) for s in sqls)))
        counts[name] = max(found)
        db_ms[name] = None
        if pg_dbname:
            before = _backend_cpu(pg_dbname)
            for _ in range(db_calls):
                call(next_req(name, make))
            db_ms[name] = (_backend_cpu(pg_dbname) - before) / db_calls * 1e3
    cpu: dict[str, list[float]] = {name: [] for name, _ in calls}
    wall: dict[str, list[float]] = {name: [] for name, _ in calls}
    for _ in range(iterations):
        for name, make in calls:
            req = next_req(name, make)
            w0, c0 = time.perf_counter(), time.process_time()
            call(req)
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - w0)
    results = []
    for name, _ in calls:
        ordered = sorted(cpu[name])
        results.append(
            Result(
                name=name,
                calls=iterations,
                cpu_ms=statistics.median(ordered) * 1e3,
                cpu_p95_ms=ordered[int(0.95 * (len(ordered) - 1))] * 1e3,
                wall_ms=statistics.median(wall[name]) * 1e3,
                queries=counts[name][0],
                writes=counts[name][1],
                db_cpu_ms=db_ms[name],
            )
        )
    return results


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f}, {os.cpu_count()} CPUs"


def print_table(title: str, results: Iterable[Result]) -> None:
    print(f"\n### {title}\n\n{HEADER}")
    for r in results:
        print(r.row())
