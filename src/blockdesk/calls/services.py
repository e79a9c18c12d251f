"""Writes for calls (check_* authorise, do_* mutate in one transaction).

Who may do what: a call is between a conversation's customer (their widget socket, in the
conversation's inbox) and the agent assigned to it (their console socket). Anyone else —
another visitor, an agent of the inbox who is not the assignee, an agent of another
account — gets NotFound, so a call's existence does not leak. Once a call is answered,
its signalling goes only between the two sockets recorded on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.calls import presence
from blockdesk.calls.event_types import CallEnded, CallStarted
from blockdesk.calls.models import Call, CallSettings
from blockdesk.calls.timeline_kinds import KIND_ENDED, KIND_STARTED
from blockdesk.common.errors import Conflict, NotFound
from blockdesk.common.socket_handlers import SocketPeer
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit

LIVE = (Call.Status.RINGING, Call.Status.ACTIVE)


def call_settings(*, account_id: int) -> CallSettings:
    found = CallSettings.objects.filter(account_id=account_id).first()
    return found if found is not None else CallSettings(account_id=account_id)


def do_update_call_settings(
    *, actor: User, calls_enabled: bool, recording_enabled: bool
) -> CallSettings:
    if not actor.is_account_admin or actor.account_id is None:
        raise NotFound()
    with transaction.atomic():
        row, _created = CallSettings.objects.update_or_create(
            account_id=actor.account_id,
            defaults={"calls_enabled": calls_enabled, "recording_enabled": recording_enabled},
        )
    return row


def _side(peer: SocketPeer) -> str:
    return Call.Side.CUSTOMER if peer.surface == "visitor" else Call.Side.AGENT


def check_party(*, peer: SocketPeer, conversation_id: int) -> Conversation:
    """The conversation, if `peer` is its customer or its assignee; NotFound otherwise."""
    qs = Conversation.objects.select_related("assignee").filter(pk=conversation_id)
    conv: Conversation | None = None
    if peer.surface == "visitor":
        if peer.contact_id is not None and peer.inbox_id is not None:
            conv = qs.filter(contact_id=peer.contact_id, inbox_id=peer.inbox_id).first()
    elif peer.user_id is not None and peer.account_id is not None:
        conv = qs.filter(account_id=peer.account_id, assignee_id=peer.user_id).first()
        user = User.objects.filter(pk=peer.user_id, is_active=True).first()
        # Still a member of the inbox (an assignee who lost access cannot call).
        if conv is not None and (
            user is None
            or not conv_selectors.agent_can_access_inbox(user=user, inbox_id=conv.inbox_id)
        ):
            conv = None
    if conv is None:
        raise NotFound()
    return conv


@dataclass(frozen=True)
class Availability:
    available: bool
    recording: bool  # the account records calls when the customer agrees


def availability(*, peer: SocketPeer, conversation_id: int) -> Availability:
    """Whether the call button shows: an assignee who is online (for the customer), the
    viewer being the assignee (for an agent), calls on, and the case not resolved."""
    conv = check_party(peer=peer, conversation_id=conversation_id)
    options = call_settings(account_id=conv.account_id)
    ok = (
        options.calls_enabled
        and conv.status != Conversation.Status.RESOLVED
        and conv.assignee_id is not None
        and conv.assignee is not None
        and conv.assignee.is_active
    )
    if ok and peer.surface == "visitor":
        assert conv.assignee_id is not None
        ok = presence.is_online(user_id=conv.assignee_id)
    return Availability(available=bool(ok), recording=options.recording_enabled)


def _expire_stale(*, conversation: Conversation, now: dt.datetime) -> None:
    """A call left ringing past the ring time (both sockets gone without a word) no
    longer blocks a new one."""
    limit = now - dt.timedelta(seconds=settings.CALLS_RING_SECONDS)
    for call in Call.objects.select_for_update().filter(
        conversation=conversation, status=Call.Status.RINGING, rang_at__lt=limit
    ):
        _end(call=call, outcome=Call.Outcome.MISSED, now=now)


def do_ring(*, peer: SocketPeer, conversation_id: int, video: bool, consent: bool) -> Call:
    now = timezone.now()
    with transaction.atomic():
        conv = check_party(peer=peer, conversation_id=conversation_id)
        if not availability(peer=peer, conversation_id=conversation_id).available:
            raise Conflict(_("Nobody can take a call in this conversation now."))
        assert conv.assignee_id is not None
        _expire_stale(conversation=conv, now=now)
        options = call_settings(account_id=conv.account_id)
        side = _side(peer)
        call = Call(
            account_id=conv.account_id,
            conversation=conv,
            agent_id=conv.assignee_id,
            contact_id=conv.contact_id,
            started_by=side,
            video=video,
            recording_allowed=options.recording_enabled,
            rang_at=now,
        )
        if side == Call.Side.CUSTOMER:
            call.customer_channel = peer.channel_name
            if options.recording_enabled and consent:
                call.recording_consent_at = now
        else:
            call.agent_channel = peer.channel_name
        call.full_clean(exclude=["conversation", "contact", "account", "agent"])
        try:
            with transaction.atomic():
                call.save()
        except IntegrityError as exc:
            raise Conflict(_("A call is already in progress in this conversation.")) from exc
    return call


def _live_call(*, peer: SocketPeer, call_id: int) -> Call:
    call = Call.objects.select_for_update().filter(pk=call_id, status__in=LIVE).first()
    if call is None:
        raise NotFound()
    check_party(peer=peer, conversation_id=call.conversation_id)
    if peer.surface == "agent" and call.agent_id != peer.user_id:
        raise NotFound()  # the case was reassigned since it rang
    return call


def do_accept(*, peer: SocketPeer, call_id: int, consent: bool) -> Call:
    now = timezone.now()
    with transaction.atomic():
        call = _live_call(peer=peer, call_id=call_id)
        if call.status != Call.Status.RINGING or call.started_by == _side(peer):
            raise Conflict(_("This call cannot be answered here."))
        if peer.surface == "visitor":
            call.customer_channel = peer.channel_name
            if call.recording_allowed and consent:
                call.recording_consent_at = now
        else:
            call.agent_channel = peer.channel_name
        call.status = Call.Status.ACTIVE
        call.answered_at = now
        call.save()
        _record(
            call=call,
            kind=KIND_STARTED,
            payload=CallStarted(
                **_facts(call), recording_consent=call.recording_consent_at is not None
            ),
            actor=_actor(peer),
        )
    return call


def _facts(call: Call) -> dict[str, Any]:
    return {
        "call_id": call.pk,
        "conversation_id": call.conversation_id,
        "agent_id": call.agent_id,
        "contact_id": call.contact_id,
        "started_by": call.started_by,
        "video": call.video,
    }


def _record(*, call: Call, kind: str, payload: CallStarted | CallEnded, actor: Actor) -> None:
    """The timeline line agents see and the event on the log, in the caller's transaction."""
    conv_services.do_record_event(
        conversation=call.conversation, kind=kind, data=_timeline_data(call)
    )
    emit(
        account_id=call.account_id,
        name="call.started" if kind == KIND_STARTED else "call.ended",
        payload=payload,
        actor=actor,
        subject=Subject("conversation", call.conversation_id),
    )


def _actor(peer: SocketPeer) -> Actor:
    if peer.surface == "agent" and peer.user_id is not None:
        return Actor.agent(peer.user_id)
    if peer.contact_id is not None:
        return Actor.contact(peer.contact_id)
    return Actor.system()


def _timeline_data(call: Call) -> dict[str, object]:
    return {
        "call_id": call.pk,
        "video": call.video,
        "started_by": call.started_by,
        "agent_name": call.agent.public_name if call.agent else "",
        "outcome": call.outcome,
        "duration": call.duration_seconds,
        "recording_consent": call.recording_consent_at is not None,
    }


def _end(*, call: Call, outcome: str, now: dt.datetime, actor: Actor | None = None) -> Call:
    call.status = Call.Status.ENDED
    call.outcome = outcome
    call.ended_at = now
    call.save()
    _record(
        call=call,
        kind=KIND_ENDED,
        payload=CallEnded(**_facts(call), outcome=outcome, duration_seconds=call.duration_seconds),
        actor=actor or Actor.system(),
    )
    return call


def do_decline(*, peer: SocketPeer, call_id: int) -> Call:
    now = timezone.now()
    with transaction.atomic():
        call = _live_call(peer=peer, call_id=call_id)
        if call.status != Call.Status.RINGING or call.started_by == _side(peer):
            raise Conflict(_("This call cannot be declined here."))
        return _end(call=call, outcome=Call.Outcome.DECLINED, now=now, actor=_actor(peer))


def is_on_call(call: Call, peer: SocketPeer) -> bool:
    return peer.channel_name in (call.customer_channel, call.agent_channel)


def do_hang_up(*, peer: SocketPeer, call_id: int) -> Call:
    """The caller cancels a call still ringing; either party ends an answered one."""
    now = timezone.now()
    with transaction.atomic():
        call = _live_call(peer=peer, call_id=call_id)
        if not is_on_call(call, peer):
            raise NotFound()
        outcome = (
            Call.Outcome.COMPLETED
            if call.status == Call.Status.ACTIVE
            else (Call.Outcome.CANCELLED)
        )
        return _end(call=call, outcome=outcome, now=now, actor=_actor(peer))


def do_end_calls_of_socket(*, channel_name: str) -> list[Call]:
    """A party's socket closed: its live calls end (the other side is told)."""
    now = timezone.now()
    ended = []
    with transaction.atomic():
        for call in Call.objects.select_for_update().filter(
            Q(customer_channel=channel_name) | Q(agent_channel=channel_name), status__in=LIVE
        ):
            outcome = (
                Call.Outcome.COMPLETED
                if call.status == Call.Status.ACTIVE
                else (Call.Outcome.CANCELLED)
            )
            ended.append(_end(call=call, outcome=outcome, now=now))
    return ended


def do_end_stale_calls(*, now: dt.datetime | None = None) -> int:
    """Periodic: calls ringing past the ring time end as missed."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.CALLS_RING_SECONDS)
    count = 0
    with transaction.atomic():
        for call in Call.objects.select_for_update().filter(
            status=Call.Status.RINGING, rang_at__lt=limit
        ):
            _end(call=call, outcome=Call.Outcome.MISSED, now=now)
            count += 1
    return count


def counterpart_channel(*, peer: SocketPeer, call_id: int) -> str:
    """Where a peer's offer, answer or candidate goes: the other socket of an answered
    call this socket is part of. NotFound for anything else."""
    call = Call.objects.filter(pk=call_id, status=Call.Status.ACTIVE).first()
    if call is None or not is_on_call(call, peer):
        raise NotFound()
    if peer.surface == "visitor":
        if call.customer_channel != peer.channel_name or call.contact_id != peer.contact_id:
            raise NotFound()
        return call.agent_channel
    if call.agent_channel != peer.channel_name or call.agent_id != peer.user_id:
        raise NotFound()
    return call.customer_channel
