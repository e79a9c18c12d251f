"""Report rows are keyed by the account's local day and hour (they were UTC): the tables
are emptied and the `reports.rollups` consumer starts again from the beginning of the
retained log, which it reads into local days (docs/reports.md, "Time zone"). The same as
`manage.py reports rebuild`, done once on upgrade; like it, history older than the log's
retention is lost (the demo's seeded history is seeded again by `seed_demo`)."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

CONSUMER = "reports.rollups"
TABLES = ("DailyRollup", "AgentDaily", "IntentDaily", "TagDaily", "CaseState")


def reset_rollups(apps: Any, schema_editor: Any) -> None:
    for name in TABLES:
        apps.get_model("reports", name).objects.all().delete()
    cursor_model = apps.get_model("events", "ConsumerCursor")
    retry_model = apps.get_model("events", "ConsumerRetry")
    cursor = cursor_model.objects.filter(name=CONSUMER).first()
    if cursor is not None:
        retry_model.objects.filter(consumer=cursor).delete()
        cursor.position_txid, cursor.position_id = 0, 0
        cursor.lease_owner, cursor.leased_until = "", None
        cursor.save()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("events", "0004_event_redacted_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportZone",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("account_id", models.BigIntegerField(unique=True)),
                ("time_zone", models.CharField(default="UTC", max_length=64)),
            ],
        ),
        migrations.RunPython(reset_rollups, migrations.RunPython.noop),
    ]
