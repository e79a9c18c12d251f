"""The timeline-kind registry: every kind the database knows says something in the
console, registered by the app that writes it, and the console lists no kind itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from blockdesk.conversations import services
from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import (
    describe_event,
    register_timeline_kind,
    registered_kinds,
    timeline_kind,
)
from blockdesk.workspace import selectors as console


def test_every_kind_of_the_database_is_registered_at_start_up() -> None:
    missing = set(ConversationEvent.Kind.values) - set(registered_kinds())
    assert not missing, f"register these kinds from their app's ready(): {sorted(missing)}"


def test_a_kind_registered_twice_differently_is_a_start_up_error() -> None:
    entry = timeline_kind(ConversationEvent.Kind.ASSIGNED)
    assert entry is not None
    register_timeline_kind(entry.kind, entry.label, describe=entry.describe)  # same: fine
    with pytest.raises(ImproperlyConfigured):
        register_timeline_kind(entry.kind, "Something else")


@pytest.mark.django_db
def test_the_console_timeline_reads_the_registry(channel, contact, agent) -> None:
    conversation = services.do_create_conversation(inbox=channel.inbox, contact=contact)
    services.do_set_tags(actor=agent, conversation=conversation, names=["vip", "refund"])
    services.do_record_event(
        conversation=conversation,
        kind=ConversationEvent.Kind.REPLY_EMAILED,
        data={"count": 2, "to": "a@example.com"},
    )
    items = console.timeline(conversation=conversation)
    # The opening event is registered as not shown.
    assert [i.event.kind for i in items if i.event is not None] == ["tags_changed", "reply_emailed"]
    assert [i.text for i in items] == [
        f"{agent.public_name} changed the tags: +refund +vip",
        "2 replies emailed to a@example.com",
    ]


@pytest.mark.django_db
def test_an_unregistered_kind_still_reads_as_its_label(channel, contact) -> None:
    conversation = services.do_create_conversation(inbox=channel.inbox, contact=contact)
    event = ConversationEvent(conversation=conversation, kind="made_up", data={})
    assert describe_event(event) == "made_up"
