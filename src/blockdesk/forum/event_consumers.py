"""The forum follows its own events (docs/events.md): answers mail the asker and the
members they @mention. At least once: the handler talks to SMTP outside any transaction and
is idempotent by (event, recipient) (`notify.NotificationSent`)."""

from __future__ import annotations

from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.forum import notify

CONSUMER = "forum.notifications"


def on_event(event: Event) -> None:
    data = event.payload or {}
    answer_id = data.get("answer_id")
    if not isinstance(answer_id, int) or data.get("held"):
        return
    mentions = [m for m in data.get("mentions") or [] if isinstance(m, int)]
    notify.notify_answer(event_id=event.pk, answer_id=answer_id, mentions=mentions)


register_consumer(CONSUMER, on_event, event_names=["forum.answer_created"], mode="at_least_once")
