"""ASGI wrapper counting open WebSockets for the metrics (no consumer needs to know)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _kind(path: str) -> str:
    # /ws/agent/ or /ws/widget/<token>/: the second segment, never the token.
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) > 1 and parts[0] == "ws" else "other"


def count_websockets(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        from blockdesk.ops import metrics

        if scope.get("type") != "websocket" or not metrics.enabled():
            await app(scope, receive, send)
            return
        gauge = metrics.WEBSOCKETS_OPEN.labels(kind=_kind(str(scope.get("path", ""))))
        accepted = False

        async def counting_send(message: Message) -> None:
            nonlocal accepted
            if message.get("type") == "websocket.accept" and not accepted:
                accepted = True
                gauge.inc()
            await send(message)

        try:
            await app(scope, receive, counting_send)
        finally:
            if accepted:
                gauge.dec()

    return wrapped
