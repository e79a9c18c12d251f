"""Human and assistant first responses measured apart (issue 14 §0, docs/triage.md).

`first_response_at` used to be stamped by the assistant's reply too. The data step fills
the two new columns from the messages and resets `first_response_at` to the first reply by
a person (NULL when only the assistant answered). One UPDATE per column, with correlated
subqueries, so it runs the same on SQLite and PostgreSQL without loading rows."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def _first(Message, sender_type):
    return Subquery(
        Message.objects.filter(
            conversation=OuterRef("pk"), sender_type=sender_type, is_private=False
        )
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )


def fill(apps, schema_editor):
    Conversation = apps.get_model("conversations", "Conversation")
    Message = apps.get_model("conversations", "Message")
    Conversation.objects.update(
        first_human_response_at=_first(Message, "agent"),
        first_bot_response_at=_first(Message, "assistant"),
    )
    Conversation.objects.update(first_response_at=models.F("first_human_response_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0005_contact_read_and_email_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="first_bot_response_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="conversation",
            name="first_human_response_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
