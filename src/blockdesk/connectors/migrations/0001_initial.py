"""The web widget channel's table, under the app's name since December 2026: `connectors`
(it was `channels_`, easily mistaken for Django Channels).

A new database gets the table created. A database from before the rename already has it
as `channels__webwidgetchannel`, with migrations recorded under `channels_`: the table is
renamed in place (rows, ids and foreign keys kept), its content type relabelled (so
permissions stay attached), and the old migration records removed. If the old install
had not yet run `channels_.0002` (an empty allowed-origins list used to mean "any site"
and now means "this server's own pages only"), its rule is applied here: widgets already
embedded elsewhere keep working with the explicit "*", flagged in the inbox settings."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState, StateApps

import blockdesk.connectors.models.web_widget

OLD_LABEL = "channels_"
OLD_TABLE = "channels__webwidgetchannel"
OLD_ORIGIN_RULE = "0002_existing_widgets_keep_any_origin"


def keep_any_origin(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    channel = apps.get_model("connectors", "WebWidgetChannel")
    rows = channel.objects.only("pk", "allowed_origins")
    empty = [row.pk for row in rows if not row.allowed_origins.strip()]
    channel.objects.filter(pk__in=empty).update(allowed_origins="*")


def adopt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Renames the old table into place and moves the old app's records over."""
    model = apps.get_model("connectors", "WebWidgetChannel")
    connection = schema_editor.connection
    schema_editor.alter_db_table(model, OLD_TABLE, model._meta.db_table)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name FROM {quote('django_migrations')} WHERE app = %s", [OLD_LABEL]
        )
        applied = {name for (name,) in cursor.fetchall()}
        if OLD_ORIGIN_RULE not in applied:
            keep_any_origin(apps, schema_editor)
        cursor.execute(f"DELETE FROM {quote('django_migrations')} WHERE app = %s", [OLD_LABEL])
        cursor.execute(
            f"UPDATE {quote('django_content_type')} SET app_label = %s WHERE app_label = %s",
            ["connectors", OLD_LABEL],
        )


class CreateOrAdoptModel(migrations.CreateModel):
    """CreateModel, except that a database which still has the old app's table adopts it."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if OLD_TABLE in schema_editor.connection.introspection.table_names():
            adopt(to_state.apps, schema_editor)
        else:
            super().database_forwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("conversations", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        CreateOrAdoptModel(
            name="WebWidgetChannel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "public_token",
                    models.CharField(
                        default=blockdesk.connectors.models.web_widget._public_token,
                        max_length=40,
                        unique=True,
                    ),
                ),
                ("website_url", models.URLField(blank=True, verbose_name="website")),
                (
                    "allowed_origins",
                    models.TextField(blank=True, verbose_name="allowed origins"),
                ),
                (
                    "welcome_title",
                    models.CharField(blank=True, max_length=120, verbose_name="welcome title"),
                ),
                (
                    "welcome_tagline",
                    models.CharField(
                        blank=True, max_length=255, verbose_name="welcome tagline"
                    ),
                ),
                (
                    "color",
                    models.CharField(default="#1f6feb", max_length=7, verbose_name="colour"),
                ),
                (
                    "inbox",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="conversations.inbox",
                    ),
                ),
            ],
            options={"abstract": False},
        ),
    ]
