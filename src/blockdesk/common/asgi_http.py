"""Django's ASGI handler, with a request's synchronous work done in one thread hop.

Every Blockdesk view is synchronous. Django's own ASGI handler runs the middleware chain
in async mode up to the first sync-only middleware (WhiteNoise), and every
`MiddlewareMixin` middleware in async mode moves its `process_request` and
`process_response` to a thread and back: about a dozen hops per request, plus a new
thread and executor per request (asgiref's `ThreadSensitiveContext`), the
`request_started` signal and `response.close()` each in a hop of their own. Profiled
under the widget load (docs/benchmarks/widget.md, issue 17) that was a large share of
the server's CPU per message.

Here the whole chain is loaded in sync mode (as under WSGI) and a request makes one hop
into a fixed pool of request threads: the `request_started` signal, the middleware chain
and the view, and for an ordinary (non-streaming) response its `close()` (the
`request_finished` signal, which returns the thread's database connection or keeps it,
as `CONN_MAX_AGE` says). Each pool thread keeps its database connection between
requests, as a WSGI worker thread does. Streaming responses are sent as Django sends
them and closed afterwards.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

from blockdesk.common import realtime


class SyncChainASGIHandler(ASGIHandler):
    """HTTP only; WebSockets go through Channels (blockdesk/asgi.py)."""

    def __init__(self, *, threads: int) -> None:
        # Not ASGIHandler.__init__: it loads the chain in async mode.
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            try:
                response, closed = await sync_to_async(
                    self._respond, thread_sensitive=False, executor=self.executor
                )(scope, body_file)
            finally:
                realtime.release_pushes()
            try:
                await self.send_response(response, send)
            finally:
                if not closed:
                    await sync_to_async(
                        response.close, thread_sensitive=False, executor=self.executor
                    )()
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> tuple[HttpResponseBase, bool]:
        # The request's real-time pushes leave together once it is done (common/realtime.py).
        with realtime.holding_pushes():
            return self._respond_held(scope, body_file)

    def _respond_held(self, scope: dict[str, Any], body_file: Any) -> tuple[HttpResponseBase, bool]:
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response: HttpResponseBase
        if request is None:
            assert error_response is not None  # create_request returns one or the other
            response = error_response
        else:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
        if isinstance(response, FileResponse):
            # The ASGI server chunks the body itself: fewer, larger reads.
            response.block_size = self.chunk_size
        if response.streaming:
            # Its content is read later in another thread (with a connection of its own
            # if it queries): this thread's connection goes back now.
            close_old_connections()
            return response, False
        response.close()
        return response, True
