"""The routing consumer (routing/event_consumers.py) starts where the log ends now, not at
its beginning: on an upgraded install, months-old cases must not be routed at once (the
queue would fill with them). A fresh install has an empty log: the same thing."""

from __future__ import annotations

from typing import Any

from django.db import migrations

CONSUMER = "routing.assign"


def start_at_the_end(apps: Any, schema_editor: Any) -> None:
    # The log's own reading rules (events/log.py: on PostgreSQL, the last event no running
    # transaction can still precede), on the live model: its table is as 0004 left it.
    from blockdesk.events.log import ordered, visible
    from blockdesk.events.models import Event

    cursors = apps.get_model("events", "ConsumerCursor")
    if cursors.objects.filter(name=CONSUMER).exists():
        return
    last = ordered(visible(Event.objects.only("id", "txid"))).last()
    cursors.objects.create(
        name=CONSUMER,
        position_txid=(last.txid or 0) if last is not None else 0,
        position_id=last.pk if last is not None else 0,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0001_initial"),
        ("events", "0004_event_redacted_at"),
    ]

    operations = [migrations.RunPython(start_at_the_end, migrations.RunPython.noop)]
