"""Writes the assistant's events to the event log (events.services.emit), in the caller's
transaction. Kept apart from services.py so the services read as the decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from blockdesk.assistant import event_types as et
from blockdesk.assistant.answer import Article
from blockdesk.assistant.handoff import SENSITIVE_REASONS
from blockdesk.assistant.models import AssistantConversation, AssistantTurn, Correction
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit


def _emit(
    account_id: int, conversation_id: int, name: str, payload: BaseModel, actor: Actor
) -> None:
    emit(
        account_id=account_id,
        name=name,
        payload=payload,
        actor=actor,
        subject=Subject("conversation", conversation_id),
    )


def emit_answered(
    turn: AssistantTurn,
    *,
    articles: Sequence[Article] = (),
    generated: bool = False,
    community_question_ids: Sequence[int] = (),
) -> None:
    assert turn.reply_id is not None
    kind: Literal["article", "diagnosis", "community"] = "diagnosis"
    if community_question_ids:
        kind = "community"
    elif turn.action == AssistantTurn.Action.ANSWER:
        kind = "article"
    payload = et.Answered(
        conversation_id=turn.conversation_id,
        turn_id=turn.pk,
        message_id=turn.message_id,
        reply_id=turn.reply_id,
        kind=kind,
        article_ids=[a.id for a in articles if a.id is not None],
        article_keys=[a.key for a in articles],
        community_question_ids=list(community_question_ids),
        language=turn.language,
        confidence=round(turn.confidence, 4),
        generated=generated,
    )
    _emit(turn.account_id, turn.conversation_id, "assistant.answered", payload, Actor.assistant())


def emit_handed_off(state: AssistantConversation, *, turn: AssistantTurn | None) -> None:
    payload = et.HandedOff(
        conversation_id=state.conversation_id,
        reason=state.handoff_reason,
        sensitive=state.handoff_reason in SENSITIVE_REASONS,
        turn_id=turn.pk if turn is not None else None,
        message_id=turn.message_id if turn is not None else None,
    )
    _emit(
        state.account_id, state.conversation_id, "assistant.handed_off", payload, Actor.assistant()
    )


def emit_resolved(state: AssistantConversation, *, contact_id: int) -> None:
    """Confirmed: the customer pressed "solved" (or said so); timeout: nobody acted."""
    confirmed = state.resolved_by == AssistantConversation.ResolvedBy.CONFIRMED
    payload = et.Resolved(
        conversation_id=state.conversation_id,
        how="confirmed" if confirmed else "timeout",
        article_keys=[str(k) for k in state.offered or []],
    )
    actor = Actor.contact(contact_id) if confirmed else Actor.system()
    _emit(state.account_id, state.conversation_id, "assistant.resolved", payload, actor)


def emit_corrected(correction: Correction, *, conversation_id: int, user_id: int) -> None:
    payload = et.Corrected(
        conversation_id=conversation_id,
        correction_id=correction.pk,
        reply_id=correction.reply_id,
        turn_id=correction.turn_id,
        wrong_article_key=correction.wrong_key,
        correct_article_key=correction.correct_key,
    )
    _emit(
        correction.account_id, conversation_id, "assistant.corrected", payload, Actor.agent(user_id)
    )
