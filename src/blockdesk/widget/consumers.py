"""The visitor's live socket. The first frame must authenticate with the visitor token
(never in the URL, which ends up in logs); then the socket hears only this contact's
public events."""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async

from blockdesk.common.errors import BlockdeskError
from blockdesk.common.jsonsocket import BoundedJsonWebsocketConsumer
from blockdesk.common.realtime import contact_group, inbox_group
from blockdesk.common.socket_handlers import SocketPeer, disconnected, dispatch
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation
from blockdesk.widget import services
from blockdesk.widget.serializers import (
    public_conversation_update,
    public_event_from_dict,
    with_signed_attachments,
)

# A visitor's "still typing" frames are forwarded at most this often (seconds);
# "stopped typing" always goes through so the indicator never sticks.
TYPING_MIN_INTERVAL = 1.0


def visitor_event(event: dict[str, Any]) -> dict[str, Any] | None:
    """What the visitor's socket may carry of an event published to their contact group:
    attachment links signed for them, timeline entries and case updates reduced to the
    public facts. Unknown kinds are dropped rather than passed through."""
    kind = event.get("type")
    if kind == "message.created":
        message = event.get("message") or {}
        if message.get("private"):
            return None
        return {"type": kind, "message": with_signed_attachments(message)}
    if kind == "conversation.updated":
        conversation = event.get("conversation")
        if not isinstance(conversation, dict):
            return None
        return {"type": kind, "conversation": public_conversation_update(conversation)}
    if kind == "conversation.event":
        inner = event.get("event") or {}
        if not inner.get("public", False):
            return None
        return {
            "type": kind,
            "conversation_id": event.get("conversation_id"),
            "event": public_event_from_dict(inner),
        }
    if kind == "typing":
        return {
            "type": "typing",
            "conversation_id": event.get("conversation_id"),
            "actor": event.get("actor"),
            "on": bool(event.get("on")),
        }
    return None


class VisitorConsumer(BoundedJsonWebsocketConsumer):
    group: str | None = None
    contact_id: int | None = None
    last_typing_at: float = 0.0

    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["public_token"]
        try:
            self.channel = await database_sync_to_async(services.get_widget_channel)(
                public_token=token
            )
        except BlockdeskError:
            await self.close(code=4404)
            return
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.contact_id is not None:  # authenticated: apps may hold state for it
            await disconnected(self._peer())

    def _peer(self) -> SocketPeer:
        return SocketPeer(
            surface="visitor",
            channel_name=self.channel_name,
            contact_id=self.contact_id,
            inbox_id=self.channel.inbox_id,
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "auth":
            await self._auth(str(content.get("token", "")))
        elif self.contact_id is None:
            await self.send_json({"type": "error", "code": "unauthenticated"})
            await self.close(code=4401)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "typing":
            await self._typing(content)
        elif kind == "seen":
            await self._seen(content)
        else:  # frames of other apps (common/socket_handlers.py), e.g. call signalling
            await dispatch(self._peer(), content, self.send_json)

    async def _auth(self, token: str) -> None:
        try:
            session = await database_sync_to_async(services.resolve_visitor)(
                channel=self.channel, token=token
            )
        except BlockdeskError:
            await self.send_json({"type": "error", "code": "unauthenticated"})
            await self.close(code=4401)
            return
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        self.contact_id = session.contact.pk
        self.group = contact_group(session.contact.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "ready", "contact_id": self.contact_id})

    async def _typing(self, content: dict[str, Any]) -> None:
        contact_id = self.contact_id
        assert contact_id is not None
        try:
            conversation_id = int(content.get("conversation_id", 0))
        except (TypeError, ValueError):
            return
        on = bool(content.get("on"))
        now = time.monotonic()
        if on and now - self.last_typing_at < TYPING_MIN_INTERVAL:
            return
        self.last_typing_at = now if on else 0.0
        inbox_id = await database_sync_to_async(
            lambda: (
                Conversation.objects.filter(pk=conversation_id, contact_id=contact_id)
                .values_list("inbox_id", flat=True)
                .first()
            )
        )()
        if inbox_id is None:
            return
        await self.channel_layer.group_send(
            inbox_group(inbox_id),
            {
                "type": "broadcast",
                "event": {
                    "type": "typing",
                    "conversation_id": conversation_id,
                    "actor": "contact",
                    "on": on,
                },
            },
        )

    async def _seen(self, content: dict[str, Any]) -> None:
        """The visitor saw the conversation up to a message (replies they saw live are not
        emailed to their follow-up address). Only their own conversations move."""
        contact_id = self.contact_id
        assert contact_id is not None
        try:
            conversation_id = int(content.get("conversation_id", 0))
            message_id = int(content.get("message_id", 0))
        except (TypeError, ValueError):
            return
        if conversation_id <= 0 or message_id <= 0:
            return
        await database_sync_to_async(conversation_services.do_mark_read_by_contact)(
            contact_id=contact_id, conversation_id=conversation_id, message_id=message_id
        )

    async def broadcast(self, message: dict[str, Any]) -> None:
        event = visitor_event(message["event"])
        if event is not None:
            await self.send_json(event)
