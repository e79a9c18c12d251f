"""Surveys follow the event log (docs/events.md). A resolution schedules the CSAT offer and,
for chosen case types, the follow-up; a reopening cancels what has not gone out yet. The
assistant's answers tell which intents a case had (read from the payload: no import of the
assistant, which sits above this app).

Transactional: the handler only writes schedule rows, so they and the cursor move commit
together, once per event. The sending is done by the periodic jobs (services.py,
followup.py), never in the request that resolved the case."""

from __future__ import annotations

from blockdesk.conversations.models import Conversation
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.surveys import followup, services
from blockdesk.surveys.models import CaseIntent

CONSUMER = "surveys.resolutions"
RESOLVED = "resolved"


def on_event(event: Event) -> None:
    data = event.payload or {}
    if event.name == "assistant.answered":
        _record_intents(event, data)
        return
    conversation = data.get("conversation") or {}
    conversation_id = conversation.get("id")
    if not isinstance(conversation_id, int):  # redacted (erased customer)
        return
    if data.get("new") == RESOLVED and data.get("old") != RESOLVED:
        services.do_schedule_offer(
            conversation_id=conversation_id,
            account_id=event.account_id,
            resolved_at=event.occurred_at,
            event_id=event.pk,
        )
        followup.do_schedule_followup(
            conversation_id=conversation_id,
            account_id=event.account_id,
            tags=list(conversation.get("tags") or []),
            resolved_at=event.occurred_at,
            event_id=event.pk,
        )
    elif data.get("old") == RESOLVED and data.get("new") != RESOLVED:
        services.do_cancel_scheduled(conversation_id=conversation_id)
        followup.do_cancel_followups(conversation_id=conversation_id)


def _record_intents(event: Event, data: dict[str, object]) -> None:
    conversation_id = data.get("conversation_id")
    keys = data.get("article_keys")
    if not isinstance(conversation_id, int) or not isinstance(keys, list):
        return
    if not Conversation.objects.filter(pk=conversation_id, account_id=event.account_id).exists():
        return
    for key in keys[:20]:
        if isinstance(key, str) and key:
            CaseIntent.objects.get_or_create(conversation_id=conversation_id, intent=key[:100])


register_consumer(
    CONSUMER,
    on_event,
    event_names=["conversation.status_changed", "assistant.answered"],
    mode="transactional",
)
