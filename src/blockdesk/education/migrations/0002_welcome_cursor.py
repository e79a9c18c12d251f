"""The welcome consumer (education/event_consumers.py) starts where the log ends now: an
upgraded install must not send welcome emails to every customer it ever had. A fresh
install has an empty log: the same thing."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models.expressions import RawSQL

CONSUMER = "education.welcome"


def place_cursor(apps: Any, schema_editor: Any) -> None:
    cursor_model = apps.get_model("events", "ConsumerCursor")
    event_model = apps.get_model("events", "Event")
    if cursor_model.objects.filter(name=CONSUMER).exists():
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
        name=CONSUMER,
        position_txid=(last.txid or 0) if last is not None else 0,
        position_id=last.pk if last is not None else 0,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("education", "0001_initial"),
        ("events", "0004_event_redacted_at"),
    ]

    operations = [migrations.RunPython(place_cursor, migrations.RunPython.noop)]
