"""A local stand-in of a remote platform's HTTP API (Discord's REST API, the X API v2)
on loopback: the real services cannot be reached from the test machines, and a SaaS API
is the one thing the project mocks. A stand-in speaks the platform's HTTP protocol (paths,
methods, JSON bodies, status codes, rate-limit answers) from a Python `route` function,
records every request, and can be told to fail (down, 429) for a number of requests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a file (a CDN download) instead of a JSON body


Route = Callable[[Request], Reply]


class StandIn:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.requests: list[Request] = []
        # Each scripted failure answers one request (FIFO) before `route` is asked again.
        self.failures: list[Reply] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with standin._lock:
                    standin.requests.append(request)
                    reply = standin.failures.pop(0) if standin.failures else None
                if reply is None:
                    reply = standin.route(request)
                data = b"" if reply.body is None else json.dumps(reply.body).encode()
                if reply.raw is not None:
                    data = reply.raw
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if data and reply.raw is None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def calls(self, method: str, prefix: str = "") -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def running(route: Route) -> Iterator[StandIn]:
    standin = StandIn(route).start()
    try:
        yield standin
    finally:
        standin.stop()
