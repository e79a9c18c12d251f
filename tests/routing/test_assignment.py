"""Auto-assignment: round robin order, balance by load, capacity and the queue, skills,
manual assignment winning, and the reason on the timeline."""

from __future__ import annotations

import datetime as dt

import pytest

from blockdesk.conversations import services
from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import describe_event
from blockdesk.events.models import Event
from blockdesk.routing import queue
from blockdesk.routing.models import AgentRouting, InboxRouting, RoutedCase
from blockdesk.routing.services import ASSIGNED_KIND, QUEUED_KIND, do_drain_queues

from .support import assignee, make_agent, new_case, routed_inbox, settle

# transaction=True: on PostgreSQL the log shows only committed transactions (docs/events.md).
pytestmark = pytest.mark.django_db(transaction=True)


def test_round_robin_takes_turns_in_order(account):
    a, b, c = (make_agent(account, n) for n in ("ann", "ben", "cat"))
    channel = routed_inbox(account, [a, b, c], "round_robin")
    cases = [new_case(channel, f"case {i}") for i in range(5)]
    settle()
    assert [assignee(x) for x in cases] == ["ann", "ben", "cat", "ann", "ben"]
    line = describe_event(
        ConversationEvent.objects.filter(conversation=cases[1], kind=ASSIGNED_KIND).get()
    )
    assert "round robin" in line and "ben" in line


def test_off_by_default_assigns_nothing(account):
    a = make_agent(account, "ann")
    channel = routed_inbox(account, [a], "off")
    case = new_case(channel)
    settle()
    assert assignee(case) is None
    assert not RoutedCase.objects.filter(queued_at__isnull=False).exists()


def test_balanced_goes_to_the_least_loaded_and_says_why(account):
    a, b = make_agent(account, "ann", capacity=5), make_agent(account, "ben", capacity=5)
    channel = routed_inbox(account, [a, b], "off")
    for _ in range(2):  # ann already has two open cases, given by hand
        services.do_assign(actor=None, conversation=new_case(channel), assignee=a)
    InboxRouting.objects.filter(inbox=channel.inbox).update(mode="balanced")
    settle()
    first, second, third = (new_case(channel, f"n{i}") for i in range(3))
    settle()
    assert [assignee(x) for x in (first, second, third)] == ["ben", "ben", "ann"]
    event = ConversationEvent.objects.get(conversation=third, kind=ASSIGNED_KIND)
    assert "balanced: ann had 2 of 5" in describe_event(event)
    routed = Event.objects.filter(name="routing.assigned", subject_id=third.pk).get()
    assert routed.payload["load"] == 2 and routed.payload["mode"] == "balanced"


def test_capacity_full_queues_with_positions_and_wait(account):
    a = make_agent(account, "ann", capacity=1)
    channel = routed_inbox(account, [a], "balanced", handle_minutes=12)
    taken, second, third = (new_case(channel, f"c{i}") for i in range(3))
    settle()
    assert assignee(taken) == "ann"
    assert assignee(second) is None and assignee(third) is None
    config = InboxRouting.objects.get(inbox=channel.inbox)
    p2 = queue.place_of(RoutedCase.objects.get(pk=second.pk), config)
    p3 = queue.place_of(RoutedCase.objects.get(pk=third.pk), config)
    assert p2 is not None and p3 is not None
    assert (p2.position, p2.wait_minutes) == (1, 12)  # one slot, 12 minutes a case
    assert (p3.position, p3.wait_minutes) == (2, 24)
    assert ConversationEvent.objects.filter(conversation=third, kind=QUEUED_KIND).exists()
    # The first case is resolved: its slot goes to the head of the queue.
    services.do_change_status(actor=a, conversation=taken, status="resolved")
    settle()
    assert assignee(second) == "ann" and assignee(third) is None
    assert queue.place_of(RoutedCase.objects.get(pk=third.pk), config).position == 1  # type: ignore[union-attr]


def test_urgent_cases_jump_the_queue(account):
    a = make_agent(account, "ann", capacity=1)
    channel = routed_inbox(account, [a])
    new_case(channel, "first")
    normal, urgent = new_case(channel, "normal"), new_case(channel, "urgent")
    services.do_change_priority(actor=None, conversation=urgent, priority="urgent")
    settle()
    config = InboxRouting.objects.get(inbox=channel.inbox)
    assert queue.place_of(RoutedCase.objects.get(pk=urgent.pk), config).position == 1  # type: ignore[union-attr]
    assert queue.place_of(RoutedCase.objects.get(pk=normal.pk), config).position == 2  # type: ignore[union-attr]


def test_per_channel_capacity(account):
    a = make_agent(account, "ann", capacity=5, channel_capacity={"web_widget": 1})
    channel = routed_inbox(account, [a])
    one, two = new_case(channel, "a"), new_case(channel, "b")
    settle()
    assert assignee(one) == "ann" and assignee(two) is None


def test_nobody_online_queues_without_an_estimate(account):
    a = make_agent(account, "ann", online=False)
    channel = routed_inbox(account, [a])
    case = new_case(channel)
    settle()
    assert assignee(case) is None
    place = queue.place_of(
        RoutedCase.objects.get(pk=case.pk), InboxRouting.objects.get(inbox=channel.inbox)
    )
    assert place is not None and place.position == 1 and place.wait_minutes is None
    # She comes online: the presence event moves the queue.
    from blockdesk.routing.presence import do_set_presence

    do_set_presence(user=a, presence="online")
    settle()
    assert assignee(case) == "ann"


def test_language_and_chain_skills_pick_the_agent(account):
    en = make_agent(account, "ann", languages=["en"])
    zh = make_agent(account, "li", languages=["zh"], chains=[])
    tron = make_agent(account, "tom", languages=["en"], chains=["tron"])
    channel = routed_inbox(account, [en, zh, tron])
    chinese = new_case(channel, "我的提币还没有到账", locale="")
    english_tron = new_case(channel, "My USDT on TRON TRC20 has not arrived")
    settle()
    assert assignee(chinese) == "li"
    assert assignee(english_tron) == "tom"
    line = describe_event(
        ConversationEvent.objects.get(conversation=english_tron, kind=ASSIGNED_KIND)
    )
    assert "tron" in line


def test_language_nobody_speaks_is_not_a_dead_end(account):
    a = make_agent(account, "ann", languages=["en"])
    channel = routed_inbox(account, [a])
    case = new_case(channel, "hola", locale="es")
    settle()
    assert assignee(case) == "ann"


def test_zh_case_waits_for_a_zh_speaker_rather_than_going_to_anyone(account):
    en = make_agent(account, "ann", languages=["en"])
    zh = make_agent(account, "li", languages=["zh"], capacity=1)
    channel = routed_inbox(account, [en, zh])
    new_case(channel, "你好，我需要帮助")
    waiting = new_case(channel, "我的钱包被盗了")
    settle()
    assert assignee(waiting) is None
    assert RoutedCase.objects.get(pk=waiting.pk).queued_at is not None


def test_manual_assignment_wins(account):
    a, b = make_agent(account, "ann"), make_agent(account, "ben")
    channel = routed_inbox(account, [a, b], "round_robin", silence_minutes=5)
    case = new_case(channel)
    settle()
    assert assignee(case) == "ann"
    services.do_assign(actor=b, conversation=case, assignee=b)  # ben takes it
    settle()
    services.do_send_contact_message(
        contact=case.contact, inbox=channel.inbox, conversation=case, content="still there?"
    )
    settle()
    from blockdesk.routing.services import do_reassign_silent

    assert do_reassign_silent(now=case.created_at + dt.timedelta(days=1)) == 0
    assert assignee(case) == "ben"
    assert RoutedCase.objects.get(pk=case.pk).manual


def test_giving_a_case_up_requeues_it_for_someone_else(account):
    a, b = make_agent(account, "ann"), make_agent(account, "ben")
    channel = routed_inbox(account, [a, b], "round_robin")
    case = new_case(channel)
    settle()
    assert assignee(case) == "ann"
    services.do_assign(actor=a, conversation=case, assignee=None)
    settle()
    assert assignee(case) == "ben"


def test_pending_case_waits_for_handoff(account):
    a = make_agent(account, "ann")
    channel = routed_inbox(account, [a])
    case = new_case(channel)
    services.do_change_status(actor=None, conversation=case, status="pending")
    settle()
    case.refresh_from_db()
    # Assigned at creation (open); then pending keeps it; a new pending case is not routed.
    services.do_assign(actor=None, conversation=case, assignee=None)
    settle()
    assert assignee(case) is None
    services.do_change_status(actor=None, conversation=case, status="open")
    settle()
    assert assignee(case) == "ann"


def test_drain_job_is_a_safety_net(account):
    a = make_agent(account, "ann", capacity=1)
    channel = routed_inbox(account, [a])
    new_case(channel)
    waiting = new_case(channel)
    settle()
    AgentRouting.objects.filter(pk=a.pk).update(capacity=2)  # raised without an event
    assert do_drain_queues() == 1
    assert assignee(waiting) == "ann"
