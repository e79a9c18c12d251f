"""Linked channels: a conversation that began in one inbox and that the customer continued
on another channel (the widget's Telegram deep link, a reply to the case's email, a
Telegram or Discord message threaded into the case).

One reply, one delivery: an agent's public reply goes out once, on the channel the
customer last wrote from on that case (`ReplyRoute`), or the one an agent chose since in
the console; the widget shows the whole case live and is no delivery. The channel package
that proved a link records it (`do_link_channel`, which also moves the route there: the
customer just moved); `contract_inbound.do_receive` notes every message a channel brings
(`do_note_customer_channel`); the deliveries consumer notes the customer's messages
written where the case lives (the widget) and reads the route through `delivery_inbox`.
The contract never names a channel kind."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.connectors.models import LinkedChannel, ReplyRoute
from blockdesk.conversations.channel_registry import channel_class
from blockdesk.conversations.models import Conversation, Inbox, Message
from blockdesk.conversations.services import check_agent_can_access


def do_link_channel(*, conversation: Conversation, inbox: Inbox, address: str) -> LinkedChannel:
    """Records (or moves to a newer `address`) that `conversation` continues on `inbox`'s
    channel, and routes its replies there from now on (the customer just moved). The
    caller has proven the customer holds both ends."""
    if inbox.account_id != conversation.account_id:
        raise NotFound()
    with transaction.atomic():
        link, _created = LinkedChannel.objects.update_or_create(
            conversation=conversation, inbox=inbox, defaults={"address": address[:255]}
        )
        _set_route(conversation=conversation, inbox=inbox, since=_newest_message_id(conversation))
    return link


def _newest_message_id(conversation: Conversation) -> int:
    newest = (
        Message.objects.filter(conversation=conversation)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return newest or 0


def _set_route(
    *, conversation: Conversation, inbox: Inbox, since: int, chosen_by: User | None = None
) -> None:
    ReplyRoute.objects.update_or_create(
        conversation=conversation,
        defaults={"inbox": inbox, "since_message_id": since, "chosen_by": chosen_by},
    )


def do_note_customer_channel(*, conversation: Conversation, inbox: Inbox, message_id: int) -> None:
    """The customer wrote `message_id` in `conversation` through `inbox`'s channel:
    replies go there from now on. A channel other than the conversation's own is linked
    (so agents can pick it); a message older than the route's is ignored (handled late)."""
    if inbox.pk == conversation.inbox_id:
        # The usual case (a Telegram message in a Telegram case): no row means "its own
        # channel", so only a route that points elsewhere is moved back, in one statement.
        ReplyRoute.objects.filter(
            conversation=conversation, since_message_id__lt=message_id
        ).exclude(inbox=inbox).update(inbox=inbox, since_message_id=message_id, chosen_by=None)
        return
    LinkedChannel.objects.get_or_create(
        conversation=conversation, inbox=inbox, defaults={"address": inbox.channel_kind}
    )
    route = ReplyRoute.objects.filter(conversation=conversation).first()
    if route is None or route.since_message_id < message_id:
        _set_route(conversation=conversation, inbox=inbox, since=message_id)


def route_choices(*, conversation: Conversation) -> list[Inbox]:
    """The channels an agent may send this case's replies to: its own inbox and the
    ones the customer continued it on (same account only)."""
    linked = Inbox.objects.filter(
        pk__in=LinkedChannel.objects.filter(conversation=conversation).values("inbox_id"),
        account_id=conversation.account_id,
    ).order_by("pk")
    return [conversation.inbox, *[i for i in linked if i.pk != conversation.inbox_id]]


def current_route(*, conversation: Conversation) -> Inbox:
    """The channel the next reply goes to, for the console (the widget itself when it
    is the customer's latest: shown live, no delivery)."""
    target = delivery_inbox(conversation_id=conversation.pk, inbox=conversation.inbox)
    if target is not None:
        return target
    route = ReplyRoute.objects.filter(conversation=conversation).select_related("inbox").first()
    return route.inbox if route is not None else conversation.inbox


def do_choose_route(*, actor: User, conversation: Conversation, inbox_id: int) -> Inbox:
    """An agent picks the channel of the next replies among `route_choices`; the
    customer's next message from another channel moves it again."""
    check_agent_can_access(user=actor, conversation=conversation)
    inbox = next((i for i in route_choices(conversation=conversation) if i.pk == inbox_id), None)
    if inbox is None:
        raise NotFound()
    with transaction.atomic():
        _set_route(
            conversation=conversation,
            inbox=inbox,
            since=_newest_message_id(conversation),
            chosen_by=actor,
        )
    return inbox


def _delivers_by_task(inbox: Inbox) -> bool:
    try:
        return bool(channel_class(inbox.channel_kind).delivers_by_task)
    except LookupError:
        return False


def with_link_flag(inboxes: QuerySet[Inbox], *, conversation_id: int) -> QuerySet[Inbox]:
    """Annotates `linked_elsewhere` (is the conversation linked to another inbox, or
    routed anywhere?) on the inbox read anyway, so `delivery_inbox` needs no query of its
    own for the usual reply in a case that never left its channel."""
    others = LinkedChannel.objects.filter(conversation_id=conversation_id).exclude(
        inbox_id=OuterRef("pk")
    )
    routed = ReplyRoute.objects.filter(conversation_id=conversation_id)
    return inboxes.annotate(linked_elsewhere=Exists(others) | Exists(routed))


def delivery_inbox(*, conversation_id: int, inbox: Inbox) -> Inbox | None:
    """The one inbox whose channel delivers a public reply in this conversation (the
    module docstring): the route's, when the case has one; else its own when that channel
    delivers by task (email, Telegram, ...), else the channel it was most recently linked
    to (links recorded before routes existed). None: nothing to deliver by task (the
    widget shows the reply live)."""
    if getattr(inbox, "linked_elsewhere", True) is False:
        # Known from with_link_flag: no route, no link; its own channel or none.
        return inbox if _delivers_by_task(inbox) else None
    route = (
        ReplyRoute.objects.filter(
            conversation_id=conversation_id, inbox__account_id=inbox.account_id
        )
        .select_related("inbox")
        .first()
    )
    if route is not None:
        return route.inbox if _delivers_by_task(route.inbox) else None
    if _delivers_by_task(inbox):
        return inbox
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
