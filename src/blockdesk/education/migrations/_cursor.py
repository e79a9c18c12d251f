"""Places an event consumer's cursor at the end of the log (docs/events.md, "A consumer that
must not act on old events"). Not a migration itself (the loader skips names with "_")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models.expressions import RawSQL


def cursor_placer(consumer: str) -> Callable[[Any, Any], None]:
    def place_cursor(apps: Any, schema_editor: Any) -> None:
        cursor_model = apps.get_model("events", "ConsumerCursor")
        event_model = apps.get_model("events", "Event")
        if cursor_model.objects.filter(name=consumer).exists():
            return
        events = event_model.objects.all()
        if schema_editor.connection.vendor == "postgresql":
            # The last event no running transaction can still precede (events/log.py).
            xmin = RawSQL("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", [])
            events = events.filter(txid__lt=xmin).order_by("-txid", "-id")
        else:
            events = events.order_by("-id")
        last = events.first()
        cursor_model.objects.create(
            name=consumer,
            position_txid=(last.txid or 0) if last is not None else 0,
            position_id=last.pk if last is not None else 0,
        )

    return place_cursor
