"""Deliveries follow the event log: a public reply in an inbox whose channel delivers by
task (`BaseChannel.delivers_by_task`), or in a conversation linked to such a channel
(linked_channels.py), gets its OutboundDelivery row (contract_delivery.py).

Transactional: the handler only writes that row and queues the task after commit, so the
row and the cursor move commit together, once per event. The request that wrote the reply
never runs it: a platform that is down cannot fail the agent's send."""

from __future__ import annotations

from blockdesk.connectors import contract_delivery
from blockdesk.connectors.contract_delivery import REPLY_SENDERS
from blockdesk.connectors.linked_channels import delivery_inbox, with_link_flag
from blockdesk.conversations.models import Inbox, Message
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event

CONSUMER = "connectors.deliveries"


def on_message_created(event: Event) -> None:
    data = event.payload
    if data.get("private") or (data.get("sender") or {}).get("kind") not in REPLY_SENDERS:
        return  # customers' messages and notes: decided without a query
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
