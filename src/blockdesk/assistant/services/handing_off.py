"""Handing a case to a person: what the customer is told, the agent's note, the case
reopened for the team (and the fail-safe when handling broke)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from blockdesk.assistant import selectors
from blockdesk.assistant.handoff import SENSITIVE_REASONS, customer_message, internal_note
from blockdesk.assistant.models import (
    AssistantConversation,
    AssistantSettings,
    AssistantTurn,
)
from blockdesk.assistant.nlu.datasets import OOS_LABEL
from blockdesk.assistant.phrases import phrase
from blockdesk.assistant.services._context import (
    Action,
    Outcome,
    State,
    Status,
    _agent_meta,
    _Context,
    _entities,
    _record,
    _send,
    _with_greeting,
)
from blockdesk.assistant.services.lifecycle import _stop
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message


def _verify_url() -> str:
    """The public "Is this really us?" page."""
    return settings.PUBLIC_URL.rstrip("/") + reverse("trust:verify")


def _hand_off(
    ctx: _Context, reason: str, *, meanwhile: str | None = None, turn: AssistantTurn | None = None
) -> AssistantTurn:
    sensitive = reason in SENSITIVE_REASONS
    conversation = ctx.conversation
    text = customer_message(ctx.config, language=ctx.language, sensitive=sensitive)
    if sensitive:
        # Hacked accounts and stolen funds attract fake "support": say what we never ask.
        text += "\n\n" + phrase("never_ask", ctx.language)
    if reason == "impersonation":
        text += "\n\n" + phrase("verify_channel", ctx.language, url=_verify_url())
    article = None
    if meanwhile:
        article = selectors.published_article(
            account_id=ctx.account_id, key=meanwhile, language=ctx.language
        )
        if article is not None:
            text += "\n\n" + phrase("meanwhile", ctx.language, title=article.title, url=article.url)
    if turn is None:
        turn = _record(ctx, action=Action.HANDOFF, outcome=Outcome.HANDED_OFF, reason=reason)
    else:
        AssistantTurn.objects.filter(pk=turn.pk).update(handoff_reason=reason)
    public: dict[str, Any] = {"handoff": True}
    if article is not None:
        public["article"] = {"key": article.key, "title": article.title, "url": article.url}
    reply = _send(
        ctx,
        _with_greeting(ctx, text),
        public=public,
        agent=_agent_meta(ctx, turn, handoff_reason=reason),
    )
    if turn.reply_id is None:
        turn.reply = reply
        turn.save(update_fields=["reply"])
    u = ctx.understanding
    offered_titles = []
    for key in ctx.state.offered or []:
        found = selectors.published_article(account_id=ctx.account_id, key=key, language="en")
        offered_titles.append((key, found.title if found else key))
    note = internal_note(
        language=ctx.language,
        intent=(u.intent if u else turn.intent) or OOS_LABEL,
        confidence=u.confidence if u else turn.confidence,
        alternatives=turn.alternatives,
        entities=ctx.entities or _entities(ctx.message.content),
        offered=offered_titles,
        mood=ctx.mood.label,
        reason=reason,
    )
    conv_services.do_send_assistant_message(
        conversation=conversation,
        content=note,
        private=True,
        metadata={"assistant": {"kind": "handoff_note", "reason": reason, "turn": turn.pk}},
    )
    _stop(ctx.state, reason=reason, turn=turn)
    conversation = conv_services.do_change_status(
        actor=None, conversation=conversation, status=Status.OPEN, event_extra={"by": "assistant"}
    )
    inbox = ctx.conversation.inbox
    if conversation.team_id is None and inbox.default_team_id is not None:
        conv_services.do_assign(
            actor=None,
            conversation=conversation,
            assignee=None,
            team=inbox.default_team,
            set_team=True,
            event_extra={"by": "assistant"},
        )
    if sensitive and conversation.priority > Conversation.Priority.HIGH:
        conv_services.do_change_priority(
            actor=None, conversation=conversation, priority="high", event_extra={"by": "assistant"}
        )
    return turn


def _fail_safe(message: Message, config: AssistantSettings, language: str) -> None:
    with transaction.atomic():
        state = (
            AssistantConversation.objects.select_for_update()
            .filter(conversation_id=message.conversation_id, state=State.ACTIVE)
            .first()
        )
        if state is None:
            return
        _stop(state, reason="error")
        conversation = Conversation.objects.get(pk=message.conversation_id)
        conv_services.do_send_assistant_message(
            conversation=conversation,
            content=customer_message(config, language=language, sensitive=False),
            metadata={"public": {"kind": "assistant", "handoff": True}},
        )
        conv_services.do_send_assistant_message(
            conversation=conversation,
            content=_("The assistant could not handle this message; please answer it."),
            private=True,
            metadata={"assistant": {"kind": "handoff_note", "reason": "error"}},
        )
        conv_services.do_change_status(
            actor=None,
            conversation=conversation,
            status=Status.OPEN,
            event_extra={"by": "assistant"},
        )
