"""The agent's live socket: every event of the inboxes they can see, plus their own."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from blockdesk.accounts.middleware import SESSION_KEY
from blockdesk.accounts.models import User
from blockdesk.accounts.selectors import has_two_factor
from blockdesk.common.jsonsocket import BoundedJsonWebsocketConsumer
from blockdesk.common.realtime import contact_group, inbox_group, user_group
from blockdesk.common.socket_handlers import SocketPeer, disconnected, dispatch
from blockdesk.conversations import selectors


class AgentConsumer(BoundedJsonWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        allowed = await database_sync_to_async(self._authorise)(user)
        if not allowed:
            await self.close(code=4401)
            return
        self.user: User = user
        inbox_ids = await database_sync_to_async(
            lambda: list(selectors.visible_inboxes(user=user).values_list("id", flat=True))
        )()
        self.groups_joined = [inbox_group(i) for i in inbox_ids] + [user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        counts = await database_sync_to_async(selectors.unread_counts)(user=user)
        await self.send_json({"type": "ready", "unread": counts})

    def _authorise(self, user: Any) -> bool:
        if not isinstance(user, User) or not user.is_authenticated or user.account_id is None:
            return False
        if not user.is_active:
            return False
        session = self.scope.get("session")
        needs_2fa = has_two_factor(user=user) or (user.account and user.account.require_two_factor)
        return not needs_2fa or bool(session and session.get(SESSION_KEY))

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.groups_joined:  # authenticated: apps may hold state for this socket
            await disconnected(self._peer())

    def _peer(self) -> SocketPeer:
        return SocketPeer(
            surface="agent",
            channel_name=self.channel_name,
            user_id=self.user.pk,
            account_id=self.user.account_id,
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "typing":
            await self._typing(content)
        elif kind == "unread":
            counts = await database_sync_to_async(selectors.unread_counts)(user=self.user)
            await self.send_json({"type": "unread", "unread": counts})
        else:  # frames of other apps (common/socket_handlers.py), e.g. call signalling
            await dispatch(self._peer(), content, self.send_json)

    async def _typing(self, content: dict[str, Any]) -> None:
        try:
            conversation_id = int(content.get("conversation_id", 0))
        except (TypeError, ValueError):
            return
        conv = await database_sync_to_async(
            lambda: (
                selectors.visible_conversations(user=self.user)
                .filter(pk=conversation_id)
                .values("inbox_id", "contact_id")
                .first()
            )
        )()
        if conv is None:
            return
        private = bool(content.get("private"))
        event = {
            "type": "typing",
            "conversation_id": conversation_id,
            "actor": "agent",
            "on": bool(content.get("on")),
        }
        agent_event = {**event, "name": self.user.public_name, "user_id": self.user.pk}
        await self.channel_layer.group_send(
            inbox_group(conv["inbox_id"]), {"type": "broadcast", "event": agent_event}
        )
        if not private:  # a note being written is nobody's business but the agents'
            await self.channel_layer.group_send(
                contact_group(conv["contact_id"]), {"type": "broadcast", "event": event}
            )

    async def broadcast(self, message: dict[str, Any]) -> None:
        event = message["event"]
        # Agents see their own typing echo suppressed.
        if event.get("type") == "typing" and event.get("user_id") == self.user.pk:
            return
        await self.send_json(event)
