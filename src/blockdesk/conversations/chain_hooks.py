"""What a conversation does when a transaction watch started from it settles.

Connected from ConversationsConfig.ready(). The customer gets a system message with the
diagnosis explained in their language, the facts are stored as an internal "diagnosis"
event, and the assigned agent (or, with nobody assigned, the inbox) gets a live event.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from blockdesk.chain.diagnosis.explain import EN, ZH, explain, followed_replacement_note
from blockdesk.chain.diagnosis.facts import Diagnosis
from blockdesk.chain.models import TransactionWatch
from blockdesk.chain.signals import on_watch_finished
from blockdesk.common.realtime import inbox_group, publish_on_commit, user_group
from blockdesk.conversations.models import Conversation, ConversationEvent
from blockdesk.conversations.services import _record_event, do_send_system_message

logger = logging.getLogger(__name__)


def diagnosis_event_data(
    *, diagnosis: Diagnosis, language: str, via: str, outcome: str = ""
) -> dict[str, Any]:
    """The data of a "diagnosis" event: the same shape as chain's ConversationDiagnosis."""
    customer = explain(diagnosis, language)
    return {
        "via": via,
        "outcome": outcome,
        "tx_hash": diagnosis.tx_hash,
        "result": {
            "facts": diagnosis.as_dict(),
            "customer": customer.as_dict(),
            "texts": {EN: explain(diagnosis, EN).as_dict(), ZH: explain(diagnosis, ZH).as_dict()},
            "needs_agent": diagnosis.needs_agent,
        },
    }


def _outcome_label(outcome: str) -> str:
    try:
        return str(TransactionWatch.Outcome(outcome).label)
    except ValueError:
        return outcome


def _conversation(watch: Any, context: dict[str, Any]) -> Conversation | None:
    raw = (context or {}).get("conversation_id")
    if not isinstance(raw, (int, str)):
        return None
    try:
        conversation_id = int(raw)
    except ValueError:
        return None
    # The watch's account bounds the lookup: a context can never reach another account.
    return (
        Conversation.objects.filter(pk=conversation_id, account_id=watch.account_id)
        .select_related("contact")
        .first()
    )


@on_watch_finished
def post_watch_result(
    *,
    watch: Any,
    outcome: str,
    diagnosis: Diagnosis | None,
    context: dict[str, Any],
    **kwargs: Any,
) -> None:
    conversation = _conversation(watch, context)
    if conversation is None:
        return
    language = conversation.contact.locale or settings.LANGUAGE_CODE
    message_id = None
    with transaction.atomic():
        if diagnosis is not None:
            # Cancelled watches have no news for the customer.
            text = explain(diagnosis, language).text
            replaced = (context or {}).get("replaced_hashes") or []
            if replaced:  # the customer asked about the first hash: say why this one
                note = followed_replacement_note(
                    original=str(replaced[0]), replacement=watch.tx_hash, language=language
                )
                text = f"{note}\n\n{text}"
            message_id = do_send_system_message(conversation=conversation, content=text).pk
            _record_event(
                conversation=conversation,
                kind=ConversationEvent.Kind.DIAGNOSIS,
                actor=None,
                data=diagnosis_event_data(
                    diagnosis=diagnosis, language=language, via="watch", outcome=outcome
                ),
            )
        groups = (
            [user_group(conversation.assignee_id)]
            if conversation.assignee_id
            else [inbox_group(conversation.inbox_id)]
        )
        publish_on_commit(
            groups,
            {
                "type": "chain.watch_finished",
                "conversation_id": conversation.pk,
                "display_id": conversation.display_id,
                "tx_hash": watch.tx_hash,
                "outcome": outcome,
                "outcome_label": _outcome_label(outcome),
                "status": diagnosis.status.value if diagnosis is not None else "",
                "message_id": message_id,
            },
        )
    logger.info("watch %s (%s) reported to conversation %s", watch.pk, outcome, conversation.pk)


def record_diagnosis_event(
    *, conversation: Conversation, actor: Any, data: dict[str, Any]
) -> ConversationEvent:
    """Store a diagnosis as an internal event (agents see it live; customers never do)."""
    with transaction.atomic():
        return _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.DIAGNOSIS,
            actor=actor,
            data=data,
        )
