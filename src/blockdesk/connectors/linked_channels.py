"""Linked channels: a conversation that began in one inbox and that the customer continued
on another channel (the widget's Telegram deep link). Replies then also go out there.

The channel package that proved the link records it here (`do_link_channel`); the
deliveries consumer (event_consumers.py) reads it through `delivery_inbox`, so the
contract never names a channel kind."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from blockdesk.common.errors import NotFound
from blockdesk.connectors.models import LinkedChannel
from blockdesk.conversations.channel_registry import channel_class
from blockdesk.conversations.models import Conversation, Inbox


def do_link_channel(*, conversation: Conversation, inbox: Inbox, address: str) -> LinkedChannel:
    """Records (or moves to a newer `address`) that replies in `conversation` also go
    out through `inbox`. The caller has proven the customer holds both ends."""
    if inbox.account_id != conversation.account_id:
        raise NotFound()
    with transaction.atomic():
        link, _created = LinkedChannel.objects.update_or_create(
            conversation=conversation, inbox=inbox, defaults={"address": address[:255]}
        )
    return link


def _delivers_by_task(inbox: Inbox) -> bool:
    try:
        return bool(channel_class(inbox.channel_kind).delivers_by_task)
    except LookupError:
        return False


def with_link_flag(inboxes: QuerySet[Inbox], *, conversation_id: int) -> QuerySet[Inbox]:
    """Annotates `linked_elsewhere` (is the conversation linked to another inbox?) on the
    inbox read anyway, so `delivery_inbox` needs no query of its own for the usual widget
    reply with no link."""
    others = LinkedChannel.objects.filter(conversation_id=conversation_id).exclude(
        inbox_id=OuterRef("pk")
    )
    return inboxes.annotate(linked_elsewhere=Exists(others))


def delivery_inbox(*, conversation_id: int, inbox: Inbox) -> Inbox | None:
    """The inbox whose channel delivers a public reply in this conversation: its own when
    that channel delivers by task (email, Telegram, ...), else the channel it was most
    recently linked to (a widget case continued on Telegram; the widget itself shows the
    reply live). None: nothing to deliver by task."""
    if _delivers_by_task(inbox):
        return inbox
    if getattr(inbox, "linked_elsewhere", True) is False:
        return None  # known from with_link_flag: no link to read
    links = (
        LinkedChannel.objects.filter(conversation_id=conversation_id)
        .exclude(inbox_id=inbox.pk)
        .select_related("inbox")
        .order_by("-updated_at", "-pk")
    )
    for link in links:
        if _delivers_by_task(link.inbox):
            return link.inbox
    return None
