"""For an app's data migration that adds an event consumer which must not replay the past
(an upgraded install must not send surveys, start clocks or answer messages for months-old
cases): its cursor starts where the log ends now. A fresh install has an empty log: the
same thing.

    operations = [start_consumer_at_the_end("myapp.consumer")]

The earlier copies of this (assistant 0002, sla 0002, surveys 0002) are applied history
and stay as written; new consumers use this."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations

from blockdesk.events.log import ordered, visible


def place_cursor_at_the_end(name: str) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        cursors = apps.get_model("events", "ConsumerCursor")
        if cursors.objects.filter(name=name).exists():
            return
        # The log's own reading rules on the historical model (events/log.py: on
        # PostgreSQL, the last event no running transaction can still precede).
        events = apps.get_model("events", "Event")
        last = ordered(visible(events.objects.only("id", "txid"))).last()
        cursors.objects.create(
            name=name,
            position_txid=(last.txid or 0) if last is not None else 0,
            position_id=last.pk if last is not None else 0,
        )

    return run


def start_consumer_at_the_end(name: str) -> migrations.RunPython:
    return migrations.RunPython(place_cursor_at_the_end(name), migrations.RunPython.noop)
