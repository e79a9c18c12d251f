"""Reads for the web widget. Everything is scoped to one visitor (contact) in one
widget inbox, so a visitor can never reach another visitor's case, nor internal data."""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext as _

from blockdesk.common.errors import NotFound
from blockdesk.common.plain_sql import column_names, fetch_by_sql, fetch_one
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations import selectors as conversation_selectors
from blockdesk.conversations.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    Message,
)
from blockdesk.records import selectors as records_selectors
from blockdesk.records.models import RecordCase

PREVIEW_LENGTH = 140
MAX_PAGE = 200


def visitor_contact(*, account_id: int, token_hash: str) -> Contact | None:
    """The contact a web visitor's token belongs to (its hash is a web-visitor identity,
    unique per account), or None."""
    return fetch_by_sql(
        Contact,
        sql=_visitor_sql(),
        params=[account_id, ContactIdentity.Kind.WEB_VISITOR, token_hash],
    )


@functools.cache
def _visitor_sql() -> str:
    """`visitor_contact` in SQL written once: every widget request runs it, and Django's
    query compiler cost more than the query (with the conversation lookup a quarter of a
    follow-up's CPU, docs/benchmarks/widget.md). Names from the models' _meta."""
    q = connection.ops.quote_name
    contact, identity = Contact._meta, ContactIdentity._meta
    columns = ", ".join(f"c.{q(column)}" for column in column_names(Contact))
    return (
        f"SELECT {columns} FROM {q(contact.db_table)} c"  # noqa: S608 (names from _meta)
        f" JOIN {q(identity.db_table)} i"
        f" ON i.{q(identity.get_field('contact').column)} = c.{q(contact.pk.column)}"
        f" WHERE i.{q(identity.get_field('account').column)} = %s"
        f" AND i.{q(identity.get_field('kind').column)} = %s"
        f" AND i.{q(identity.get_field('value').column)} = %s"
    )


def _with_public_preview(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """`last_public_id` and `preview` come from public messages only: the core's
    `last_message_id` also moves for internal notes, which must not show through."""
    public = Message.objects.filter(conversation=OuterRef("pk"), is_private=False).order_by("-id")
    return qs.annotate(
        last_public_id=Coalesce(Subquery(public.values("id")[:1]), Value(0)),
        preview=Coalesce(
            Subquery(public.annotate(p=Substr("content", 1, PREVIEW_LENGTH)).values("p")[:1]),
            Value(""),
        ),
    ).order_by("-last_activity_at", "-id")


def visitor_conversations(*, contact: Contact, channel: WebWidgetChannel) -> QuerySet[Conversation]:
    """The visitor's cases in this widget's inbox, newest activity first, with the public
    preview (`_with_public_preview`)."""
    return _with_public_preview(
        conversation_selectors.contact_conversations(contact=contact).filter(
            inbox_id=channel.inbox_id
        )
    )


def visitor_case_list(*, contact: Contact, channel: WebWidgetChannel) -> QuerySet[Conversation]:
    """The customer's own case list: their cases on every channel (this widget, email,
    Telegram…; not other websites' widgets), newest activity first, each with its inbox
    (for the channel label). Only this widget's cases open here (`visitor_conversations`);
    the others are listed so the customer sees one history (docs/identity.md)."""
    # Other websites' widgets stay apart (a visitor token is one site's; another site of
    # the account may be another brand): their cases are listed only there.
    other_widgets = Q(inbox__channel_kind=channel.kind) & ~Q(inbox_id=channel.inbox_id)
    return _with_public_preview(
        conversation_selectors.contact_conversations(contact=contact)
        .filter(account_id=contact.account_id)
        .exclude(other_widgets)
        .select_related("inbox")
    )


def get_visitor_case_elsewhere(
    *, contact: Contact, channel: WebWidgetChannel, conversation_id: int
) -> Conversation:
    """One of the customer's cases on another channel (email, Telegram…), from their case
    list (`visitor_case_list`: their own, this account, not another website's widget).
    The widget shows it read-only; NotFound for anything else, the same as a missing id."""
    conv = (
        visitor_case_list(contact=contact, channel=channel)
        .exclude(inbox_id=channel.inbox_id)
        .filter(pk=conversation_id)
        .first()
    )
    if conv is None:
        raise NotFound(_("No such conversation."))
    return conv


def get_visitor_conversation(
    *, contact: Contact, channel: WebWidgetChannel, conversation_id: int, annotated: bool = True
) -> Conversation:
    """`annotated=False` skips last_public_id and preview (two subqueries) for callers
    that only need the case itself, such as a send, whose response knows both."""
    if annotated:
        qs = visitor_conversations(contact=contact, channel=channel)
        found = list(qs.filter(pk=conversation_id).order_by()[:1])  # by pk: no ORDER BY
        conv = found[0] if found else None
    else:
        conv = _visitor_case(contact=contact, channel=channel, conversation_id=conversation_id)
    if conv is None:
        # The same answer for "not yours" and "does not exist": ids are guessable.
        raise NotFound(_("No such conversation."))
    return conv


def _visitor_case(
    *, contact: Contact, channel: WebWidgetChannel, conversation_id: int
) -> Conversation | None:
    """The case a follow-up goes to, with its assignee, in SQL built once
    (common/plain_sql.fetch_one): every follow-up runs it, and building the select_related
    query cost more CPU than the rest of the send's reads (docs/benchmarks/widget.md)."""
    conv = fetch_one(
        Conversation,
        where={"pk": conversation_id, "contact": contact.pk, "inbox": channel.inbox_id},
        related=("assignee",),
    )
    if conv is not None:
        Conversation.contact.field.set_cached_value(conv, contact)
    return conv


def visitor_messages(
    *,
    contact: Contact,
    channel: WebWidgetChannel,
    after_id: int = 0,
    conversation: Conversation | None = None,
    limit: int = MAX_PAGE,
) -> list[Message]:
    """Public messages after `after_id`, oldest first: the catch-up after a reconnect."""
    limit = max(1, min(limit, MAX_PAGE))
    if conversation is not None:
        return conversation_selectors.conversation_messages(
            conversation=conversation, include_private=False, after_id=after_id, limit=limit
        )
    qs = Message.objects.filter(
        conversation__contact=contact,
        conversation__inbox_id=channel.inbox_id,
        is_private=False,
        id__gt=after_id,
    ).order_by("id")
    return list(
        qs.select_related("sender_user", "sender_contact").prefetch_related("attachments")[:limit]
    )


def visitor_timeline(*, conversation: Conversation) -> list[ConversationEvent]:
    return conversation_selectors.conversation_events(conversation=conversation, public_only=True)


def visitor_record(*, conversation: Conversation) -> RecordCase | None:
    """The service record of the visitor's own case (the caller got `conversation` from
    get_visitor_conversation, which scopes it to the visitor); None until recorded."""
    return records_selectors.case_for_conversation(
        account_id=conversation.account_id, conversation_id=conversation.pk
    )
