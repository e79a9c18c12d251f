"""How far agents and customers have read."""

from __future__ import annotations

import functools

from django.db import connection, transaction

from blockdesk.accounts.models import User
from blockdesk.common.realtime import publish_on_commit, user_group
from blockdesk.conversations.models import (
    Conversation,
    ReadMarker,
)
from blockdesk.conversations.services._common import (
    check_agent_can_access,
)


def _mark_read(*, user: User, conversation: Conversation, message_id: int) -> None:
    """The agent has read up to `message_id` (never moves back). One statement, an upsert:
    every agent reply marks its case read, and get_or_create + save cost five (a read, a
    savepoint, an insert, its release, an update)."""
    with connection.cursor() as cursor:
        cursor.execute(_mark_read_sql(), [user.pk, conversation.pk, message_id])
        moved = cursor.fetchone() is not None  # a row comes back if inserted or moved on
    if moved:
        publish_on_commit(
            [user_group(user.pk)],
            {
                "type": "conversation.read",
                "conversation_id": conversation.pk,
                "message_id": message_id,
            },
        )


@functools.cache
def _mark_read_sql() -> str:
    """INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING: PostgreSQL and SQLite (3.35+)
    alike. Names from _meta; the conflict target is the (user, conversation) constraint."""
    q = connection.ops.quote_name
    meta = ReadMarker._meta
    user = q(meta.get_field("user").column)
    conv = q(meta.get_field("conversation").column)
    last = q("last_read_message_id")
    table = q(meta.db_table)
    return (
        f"INSERT INTO {table} ({user}, {conv}, {last}) VALUES (%s, %s, %s)"  # noqa: S608
        f" ON CONFLICT ({user}, {conv}) DO UPDATE SET {last} = excluded.{last}"
        f" WHERE {table}.{last} < excluded.{last} RETURNING {q(meta.pk.column)}"
    )


def do_mark_read(*, user: User, conversation: Conversation) -> None:
    check_agent_can_access(user=user, conversation=conversation)
    with transaction.atomic():
        _mark_read(user=user, conversation=conversation, message_id=conversation.last_message_id)


def do_mark_read_by_contact(*, contact_id: int, conversation_id: int, message_id: int) -> bool:
    """The customer saw the conversation up to ``message_id`` (widget open and visible).
    One UPDATE, scoped to the contact's own conversation; never moves backwards."""
    updated = Conversation.objects.filter(
        pk=conversation_id,
        contact_id=contact_id,
        contact_read_message_id__lt=message_id,
        last_message_id__gte=message_id,
    ).update(contact_read_message_id=message_id)
    return bool(updated)
