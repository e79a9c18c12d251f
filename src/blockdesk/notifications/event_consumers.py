"""Reply emails follow the event log (events/consumers.py): a public reply in a web-widget
conversation whose customer left a follow-up address schedules the email.

Transactional: the handler only writes the ReplyEmail schedule row (and, after commit,
queues the deferred send on the database task queue), so the schedule and the cursor move
commit together, once per event. A queueing lost between the commit and the task insert is
picked up by the periodic sweep (services.do_send_due_reply_emails). The request that wrote
the reply never runs this: a broken mail set-up cannot fail it."""

from __future__ import annotations

from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations.models import Message
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.notifications import selectors, services

CONSUMER = "notifications.reply_emails"
_REPLY_KINDS = frozenset(str(kind) for kind in selectors.REPLY_SENDERS)


def on_message_created(event: Event) -> None:
    data = event.payload
    if data.get("private") or (data.get("sender") or {}).get("kind") not in _REPLY_KINDS:
        return
    message = (
        Message.objects.select_related("conversation__inbox")
        .filter(pk=data["id"], conversation__account_id=event.account_id)
        .first()
    )
    if message is None:  # deleted since (the conversation with it)
        return
    # Only the widget's customers leave a follow-up address and miss replies when they
    # close the page; other channels deliver the reply themselves.
    if message.conversation.inbox.channel_kind != WebWidgetChannel.kind:
        return
    services.do_schedule_reply_email(message=message)


register_consumer(
    CONSUMER, on_message_created, event_names=["message.created"], mode="transactional"
)
