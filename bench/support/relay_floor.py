"""The bare relay floor for bench/widget_load.py: the least a server can do for the same
traffic, so the widget figures can be read as a ratio on a noisy machine.

    .venv/bin/python -m uvicorn bench.support.relay_floor:app --port 8100 --no-access-log

A plain ASGI app (no Django, no database, no channel layer) that answers the widget
bench's requests with the same shape as Blockdesk: visitor sessions and tokens, visitor
sockets that authenticate with their first frame, an agent socket behind a login cookie,
a POST per message (bearer token, idempotency key, conversation id) whose body is
forwarded as a `message.created` frame to the one agent socket, and agent replies pushed
to the visitor's socket. Everything is held in this process's memory.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SESSION = re.compile(r"^/widget/api/([^/]+)/session$")
MESSAGES = re.compile(r"^/widget/api/([^/]+)/messages$")
REPLY = re.compile(r"^/app/c/(\d+)/reply/$")
VISITOR_WS = re.compile(r"^/ws/widget/([^/]+)/$")


class Relay:
    def __init__(self) -> None:
        self.visitors: dict[str, int] = {}  # visitor token -> contact id
        self.conversations: dict[int, int] = {}  # conversation id -> contact id
        self.sockets: dict[int, Send] = {}  # contact id -> that visitor's socket
        self.agents: list[Send] = []
        self.idempotent: dict[str, bytes] = {}  # idempotency key -> the response sent
        self.sessions: set[str] = set()  # agent login cookies
        self.next_id = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self.websocket(scope, receive, send)

    # --- HTTP ---------------------------------------------------------------------------

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        path, method = scope["path"], scope["method"]
        if method == "POST" and (m := MESSAGES.match(path)):
            await self.message(headers, body, send)
        elif method == "POST" and SESSION.match(path):
            token = secrets.token_urlsafe(24)
            self.visitors[token] = self.new_id()
            await respond(send, 201, {"visitor_token": token, "visitor": {}})
        elif path == "/accounts/login/":
            cookie = secrets.token_urlsafe(16)
            if method == "GET":
                await respond(send, 200, {}, cookies={"csrftoken": cookie})
            else:
                self.sessions.add(cookie)
                await respond(send, 302, {}, cookies={"sessionid": cookie})
        elif method == "POST" and (m := REPLY.match(path)):
            await self.reply(int(m.group(1)), body, send)
        elif path == "/healthz":
            await respond(send, 200, {"ok": True})
        else:
            await respond(send, 404, {"error": "not_found"})

    async def message(self, headers: dict[str, str], body: bytes, send: Send) -> None:
        contact = self.visitors.get(headers.get("authorization", "").removeprefix("Bearer "))
        if contact is None:
            await respond(send, 401, {"error": "unauthenticated"})
            return
        data = json.loads(body)
        key = str(data.get("idempotency_key", ""))
        if key in self.idempotent:
            await respond_raw(send, 200, self.idempotent[key])
            return
        conversation = data.get("conversation_id")
        created = conversation is None
        if created:
            conversation = self.new_id()
            self.conversations[conversation] = contact
        elif self.conversations.get(conversation) != contact:
            await respond(send, 404, {"error": "not_found"})
            return
        message = {
            "id": self.new_id(),
            "conversation_id": conversation,
            "sender_type": "contact",
            "content": str(data.get("content", "")),
            "private": False,
        }
        for agent in list(self.agents):
            await agent(ws_text({"type": "message.created", "message": message}))
        raw = json.dumps(
            {"conversation": {"id": conversation, "display_id": conversation}, "message": message}
        ).encode()
        self.idempotent[key] = raw
        await respond_raw(send, 201 if created else 200, raw)

    async def reply(self, conversation: int, body: bytes, send: Send) -> None:
        contact = self.conversations.get(conversation)
        if contact is None:
            await respond(send, 404, {"error": "not_found"})
            return
        form = dict(pair.split("=", 1) for pair in body.decode().split("&") if "=" in pair)
        content = form.get("content", "").replace("+", " ")
        message = {"conversation_id": conversation, "sender_type": "agent", "content": content}
        socket = self.sockets.get(contact)
        if socket is not None:
            await socket(ws_text({"type": "message.created", "message": message}))
        await respond(send, 200, {"message": message})

    # --- WebSockets ---------------------------------------------------------------------

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        path = scope["path"]
        if path == "/ws/agent/":
            cookies = dict(
                part.strip().split("=", 1)
                for k, v in scope["headers"]
                if k == b"cookie"
                for part in v.decode().split(";")
                if "=" in part
            )
            if cookies.get("sessionid") not in self.sessions:
                await send({"type": "websocket.close", "code": 4401})
                return
            await send({"type": "websocket.accept"})
            await send(ws_text({"type": "ready"}))
            self.agents.append(send)
            try:
                await drain(receive)
            finally:
                self.agents.remove(send)
            return
        if not VISITOR_WS.match(path):
            await send({"type": "websocket.close", "code": 4404})
            return
        await send({"type": "websocket.accept"})
        contact: int | None = None
        try:
            while True:
                event = await receive()
                if event["type"] == "websocket.disconnect":
                    return
                frame = json.loads(event.get("text") or "{}")
                if frame.get("type") == "auth" and contact is None:
                    contact = self.visitors.get(str(frame.get("token", "")))
                    if contact is None:
                        await send(ws_text({"type": "error", "code": "unauthenticated"}))
                        await send({"type": "websocket.close", "code": 4401})
                        return
                    self.sockets[contact] = send
                    await send(ws_text({"type": "ready", "contact_id": contact}))
        finally:
            if contact is not None and self.sockets.get(contact) is send:
                del self.sockets[contact]


async def drain(receive: Receive) -> None:
    while (await receive())["type"] != "websocket.disconnect":
        pass


def ws_text(frame: dict[str, Any]) -> dict[str, Any]:
    return {"type": "websocket.send", "text": json.dumps(frame)}


async def respond(
    send: Send, status: int, body: dict[str, Any], *, cookies: dict[str, str] | None = None
) -> None:
    extra = [(b"set-cookie", f"{k}={v}; Path=/".encode()) for k, v in (cookies or {}).items()]
    if status == 302:
        extra.append((b"location", b"/app/"))
    await respond_raw(send, status, json.dumps(body).encode(), extra)


async def respond_raw(
    send: Send, status: int, raw: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


app = Relay()
