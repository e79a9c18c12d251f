"""The helper for a new consumer's data migration: its cursor starts after the last event
already in the log (none replayed), and a cursor that exists is left where it is."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from blockdesk.events.log import ordered, visible
from blockdesk.events.migration_ops import place_cursor_at_the_end
from blockdesk.events.models import ConsumerCursor, Event
from tests.events import support

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_consumer_starts_at_the_end_of_the_log(account):
    ids = support.emit_pings(account.pk, 3)
    with connection.schema_editor() as editor:
        place_cursor_at_the_end("tests.fresh")(apps, editor)
    cursor = ConsumerCursor.objects.get(name="tests.fresh")
    # The log's reading rule: on PostgreSQL the last event no running transaction can still
    # precede (transactions of other databases on the server count: txids are server-wide).
    last = ordered(visible(Event.objects.all())).last()
    expected = (last.txid or 0, last.pk) if last is not None else (0, 0)
    assert (cursor.position_txid, cursor.position_id) == expected
    if not support.uses_txid():
        assert cursor.position_id == ids[-1]

    ConsumerCursor.objects.filter(name="tests.fresh").update(position_id=ids[0])
    with connection.schema_editor() as editor:
        place_cursor_at_the_end("tests.fresh")(apps, editor)
    assert ConsumerCursor.objects.get(name="tests.fresh").position_id == ids[0]
