"""Every service that changes something a customer, agent or webhook receiver cares about
writes exactly one typed event, in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from blockdesk.accounts.models import Team, User
from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.events.models import Event
from blockdesk.events.registry import get_event_type

pytestmark = pytest.mark.django_db

Change = Callable[[Conversation, User, Contact], object]


def _later() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=3)


# (event name, actor kind, the change)
CHANGES: dict[str, tuple[str, str, Change]] = {
    "contact message": (
        "message.created",
        "contact",
        lambda c, a, k: conv.do_send_contact_message(
            contact=k, inbox=c.inbox, conversation=c, content="any news?"
        ),
    ),
    "private note": (
        "message.created",
        "agent",
        lambda c, a, k: conv.do_send_agent_message(
            agent=a, conversation=c, content="checking the chain", private=True
        ),
    ),
    "assistant reply": (
        "message.created",
        "assistant",
        lambda c, a, k: conv.do_send_assistant_message(conversation=c, content="Hello!"),
    ),
    "system message": (
        "message.created",
        "system",
        lambda c, a, k: conv.do_send_system_message(conversation=c, content="Deposit seen."),
    ),
    "resolve": (
        "conversation.status_changed",
        "agent",
        lambda c, a, k: conv.do_change_status(actor=a, conversation=c, status="resolved"),
    ),
    "snooze": (
        "conversation.status_changed",
        "agent",
        lambda c, a, k: conv.do_change_status(
            actor=a, conversation=c, status="snoozed", snoozed_until=_later()
        ),
    ),
    "assign": (
        "conversation.assigned",
        "agent",
        lambda c, a, k: conv.do_assign(actor=a, conversation=c, assignee=a),
    ),
    "team": (
        "conversation.team_changed",
        "system",
        lambda c, a, k: conv.do_assign(
            actor=None,
            conversation=c,
            team=Team.objects.create(account_id=c.account_id, name="Tier 2"),
            set_team=True,
        ),
    ),
    "priority": (
        "conversation.priority_changed",
        "api_token",
        lambda c, a, k: conv.do_change_priority(
            actor=None, conversation=c, priority="high", event_extra={"api_token_id": 7}
        ),
    ),
    "tags": (
        "conversation.tags_changed",
        "agent",
        lambda c, a, k: conv.do_set_tags(actor=a, conversation=c, names=["Refund", "vip"]),
    ),
}


@pytest.fixture
def conversation(channel, contact) -> Conversation:
    return conv.do_create_conversation(inbox=channel.inbox, contact=contact)


def _events_after(last_id: int) -> list[Event]:
    return list(Event.objects.filter(pk__gt=last_id).order_by("id"))


def _last_id() -> int:
    last = Event.objects.order_by("-id").first()
    return last.pk if last else 0


@pytest.mark.parametrize("case", list(CHANGES))
def test_each_change_writes_exactly_one_event(case: str, conversation, agent, contact) -> None:
    name, actor_kind, change = CHANGES[case]
    before = _last_id()
    change(conversation, agent, contact)
    events = _events_after(before)
    assert [e.name for e in events] == [name]
    event = events[0]
    assert event.actor_kind == actor_kind
    assert event.account_id == conversation.account_id
    assert event.version == get_event_type(name).version
    # What is stored validates against the public schema (the webhook contract).
    get_event_type(name).payload.model_validate(event.payload)
    if name == "message.created":
        assert event.payload["conversation_id"] == conversation.pk
        assert event.subject_type == "message"
    else:
        assert event.payload["conversation"]["id"] == conversation.pk
        assert event.payload["conversation"]["number"] == conversation.display_id
        assert (event.subject_type, event.subject_id) == ("conversation", conversation.pk)


@pytest.mark.parametrize("case", list(CHANGES))
def test_a_rolled_back_change_writes_no_event(case: str, conversation, agent, contact) -> None:
    _name, _kind, change = CHANGES[case]
    before = _last_id()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        change(conversation, agent, contact)
        raise Abort
    assert _events_after(before) == []


def test_payloads_carry_the_facts_not_the_console_serializer(conversation, agent) -> None:
    conv.do_set_tags(actor=agent, conversation=conversation, names=["vip"])
    conv.do_change_status(
        actor=agent, conversation=conversation, status="snoozed", snoozed_until=_later()
    )
    event = Event.objects.filter(name="conversation.status_changed").get()
    facts: dict[str, Any] = event.payload["conversation"]
    assert set(facts) == {
        "id", "number", "inbox_id", "contact_id", "status", "snoozed_until",
        "assignee_id", "team_id", "priority", "tags",
    }  # fmt: skip
    assert (facts["status"], facts["tags"], facts["priority"]) == ("snoozed", ["vip"], "normal")
    assert event.payload["old"] == "open" and event.payload["new"] == "snoozed"
    assert event.payload["snoozed_until"] is not None
    assert "contact_name" not in facts and "assignee_name" not in facts


def test_a_new_customer_message_writes_created_then_message(channel, contact) -> None:
    before = _last_id()
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hello"
    )
    events = _events_after(before)
    assert [e.name for e in events] == ["conversation.created", "message.created"]
    assert all((e.actor_kind, e.actor_id) == ("contact", contact.pk) for e in events)
    assert events[1].payload["sender"] == {"kind": "contact", "id": contact.pk}
    assert events[1].payload["id"] == sent.message.pk


def test_widget_send_costs_one_insert_per_event(channel, contact, conversation) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        conv.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=conversation, content="more"
        )
    inserts = [q["sql"] for q in ctx.captured_queries if "events_event" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT")


def _settings_changes(admin) -> list[tuple[str, Callable[[], object]]]:
    from blockdesk.accounts import services as accounts
    from blockdesk.webhooks.services import do_create_webhook

    return [
        (
            "account.two_factor_requirement_changed",
            lambda: accounts.do_set_require_two_factor(actor=admin, required=True),
        ),
        (
            "api_token.created",
            lambda: accounts.do_create_api_token(actor=admin, name="CI", scopes=["contacts:read"]),
        ),
        (
            "webhook.created",
            lambda: do_create_webhook(
                actor=admin, url="http://127.0.0.1:9/h?token=s3cret", events=["message.created"]
            ),
        ),
    ]


def test_security_settings_changes_write_one_event_each(admin_user, settings) -> None:
    from blockdesk.accounts import services as accounts

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    for name, change in _settings_changes(admin_user):
        before = _last_id()
        result = change()
        events = _events_after(before)
        assert [e.name for e in events] == [name]
        assert (events[0].actor_kind, events[0].actor_id) == ("agent", admin_user.pk)
        get_event_type(name).payload.model_validate(events[0].payload)
        if name == "api_token.created":
            token, plain = result  # type: ignore[misc]
            assert plain not in str(events[0].payload)
            before = _last_id()
            accounts.do_revoke_api_token(actor=admin_user, token=token)
            assert [e.name for e in _events_after(before)] == ["api_token.revoked"]
        if name == "webhook.created":
            assert events[0].payload["host"] == "127.0.0.1"
            assert "s3cret" not in str(events[0].payload)
