"""An agent's read marker is one upsert: created at the first read, moved forward only, and
the agent's other tabs told only when it moved."""

from __future__ import annotations

import pytest
from django.db import transaction

from blockdesk.conversations import services
from blockdesk.conversations.models import ReadMarker
from blockdesk.conversations.services import read_state

pytestmark = pytest.mark.django_db


def test_the_marker_moves_forward_only_and_says_so_once(
    channel, contact, agent, monkeypatch, django_assert_num_queries
):
    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="help"
    ).message.conversation
    pushed: list[int] = []
    monkeypatch.setattr(
        read_state, "publish_on_commit", lambda groups, event: pushed.append(event["message_id"])
    )

    def mark(message_id: int) -> None:
        with transaction.atomic(), django_assert_num_queries(1):
            read_state._mark_read(user=agent, conversation=conv, message_id=message_id)

    mark(5)  # no marker yet: created
    mark(9)  # moved on
    mark(7)  # older: stays at 9, nobody told
    mark(9)  # the same: nothing
    assert pushed == [5, 9]
    (marker,) = ReadMarker.objects.filter(user=agent, conversation=conv)
    assert marker.last_read_message_id == 9
    assert ReadMarker.objects.count() == 1
