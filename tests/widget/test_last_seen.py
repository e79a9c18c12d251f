"""A visitor's "last seen": set when their widget session starts, moved by a message at
most once a minute (a flood's every message must not rewrite the contact's row)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blockdesk.conversations.models import Contact
from blockdesk.conversations.services.messages import LAST_SEEN_RESOLUTION
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db


def _contact_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if 'UPDATE "conversations_contact"' in q["sql"]
    ]


def test_a_new_visitor_is_seen_from_the_start_and_a_message_soon_after_writes_nothing(channel):
    before = timezone.now()
    visitor = Visitor(channel).start()
    contact = Contact.objects.get()
    assert contact.last_seen_at is not None and before <= contact.last_seen_at <= timezone.now()
    with CaptureQueriesContext(connection) as queries:
        sent = visitor.send("My deposit has not arrived")
    assert sent.status_code == 201, sent.content
    assert _contact_writes(queries) == []
    contact.refresh_from_db()
    assert contact.last_seen_at <= timezone.now()


def test_a_message_after_a_quiet_minute_moves_it(channel):
    visitor = Visitor(channel).start()
    earlier = timezone.now() - LAST_SEEN_RESOLUTION - timedelta(seconds=5)
    Contact.objects.update(last_seen_at=earlier)
    with CaptureQueriesContext(connection) as queries:
        sent = visitor.send("Still waiting")
    assert sent.status_code == 201, sent.content
    assert len(_contact_writes(queries)) == 1
    contact = Contact.objects.get()
    assert contact.last_seen_at > earlier + LAST_SEEN_RESOLUTION
