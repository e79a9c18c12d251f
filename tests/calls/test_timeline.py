"""Calls on the conversation timeline: started, ended, the duration from a controlled
clock; outcomes; recording consent only when the account records calls."""

from __future__ import annotations

import datetime as dt

import pytest

from blockdesk.calls import services
from blockdesk.calls.models import Call
from blockdesk.calls.timeline_kinds import format_duration
from blockdesk.common.errors import Conflict, NotFound
from blockdesk.common.socket_handlers import SocketPeer
from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import describe_event, registered_kinds
from blockdesk.events.models import Event

T0 = dt.datetime(2026, 12, 4, 12, 0, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = T0
        monkeypatch.setattr(services.timezone, "now", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def online(agent):
    services.presence.mark_online(user_id=agent.pk, channel_name="agent-tab-1")


def customer(conversation) -> SocketPeer:
    return SocketPeer(
        surface="visitor",
        channel_name="customer-tab",
        contact_id=conversation.contact_id,
        inbox_id=conversation.inbox_id,
    )


def agent_peer(agent, channel_name: str = "agent-tab-1") -> SocketPeer:
    return SocketPeer(
        surface="agent", channel_name=channel_name, user_id=agent.pk, account_id=agent.account_id
    )


def test_call_kinds_are_registered():
    assert {"call_started", "call_ended"} <= set(registered_kinds())


@pytest.mark.django_db
def test_answered_call_shows_start_end_and_duration(conversation, agent, online, clock):
    call = services.do_ring(
        peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=False
    )
    clock.advance(7)  # rings for 7 s: not talk time
    services.do_accept(peer=agent_peer(agent), call_id=call.pk, consent=False)
    clock.advance(192.4)
    ended = services.do_hang_up(peer=agent_peer(agent), call_id=call.pk)
    assert ended.duration_seconds == 192 and ended.outcome == "completed"

    lines = [
        describe_event(e)
        for e in ConversationEvent.objects.filter(
            conversation=conversation, kind__startswith="call_"
        )
    ]
    assert lines == [
        f"The customer called (audio); {agent.public_name} answered",
        "Call ended · duration 3:12",
    ]
    events = {e.name: e.payload for e in Event.objects.filter(name__startswith="call.")}
    assert events["call.ended"]["duration_seconds"] == 192
    assert events["call.ended"]["outcome"] == "completed"
    assert events["call.started"]["recording_consent"] is False


@pytest.mark.django_db
def test_unanswered_calls_say_what_happened(conversation, agent, online, clock):
    ring = services.do_ring(
        peer=agent_peer(agent), conversation_id=conversation.pk, video=True, consent=False
    )
    with pytest.raises(Conflict):  # one live call per conversation
        services.do_ring(
            peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=False
        )
    declined = services.do_decline(peer=customer(conversation), call_id=ring.pk)
    assert declined.outcome == "declined" and declined.duration_seconds == 0

    ring = services.do_ring(
        peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=False
    )
    with pytest.raises(Conflict):  # the caller cannot answer their own call
        services.do_accept(peer=customer(conversation), call_id=ring.pk, consent=False)
    cancelled = services.do_hang_up(peer=customer(conversation), call_id=ring.pk)
    assert cancelled.outcome == "cancelled"

    ring = services.do_ring(
        peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=False
    )
    clock.advance(services.settings.CALLS_RING_SECONDS + 1)
    assert services.do_end_stale_calls(now=clock.now) == 1
    assert Call.objects.get(pk=ring.pk).outcome == "missed"
    lines = [
        describe_event(e)
        for e in ConversationEvent.objects.filter(conversation=conversation, kind="call_ended")
    ]
    assert lines == ["Call declined", "Call cancelled before it was answered", "Missed call"]


@pytest.mark.django_db
def test_recording_consent_needs_the_account_setting_and_the_customer(
    conversation, agent, admin_user, online
):
    # Off by default: a customer's "yes" records nothing.
    call = services.do_ring(
        peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=True
    )
    assert call.recording_allowed is False and call.recording_consent_at is None
    services.do_hang_up(peer=customer(conversation), call_id=call.pk)

    with pytest.raises(NotFound):  # administrators only
        services.do_update_call_settings(actor=agent, calls_enabled=True, recording_enabled=True)
    services.do_update_call_settings(actor=admin_user, calls_enabled=True, recording_enabled=True)
    assert services.availability(
        peer=customer(conversation), conversation_id=conversation.pk
    ).recording

    call = services.do_ring(
        peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=False
    )
    assert call.recording_allowed and call.recording_consent_at is None
    services.do_hang_up(peer=customer(conversation), call_id=call.pk)

    # The agent calls; the customer agrees when answering.
    call = services.do_ring(
        peer=agent_peer(agent), conversation_id=conversation.pk, video=False, consent=True
    )
    assert call.recording_consent_at is None  # an agent cannot agree for the customer
    call = services.do_accept(peer=customer(conversation), call_id=call.pk, consent=True)
    assert call.recording_consent_at is not None
    started = ConversationEvent.objects.filter(kind="call_started").last()
    assert started is not None and "agreed to recording" in describe_event(started)

    # Calls off: no button, no ring.
    services.do_hang_up(peer=customer(conversation), call_id=call.pk)
    services.do_update_call_settings(actor=admin_user, calls_enabled=False, recording_enabled=True)
    assert not services.availability(
        peer=customer(conversation), conversation_id=conversation.pk
    ).available


@pytest.mark.django_db
def test_a_reassigned_case_moves_the_call_rights(conversation, agent, colleague, online):
    from blockdesk.conversations import services as conv_services

    call = services.do_ring(
        peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=False
    )
    conv_services.do_assign(actor=agent, conversation=conversation, assignee=colleague)
    with pytest.raises(NotFound):  # rang for alice; she is no longer the assignee
        services.do_accept(peer=agent_peer(agent), call_id=call.pk, consent=False)
    with pytest.raises(NotFound):  # and dave was not the one it rang for
        services.do_accept(peer=agent_peer(colleague, "dave-tab"), call_id=call.pk, consent=False)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (59, "0:59"), (61, "1:01"), (3723, "1:02:03")]
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
