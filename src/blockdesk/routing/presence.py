"""Agent presence: online, away or offline. The agent chooses it in the console (or an
admin or an API client sets it); activity sets it too: the console's socket sends a
heartbeat frame (static/routing/presence.js) and a closed socket is a disconnect. Open
sockets are rows (AgentSocket), not process memory, so every node sees the same presence;
a node that dies leaves rows whose heartbeat stops, and they expire."""

from __future__ import annotations

import datetime as dt
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blockdesk.accounts.models import User
from blockdesk.common.socket_handlers import Send, SocketPeer
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.routing.models import AgentRouting, AgentSocket

HEARTBEAT = "presence.heartbeat"
Presence = AgentRouting.Presence


def socket_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=int(settings.ROUTING_SOCKET_TIMEOUT_SECONDS))


def row_for(user: User) -> AgentRouting:
    row, _created = AgentRouting.objects.get_or_create(
        user_id=user.pk, defaults={"account_id": user.account_pk}
    )
    return row


def _emit(row: AgentRouting, by: str) -> None:
    emit(
        account_id=row.account_id,
        name="agent.presence_changed",
        payload={"agent_id": row.pk, "presence": row.presence, "by": by},
        actor=Actor.agent(row.pk) if by in ("agent", "activity") else Actor.system(),
        subject=Subject("agent", row.pk),
    )


def do_set_presence(
    *, user: User, presence: str, by: str = "agent", now: dt.datetime | None = None
) -> AgentRouting:
    """A choice (by the agent, an admin or the API). Away and offline chosen by hand stick:
    opening the console again does not bring the agent back online behind their back."""
    now = now or timezone.now()
    presence = Presence(presence)
    with transaction.atomic():
        row_for(user)
        row = AgentRouting.objects.select_for_update().get(pk=user.pk)
        row.presence_manual = presence != Presence.ONLINE
        changed = row.presence != presence
        row.presence = presence
        if changed:
            row.presence_changed_at = now
        row.save(update_fields=["presence", "presence_manual", "presence_changed_at"])
        if changed:
            _emit(row, by)
    return row


def do_socket_seen(
    *, user_id: int, account_id: int, channel_name: str, now: dt.datetime | None = None
) -> bool:
    """A heartbeat (the first one is the connect). True when the agent came online."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = AgentSocket.objects.filter(channel_name=channel_name).update(last_seen_at=now)
        if updated:
            return False
        AgentSocket.objects.create(user_id=user_id, channel_name=channel_name, last_seen_at=now)
        AgentRouting.objects.get_or_create(user_id=user_id, defaults={"account_id": account_id})
        row = AgentRouting.objects.select_for_update().get(pk=user_id)
        if row.presence == Presence.ONLINE or row.presence_manual:
            return False
        row.presence = Presence.ONLINE
        row.presence_changed_at = now
        row.save(update_fields=["presence", "presence_changed_at"])
        _emit(row, "activity")
        return True


def _go_offline_without_sockets(user_ids: list[int], now: dt.datetime) -> int:
    """Agents with no live socket left go offline (unless they chose away by hand)."""
    alive = set(AgentSocket.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    gone = 0
    for row in AgentRouting.objects.select_for_update().filter(
        pk__in=[u for u in user_ids if u not in alive], presence=Presence.ONLINE
    ):
        row.presence = Presence.OFFLINE
        row.presence_manual = False
        row.presence_changed_at = now
        row.save(update_fields=["presence", "presence_manual", "presence_changed_at"])
        _emit(row, "activity")
        gone += 1
    return gone


def do_socket_closed(*, user_id: int, channel_name: str, now: dt.datetime | None = None) -> bool:
    """True when that was the agent's last socket and they went offline."""
    now = now or timezone.now()
    with transaction.atomic():
        AgentSocket.objects.filter(channel_name=channel_name).delete()
        return bool(_go_offline_without_sockets([user_id], now))


def do_expire_sockets(*, now: dt.datetime | None = None) -> int:
    """The periodic job: sockets whose heartbeat stopped (their node died) are dropped."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = AgentSocket.objects.filter(last_seen_at__lt=now - socket_timeout())
        user_ids = sorted(set(stale.values_list("user_id", flat=True)))
        if not user_ids:
            return 0
        stale.delete()
        return _go_offline_without_sockets(user_ids, now)


async def on_heartbeat(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    if peer.user_id is None or peer.account_id is None:
        return
    await database_sync_to_async(do_socket_seen)(
        user_id=peer.user_id, account_id=peer.account_id, channel_name=peer.channel_name
    )
    presence = await database_sync_to_async(
        lambda: (
            AgentRouting.objects.filter(pk=peer.user_id).values_list("presence", flat=True).first()
        )
    )()
    await send({"type": "presence", "presence": presence or Presence.OFFLINE})


async def on_disconnect(peer: SocketPeer) -> None:
    if peer.user_id is None:
        return
    await database_sync_to_async(do_socket_closed)(
        user_id=peer.user_id, channel_name=peer.channel_name
    )
