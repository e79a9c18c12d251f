"""Reads for conversations. Every query that an agent or a customer triggers is
scoped here, so authorisation cannot be forgotten in a view."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.common.jsonbody import InvalidJson, loads_bounded
from blockdesk.conversations.channel_registry import channel_choices
from blockdesk.conversations.models import (
    CannedReply,
    Contact,
    Conversation,
    ConversationEvent,
    Inbox,
    Message,
    ReadMarker,
)
from blockdesk.conversations.serializers import PRIORITY_BY_NAME


def visible_inboxes(*, user: User) -> QuerySet[Inbox]:
    qs = Inbox.objects.filter(account_id=user.account_pk)
    if not user.is_account_admin:
        qs = qs.filter(members=user)
    return qs


def agent_can_access_inbox(*, user: User, inbox_id: int) -> bool:
    """`visible_inboxes(user=user).filter(pk=inbox_id).exists()` in SQL written once:
    every write by an agent asks (twice when the API names the writing agent), and the
    ORM's query building cost more CPU than the query. tests/conversations/
    test_inbox_access.py holds the two to the same answers."""
    account_id = user.account_pk  # Forbidden for a user of no account, as above
    with connection.cursor() as cursor:
        if user.is_account_admin:
            cursor.execute(_inbox_access_sql(member=False), [inbox_id, account_id])
        else:
            cursor.execute(_inbox_access_sql(member=True), [inbox_id, account_id, user.pk])
        return cursor.fetchone() is not None


@functools.cache
def _inbox_access_sql(*, member: bool) -> str:
    q = connection.ops.quote_name
    meta = Inbox._meta
    sql = (
        f"SELECT 1 FROM {q(meta.db_table)} i"  # noqa: S608 (names from _meta)
        f" WHERE i.{q(meta.pk.column)} = %s AND i.{q(meta.get_field('account').column)} = %s"
    )
    if member:
        members = meta.get_field("members")
        through = members.remote_field.through._meta  # type: ignore[union-attr]
        sql += (
            f" AND EXISTS (SELECT 1 FROM {q(through.db_table)} m"  # noqa: S608 (_meta)
            f" WHERE m.{q(members.m2m_column_name())} = i.{q(meta.pk.column)}"
            f" AND m.{q(members.m2m_reverse_name())} = %s)"
        )
    return sql + " LIMIT 1"


def visible_conversations(*, user: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        account_id=user.account_pk, inbox__in=visible_inboxes(user=user)
    )


def get_conversation_for_agent(
    *, user: User, display_id: int | None = None, pk: int | None = None
) -> Conversation:
    qs = visible_conversations(user=user).select_related("contact", "assignee", "inbox", "team")
    if display_id is not None:
        qs = qs.filter(display_id=display_id)
    elif pk is not None:
        qs = qs.filter(pk=pk)
    else:
        raise NotFound()
    conv = qs.first()
    if conv is None:
        raise NotFound(_("No such conversation."))
    return conv


def get_inbox_for_agent(*, user: User, inbox_id: int) -> Inbox:
    inbox = visible_inboxes(user=user).filter(pk=inbox_id).first()
    if inbox is None:
        raise NotFound(_("No such inbox."))
    return inbox


# An app that answers customers itself (the assistant) registers, from its ready(), a
# function giving the Q of the conversations it is still handling: the console's
# "Assistant" view lists them (unassigned) so agents can see and take them over.
BOT_HANDLED_Q: list[Callable[[], Q]] = []

VIEWS = ("mine", "unassigned", "assistant", "all")


def view_q(*, user: User, view: str) -> Q:
    """The condition of one console view. The list and its badge both use it, so the
    count above a list is the number of rows under it."""
    if view == "mine":
        return Q(assignee=user)
    if view == "unassigned":
        return Q(assignee__isnull=True)
    if view == "assistant":
        handled = Q(assignee__isnull=True)
        if not BOT_HANDLED_Q:
            return handled & Q(pk__lt=0)  # nothing: no app answers customers itself
        for make in BOT_HANDLED_Q:
            handled &= make()
        return handled
    if view == "all":
        return Q()
    raise ValidationFailed.field("view", _("Unknown view."))


@dataclass(frozen=True)
class ConversationFilters:
    view: str = "all"  # mine | unassigned | assistant | all
    status: str | None = "open"
    inbox_id: int | None = None
    priority: str | None = None
    tag: str | None = None
    assignee_id: int | None = None
    contact_id: int | None = None
    q: str | None = None
    channel: str | None = None  # an Inbox.channel_kind: "email", "telegram", …


def _with_unread(qs: QuerySet[Conversation], user: User) -> QuerySet[Conversation]:
    marker = ReadMarker.objects.filter(user=user, conversation=OuterRef("pk"))
    read_up_to = Coalesce(Subquery(marker.values("last_read_message_id")[:1]), Value(0))
    return qs.annotate(
        read_up_to=read_up_to,
        has_unread=ExpressionWrapper(
            Q(last_incoming_id__gt=F("read_up_to")), output_field=BooleanField()
        ),
    )


def filter_conversations(*, user: User, filters: ConversationFilters) -> QuerySet[Conversation]:
    qs = _with_unread(matching_conversations(user=user, filters=filters), user)
    return qs.select_related("contact", "assignee", "inbox").prefetch_related("tags")


def matching_conversations(*, user: User, filters: ConversationFilters) -> QuerySet[Conversation]:
    """The conversations the filters select, bare (for counts)."""
    qs = visible_conversations(user=user).filter(view_q(user=user, view=filters.view))
    if filters.status:
        if filters.status not in Conversation.Status.values:
            raise ValidationFailed.field("status", _("Unknown status."))
        qs = qs.filter(status=filters.status)
    if filters.inbox_id:
        qs = qs.filter(inbox_id=filters.inbox_id)
    if filters.priority:
        if filters.priority not in PRIORITY_BY_NAME:
            raise ValidationFailed.field("priority", _("Unknown priority."))
        qs = qs.filter(priority=PRIORITY_BY_NAME[filters.priority])
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.contact_id:
        qs = qs.filter(contact_id=filters.contact_id)
    if filters.channel:
        if filters.channel not in {kind for kind, _label in channel_choices()}:
            raise ValidationFailed.field("channel", _("Unknown channel."))
        qs = qs.filter(inbox__channel_kind=filters.channel)
    if filters.q:
        term = filters.q.strip()
        text_match = Q(contact__name__icontains=term) | Q(contact__email__icontains=term)
        text_match |= Q(subject__icontains=term)
        text_match |= Q(
            Exists(Message.objects.filter(conversation=OuterRef("pk"), content__icontains=term))
        )
        if term.lstrip("#").isdigit():
            text_match |= Q(display_id=int(term.lstrip("#")))
        qs = qs.filter(text_match)
    return qs


# --- cursor pagination ------------------------------------------------------------
# Keyset on (last_activity_at, id): stable under inserts, unlike offsets.


def encode_cursor(conv: Conversation) -> str:
    raw = json.dumps([conv.last_activity_at.isoformat(), conv.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Ids are 64-bit in the database; a larger one in a hand-made cursor must not reach SQL.
_MAX_ID = 2**63 - 1


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """The position a cursor names. It comes from a URL, so it is checked as strictly as
    any input: an aware timestamp and a positive 64-bit id, or a 422 naming the cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode())
        stamp, pk = loads_bounded(raw, max_bytes=1024, max_depth=1)
        if not isinstance(stamp, str) or type(pk) is not int or not 0 < pk <= _MAX_ID:
            raise ValueError("cursor shape")
        moment = dt.datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError("cursor without a time zone")
        return moment, pk
    except (ValueError, TypeError, InvalidJson, OverflowError) as exc:
        raise ValidationFailed.field("cursor", _("The cursor is not valid.")) from exc


def paginate_conversations(
    qs: QuerySet[Conversation], *, cursor: str | None, limit: int
) -> tuple[list[Conversation], str | None]:
    limit = max(1, min(limit, 100))
    qs = qs.order_by("-last_activity_at", "-id")
    if cursor:
        stamp, pk = decode_cursor(cursor)
        qs = qs.filter(Q(last_activity_at__lt=stamp) | Q(last_activity_at=stamp, id__lt=pk))
    items = list(qs[: limit + 1])
    next_cursor = encode_cursor(items[limit - 1]) if len(items) > limit else None
    return items[:limit], next_cursor


def unread_counts(*, user: User) -> dict[str, int]:
    base: Any = _with_unread(visible_conversations(user=user).exclude(status="resolved"), user)
    unread = base.filter(has_unread=True)
    return {
        "mine": unread.filter(assignee=user).count(),
        "unassigned": unread.filter(assignee__isnull=True).count(),
        "all": unread.count(),
    }


def conversation_messages(
    *, conversation: Conversation, include_private: bool, after_id: int = 0, limit: int = 200
) -> list[Message]:
    qs = conversation.messages.filter(id__gt=after_id)
    if not include_private:
        qs = qs.filter(is_private=False)
    return list(
        qs.select_related("sender_user", "sender_contact").prefetch_related("attachments")[:limit]
    )


def conversation_events(
    *, conversation: Conversation, public_only: bool
) -> list[ConversationEvent]:
    qs = conversation.events.select_related("actor")
    if public_only:
        qs = qs.filter(is_public=True)
    return list(qs)


def contact_conversations(*, contact: Contact) -> QuerySet[Conversation]:
    return contact.conversations.select_related("assignee").order_by("-last_activity_at")


def get_contact_conversation(*, contact: Contact, conversation_id: int) -> Conversation:
    conv = contact_conversations(contact=contact).filter(pk=conversation_id).first()
    if conv is None:
        raise NotFound(_("No such conversation."))
    return conv


def canned_replies(*, user: User, prefix: str = "") -> QuerySet[CannedReply]:
    qs = CannedReply.objects.filter(account_id=user.account_pk)
    if prefix:
        qs = qs.filter(shortcut__startswith=prefix)
    return qs


def inbox_stats(*, user: User) -> list[dict[str, Any]]:
    return list(
        visible_inboxes(user=user)
        .annotate(open_count=Count("conversations", filter=Q(conversations__status="open")))
        .values("id", "name", "channel_kind", "open_count")
    )
