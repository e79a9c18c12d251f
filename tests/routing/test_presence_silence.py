"""Presence from sockets (heartbeat, disconnect, expiry), silence reassignment with a
controlled clock, the query count of the consumer's per-event path."""

from __future__ import annotations

import datetime as dt

import pytest

from blockdesk.conversations import services
from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import describe_event
from blockdesk.routing.models import AgentRouting, AgentSocket
from blockdesk.routing.presence import (
    do_expire_sockets,
    do_set_presence,
    do_socket_closed,
    do_socket_seen,
)
from blockdesk.routing.services import REASSIGNED_KIND, do_reassign_silent

from .support import T0, assignee, make_agent, new_case, routed_inbox, settle, wait_visible

# transaction=True: on PostgreSQL the log shows only committed transactions (docs/events.md).
pytestmark = pytest.mark.django_db(transaction=True)


def presence(user) -> str:
    return AgentRouting.objects.get(pk=user.pk).presence


def test_sockets_bring_an_agent_online_and_the_last_close_takes_them_offline(account):
    a = make_agent(account, "ann", online=False)
    assert do_socket_seen(user_id=a.pk, account_id=account.pk, channel_name="node1.a", now=T0)
    do_socket_seen(user_id=a.pk, account_id=account.pk, channel_name="node2.b", now=T0)
    assert presence(a) == "online"
    assert not do_socket_closed(user_id=a.pk, channel_name="node1.a", now=T0)
    assert presence(a) == "online"  # another tab is still open
    assert do_socket_closed(user_id=a.pk, channel_name="node2.b", now=T0)
    assert presence(a) == "offline"


def test_chosen_away_sticks_against_activity(account):
    a = make_agent(account, "ann", online=False)
    do_set_presence(user=a, presence="away")
    assert not do_socket_seen(user_id=a.pk, account_id=account.pk, channel_name="c1", now=T0)
    assert presence(a) == "away"


def test_a_dead_node_s_sockets_expire(account, settings):
    settings.ROUTING_SOCKET_TIMEOUT_SECONDS = 90
    a = make_agent(account, "ann", online=False)
    do_socket_seen(user_id=a.pk, account_id=account.pk, channel_name="dead.1", now=T0)
    assert do_expire_sockets(now=T0 + dt.timedelta(seconds=60)) == 0
    do_socket_seen(
        user_id=a.pk,
        account_id=account.pk,
        channel_name="dead.1",
        now=T0 + dt.timedelta(seconds=60),
    )
    assert do_expire_sockets(now=T0 + dt.timedelta(seconds=149)) == 0
    assert do_expire_sockets(now=T0 + dt.timedelta(seconds=151)) == 1
    assert presence(a) == "offline" and not AgentSocket.objects.exists()


def test_heartbeat_frame_over_the_socket(account):
    import asyncio

    from blockdesk.common.socket_handlers import SocketPeer, disconnected, dispatch

    a = make_agent(account, "ann", online=False)
    peer = SocketPeer(
        surface="agent", channel_name="specific.x1", user_id=a.pk, account_id=account.pk
    )
    sent: list[dict] = []

    async def send(frame: dict) -> None:
        sent.append(frame)

    async def run() -> None:
        assert await dispatch(peer, {"type": "presence.heartbeat"}, send)
        await disconnected(peer)

    asyncio.run(run())
    assert sent == [{"type": "presence", "presence": "online"}]
    assert presence(a) == "offline"


def test_silent_assignee_is_replaced_at_the_limit_not_before(account):
    a, b = make_agent(account, "ann"), make_agent(account, "ben")
    channel = routed_inbox(account, [a, b], "round_robin", silence_minutes=15)
    case = new_case(channel, "help")
    settle()
    assert assignee(case) == "ann"
    from blockdesk.routing.models import RoutedCase

    since = RoutedCase.objects.get(pk=case.pk).awaiting_since
    assert since is not None
    assert do_reassign_silent(now=since + dt.timedelta(minutes=14, seconds=59)) == 0
    assert do_reassign_silent(now=since + dt.timedelta(minutes=15)) == 1
    assert assignee(case) == "ben"
    line = describe_event(ConversationEvent.objects.get(conversation=case, kind=REASSIGNED_KIND))
    assert "ann" in line and "15" in line and "ben" in line
    settle()  # routing's own assignment is not taken for a manual one
    assert not RoutedCase.objects.get(pk=case.pk).manual


def test_a_reply_stops_the_silence_clock(account):
    a, b = make_agent(account, "ann"), make_agent(account, "ben")
    channel = routed_inbox(account, [a, b], "round_robin", silence_minutes=15)
    case = new_case(channel, "help")
    settle()
    case.refresh_from_db()
    services.do_send_agent_message(agent=a, conversation=case, content="On it")
    settle()
    assert do_reassign_silent(now=case.created_at + dt.timedelta(hours=2)) == 0
    assert assignee(case) == "ann"
    # The customer writes again: the clock starts at that message.
    services.do_send_contact_message(
        contact=case.contact, inbox=channel.inbox, conversation=case, content="?"
    )
    settle()
    from blockdesk.routing.models import RoutedCase

    since = RoutedCase.objects.get(pk=case.pk).awaiting_since
    assert since is not None
    assert do_reassign_silent(now=since + dt.timedelta(minutes=16)) == 1


def test_per_event_query_count_is_bounded(account, django_assert_max_num_queries):
    from blockdesk.events import consumers

    a, b = make_agent(account, "ann"), make_agent(account, "ben")
    channel = routed_inbox(account, [a, b])
    case = new_case(channel, "help")
    settle()
    for i in range(3):
        services.do_send_contact_message(
            contact=case.contact, inbox=channel.inbox, conversation=case, content=f"m{i}"
        )
    wait_visible(3)
    # Three customer messages on an assigned case: a fixed cost each, no growth.
    with django_assert_max_num_queries(40):
        assert consumers.dispatch_once("routing.assign") == 3
    another = new_case(channel, "another")
    # Wait outside the guard until its events are readable: on PostgreSQL another test
    # worker's open transaction can hold them back, and polling would count as queries.
    wait_visible(2)
    with django_assert_max_num_queries(90):  # created + message + a full assignment
        consumers.dispatch_once("routing.assign")
    assert assignee(another) is not None
