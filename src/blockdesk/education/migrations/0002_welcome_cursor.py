"""The welcome consumer (education/event_consumers.py) starts where the log ends now: an
upgraded install must not send welcome emails to every customer it ever had. A fresh
install has an empty log: the same thing."""

from __future__ import annotations

from django.db import migrations

from blockdesk.education.migrations._cursor import cursor_placer

CONSUMER = "education.welcome"


class Migration(migrations.Migration):
    dependencies = [
        ("education", "0001_initial"),
        ("events", "0004_event_redacted_at"),
    ]

    operations = [migrations.RunPython(cursor_placer(CONSUMER), migrations.RunPython.noop)]
