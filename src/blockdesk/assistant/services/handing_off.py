"""Handing a case to a person: what the customer is told, the agent's note, the case
reopened for the team (and the fail-safe when handling broke)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from blockdesk.assistant import confusables, cues, selection, selectors
from blockdesk.assistant.answer import Article
from blockdesk.assistant.handoff import (
    SENSITIVE_REASONS,
    NoteFacts,
    customer_message,
    internal_note,
)
from blockdesk.assistant.models import AssistantConversation, AssistantSettings, AssistantTurn
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
    _send,
    _stored,
    _turn,
    _with_greeting,
)
from blockdesk.assistant.services.community import community_title
from blockdesk.assistant.services.lifecycle import _stop
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message


def _verify_url() -> str:
    """The public "Is this really us?" page."""
    return settings.PUBLIC_URL.rstrip("/") + reverse("trust:verify")


def _hand_off(
    ctx: _Context,
    reason: str,
    *,
    meanwhile: str | None = None,
    turn: AssistantTurn | None = None,
    preface: str = "",
) -> AssistantTurn:
    sensitive = reason in SENSITIVE_REASONS
    conversation = ctx.conversation
    text = customer_message(ctx.config, language=ctx.language, sensitive=sensitive)
    if preface:
        # Surge mode's incident answer and wait estimate, before "a person will reply".
        text = f"{preface}\n\n{text}"
    if sensitive:
        # Hacked accounts and stolen funds attract fake "support": say what we never ask.
        text += "\n\n" + phrase("never_ask", ctx.language)
    article = None
    if meanwhile:
        article = ctx.article(meanwhile)
    if article is None:
        article = _offer(ctx, reason)
    if article is not None:
        text += "\n\n" + phrase("meanwhile", ctx.language, title=article.title, url=article.url)
        if article.key not in (ctx.state.offered or []):
            ctx.state.offered = [*(ctx.state.offered or []), article.key]
    if reason == "impersonation":
        # Last, where it stays in view: how to check that a channel is really ours.
        text += "\n\n" + phrase("verify_channel", ctx.language, url=_verify_url())
    # A turn handed in (a diagnosis that needs a person) is stored with its own reply.
    stored = turn is not None
    if turn is None:
        turn = _turn(ctx, action=Action.HANDOFF, outcome=Outcome.HANDED_OFF, reason=reason)
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
    if not stored:
        _stored(turn, reply=reply)
    note, details = internal_note(_note_facts(ctx, reason, turn), language=_agent_language())
    conv_services.do_send_assistant_message(
        conversation=conversation,
        content=note,
        private=True,
        metadata={
            "assistant": {
                "kind": "handoff_note",
                "reason": reason,
                "turn": turn.pk,
                "details": details,
            }
        },
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


# After these the assistant offers no article: the customer turned down what it offered,
# or it is not the one speaking any more.
NO_OFFER_REASONS = frozenset({"not_helpful", "none_of_these", "agent_took_over", "error"})


def _offer(ctx: _Context, reason: str) -> Article | None:
    """The best article of the ranking (intent model + search) that scores above the
    offer threshold and was not offered yet."""
    if reason in NO_OFFER_REASONS or ctx.choice is None:
        return None
    # "How to contact support" is no help to someone a person is already taking over.
    skip = [*(ctx.state.offered or []), *cues.HUMAN_INTENTS]
    best = selection.best_offer(ctx.choice.ranking, exclude=skip)
    if best is None:
        return None
    return ctx.article(best.key)


def _agent_language() -> str:
    # The note is stored once and read by the team: in the interface language in force.
    return translation.get_language() or settings.LANGUAGE_CODE


def _note_facts(ctx: _Context, reason: str, turn: AssistantTurn) -> NoteFacts:
    u, choice = ctx.understanding, ctx.choice
    offered = [str(k) for k in ctx.state.offered or []]
    out_of_scope = bool(u and u.is_oos)
    wants_key = ""
    if offered:
        wants_key = offered[-1]
    elif choice is not None and choice.action != "handoff":
        wants_key = choice.key
    elif u is not None and not u.is_oos and u.confidence >= ctx.config.clarify_threshold:
        wants_key = u.intent
    language = _agent_language()
    wants = ""
    if wants_key and wants_key != OOS_LABEL:
        found = ctx.article(wants_key, language=language)
        wants = confusables.label(wants_key, language) or (found.title if found else "")
    titles = []
    for key in offered:
        found = ctx.article(key)
        titles.append(found.title if found else community_title(ctx.account_id, key) or key)

    earlier = selectors.earlier_actions(
        conversation_id=ctx.conversation.pk, actions=[Action.DIAGNOSE, Action.CLARIFY]
    )
    diagnosed = Action.DIAGNOSE in earlier
    return NoteFacts(
        reason=reason,
        wants=wants,
        out_of_scope=out_of_scope and not wants,
        entities=ctx.entities or _entities(ctx.message.content),
        offered=titles,
        clarified=Action.CLARIFY in earlier,
        diagnosis=("needs_agent" if reason == "diagnosis_needs_agent" else "explained")
        if diagnosed
        else "",
        mood=ctx.mood.label,
        customer_language=ctx.language,
        intent=u.intent if u else turn.intent,
        confidence=u.confidence if u else turn.confidence,
        alternatives=turn.alternatives,
        ranking=[c.as_dict() for c in choice.ranking[:3]] if choice else [],
    )


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
