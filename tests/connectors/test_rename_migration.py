"""The app was `channels_` until December 2026. A database from before the rename keeps
its widgets: connectors' first migration renames the table in place, relabels its content
type (permissions stay attached) and drops the old migration records. Both databases."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from blockdesk.accounts.models import Account
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations.models import Inbox

OLD_TABLE = "channels__webwidgetchannel"
NEW = [("connectors", "0001_initial")]


def _to_latest() -> None:
    """Back to every app's newest migration (later ones of connectors and the apps that
    build on it, e.g. the email channel), as the other tests expect."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_layout(*, origin_rule_ran: bool) -> None:
    """What a database migrated before the rename looks like."""
    executor = MigrationExecutor(connection)
    executor.migrate([("connectors", None)])
    state = MigrationExecutor(connection).loader.project_state(NEW[0])
    model = state.apps.get_model("connectors", "WebWidgetChannel")
    model._meta.db_table = OLD_TABLE
    with connection.schema_editor() as editor:
        editor.create_model(model)
    recorder = MigrationRecorder(connection)
    recorder.record_applied("channels_", "0001_initial")
    if origin_rule_ran:
        recorder.record_applied("channels_", "0002_existing_widgets_keep_any_origin")
    ContentType.objects.filter(app_label="connectors").delete()
    ContentType.objects.clear_cache()
    old_type = ContentType.objects.create(app_label="channels_", model="webwidgetchannel")
    Permission.objects.create(
        content_type=old_type, codename="audit_webwidgetchannel", name="Can audit widgets"
    )


def _insert(inbox: Inbox, *, token: str, origins: str) -> None:
    sql = (
        "INSERT INTO channels__webwidgetchannel (inbox_id, public_token, website_url, "
        "allowed_origins, welcome_title, welcome_tagline, color) "
        "VALUES (%s, %s, '', %s, '', '', '#1f6feb')"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [inbox.pk, token, origins],
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin_rule_ran", [True, False], ids=["after-0002", "before-0002"])
def test_an_old_database_keeps_its_widgets(origin_rule_ran: bool) -> None:
    account = Account.objects.create(name="Old install")
    inboxes = [
        Inbox.objects.create(account=account, name=n, channel_kind="web_widget") for n in "ab"
    ]
    _old_layout(origin_rule_ran=origin_rule_ran)
    _insert(inboxes[0], token="tok-listed", origins="https://shop.example")
    _insert(inboxes[1], token="tok-empty", origins="")
    old_type_id = ContentType.objects.get(app_label="channels_").pk

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(NEW)

    tables = connection.introspection.table_names()
    assert OLD_TABLE not in tables and WebWidgetChannel._meta.db_table in tables
    origins = dict(WebWidgetChannel.objects.values_list("public_token", "allowed_origins"))
    # Before 0002 an empty list meant "any site": the rule is applied on adoption.
    assert origins == {
        "tok-listed": "https://shop.example",
        "tok-empty": "" if origin_rule_ran else "*",
    }
    assert WebWidgetChannel.objects.get(public_token="tok-listed").inbox_id == inboxes[0].pk
    assert not MigrationRecorder.Migration.objects.filter(app="channels_").exists()
    ContentType.objects.clear_cache()
    relabelled = ContentType.objects.get(app_label="connectors", model="webwidgetchannel")
    assert relabelled.pk == old_type_id
    assert Permission.objects.get(codename="audit_webwidgetchannel").content_type == relabelled

    # And the schema is the one a new database gets: a new widget saves and cascades.
    _to_latest()
    created = WebWidgetChannel.objects.create(
        inbox=Inbox.objects.create(account=account, name="c", channel_kind="web_widget")
    )
    assert created.public_token
    inboxes[0].delete()
    assert not WebWidgetChannel.objects.filter(public_token="tok-listed").exists()


@pytest.mark.django_db(transaction=True)
def test_a_new_database_creates_the_table_and_can_go_back() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("connectors", None)])
    assert WebWidgetChannel._meta.db_table not in connection.introspection.table_names()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(NEW)
    assert WebWidgetChannel._meta.db_table in connection.introspection.table_names()
    assert OLD_TABLE not in connection.introspection.table_names()
    _to_latest()
