"""Deliveries follow the event log: a public reply in an inbox whose channel delivers by
task (`BaseChannel.delivers_by_task`), or in a conversation routed to such a channel
(linked_channels.py: the channel the customer last wrote from), gets its one
OutboundDelivery row (contract_delivery.py). A customer's message written in the widget
moves the route back there (the widget shows replies live: no delivery).

Transactional: the handler only writes that row and queues the task after commit, so the
row and the cursor move commit together, once per event. The request that wrote the reply
never runs it: a platform that is down cannot fail the agent's send."""

from __future__ import annotations

from blockdesk.connectors import contract_delivery
from blockdesk.connectors.contract_delivery import REPLY_SENDERS
from blockdesk.connectors.linked_channels import (
    delivery_inbox,
    do_note_customer_channel,
    with_link_flag,
)
from blockdesk.connectors.models import ReplyRoute
from blockdesk.conversations.models import Inbox, Message
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event

CONSUMER = "connectors.deliveries"


def _customer_wrote(event: Event) -> None:
    """A customer's message: one written where the case lives (the widget; no channel
    in its metadata, a channel package notes its own in do_receive) moves a route that
    points elsewhere back there. One query when the case was never routed elsewhere."""
    data = event.payload
    conversation_id, inbox_id = data.get("conversation_id") or 0, data.get("inbox_id") or 0
    route = (
        ReplyRoute.objects.filter(conversation_id=conversation_id, since_message_id__lt=data["id"])
        .exclude(inbox_id=inbox_id)
        .first()
    )
    if route is None:
        return
    message = (
        Message.objects.filter(pk=data["id"], conversation_id=conversation_id)
        .select_related("conversation__inbox")
        .first()
    )
    if message is None or (message.metadata or {}).get("channel"):
        return
    do_note_customer_channel(
        conversation=message.conversation, inbox=message.conversation.inbox, message_id=message.pk
    )


def on_message_created(event: Event) -> None:
    data = event.payload
    if data.get("private"):
        return  # notes: decided without a query
    if (data.get("sender") or {}).get("kind") == "contact":
        _customer_wrote(event)
        return
    if (data.get("sender") or {}).get("kind") not in REPLY_SENDERS:
        return
    conversation_id = data.get("conversation_id") or 0
    inboxes = Inbox.objects.filter(pk=data.get("inbox_id"), account_id=event.account_id)
    inbox = with_link_flag(inboxes, conversation_id=conversation_id).first()
    if inbox is None:
        return
    # Its own channel, or the one the customer continued the case on (linked_channels.py).
    target = delivery_inbox(conversation_id=conversation_id, inbox=inbox)
    if target is None:
        return
    message = Message.objects.filter(pk=data["id"], conversation__inbox=inbox).first()
    if message is None:  # deleted since (the conversation with it)
        return
    contract_delivery.do_queue_delivery(message=message, inbox=target)


register_consumer(
    CONSUMER, on_message_created, event_names=["message.created"], mode="transactional"
)
