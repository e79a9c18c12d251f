"""The assistant as an actor in conversations.

`do_handle_customer_message` runs in a background task for each customer message in a
case the assistant handles: it answers from an approved article (asking "did this solve
it?"), asks a clarifying question when two articles are close, explains a transaction,
or hands the case to a person with an internal note. It writes through the
conversations services, as itself (sender_type assistant), with an agent's outbound
checks."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.assistant import cues, emitting, engine, selectors
from blockdesk.assistant.answer import DETAIL_LEVELS, Article, extractive_answer
from blockdesk.assistant.handoff import SENSITIVE_REASONS, customer_message, internal_note
from blockdesk.assistant.models import (
    AssistantConversation,
    AssistantSettings,
    AssistantTurn,
)
from blockdesk.assistant.nlu.datasets import OOS_LABEL
from blockdesk.assistant.nlu.language import detect_language
from blockdesk.assistant.phrases import phrase
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.safety import scan_outbound
from blockdesk.safety.fields import redact_json

logger = logging.getLogger(__name__)

State = AssistantConversation.State
Awaiting = AssistantConversation.Awaiting
Action = AssistantTurn.Action
Outcome = AssistantTurn.Outcome
Status = Conversation.Status

QUICK_SOLVED = "solved"
QUICK_MORE_HELP = "more_help"
QUICK_NONE = "none"
QUICK_PICK = "pick:"


@dataclass
class _Context:
    """One customer message being handled."""

    message: Message
    conversation: Conversation
    config: AssistantSettings
    state: AssistantConversation
    language: str
    started: float
    understanding: engine.Understanding | None = None
    entities: dict[str, list[str]] = field(default_factory=dict)
    mood: cues.Mood = field(default_factory=lambda: cues.Mood("calm"))

    @property
    def account_id(self) -> int:
        return int(self.conversation.account_id)


# --- entry points ---------------------------------------------------------------------


def do_handle_customer_message(*, message_id: int) -> AssistantTurn | None:
    """Handle one stored customer message; idempotent (a retried task does nothing)."""
    message = (
        Message.objects.select_related("conversation__inbox", "conversation__contact")
        .filter(pk=message_id, sender_type=Message.SenderType.CONTACT)
        .first()
    )
    if message is None or AssistantTurn.objects.filter(message_id=message_id).exists():
        return None
    conversation = message.conversation
    config = selectors.settings_for_inbox(conversation.inbox)
    if not config.enabled or conversation.status == Status.RESOLVED:
        return None
    started = time.perf_counter()
    languages = list(settings.KB_LANGUAGES) or ["en"]
    language = detect_language(message.content, languages)
    try:
        return _handle_in_transaction(message, config, language, started)
    except Exception:
        # Whatever broke, the customer must not wait on a silent bot: a person takes it.
        logger.exception("assistant: failed on message %s; handing off", message_id)
        _fail_safe(message, config, language)
        return None


def _handle_in_transaction(
    message: Message, config: AssistantSettings, language: str, started: float
) -> AssistantTurn | None:
    conversation = message.conversation
    with transaction.atomic():
        state, _created = AssistantConversation.objects.get_or_create(
            conversation=conversation, defaults={"account_id": conversation.account_id}
        )
        state = AssistantConversation.objects.select_for_update().get(pk=state.pk)
        if state.state != State.ACTIVE or AssistantTurn.objects.filter(message=message).exists():
            return None
        if conversation.assignee_id is not None:
            # An agent already owns the case: the assistant steps back silently.
            _stop(state, reason="agent_took_over")
            return None
        state.language = language
        ctx = _Context(message, conversation, config, state, language, started)
        return _handle(ctx)


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


def do_quick_reply(*, contact_id: int, message_id: int, choice: str) -> Message:
    """The customer pressed a button under an assistant message: stored as their
    message (so the transcript shows it) with the choice as structured metadata; the
    actor then handles it like any customer message."""
    from blockdesk.conversations.models import Contact

    source = (
        Message.objects.select_related("conversation__inbox")
        .filter(
            pk=message_id,
            sender_type=Message.SenderType.ASSISTANT,
            is_private=False,
            conversation__contact_id=contact_id,
        )
        .first()
    )
    if source is None:
        from blockdesk.common.errors import NotFound

        raise NotFound()
    offered = {
        str(q.get("id")): str(q.get("label"))
        for q in ((source.metadata or {}).get("public") or {}).get("quick_replies", [])
    }
    if choice not in offered:
        raise ValidationFailed.field("choice", _("This option is not available."))
    conversation = source.conversation
    if conversation.status == Status.RESOLVED:
        raise ValidationFailed.field("choice", _("This conversation is already closed."))
    contact = Contact.objects.get(pk=contact_id)
    sent = conv_services.do_send_contact_message(
        contact=contact,
        inbox=conversation.inbox,
        conversation=conversation,
        content=offered[choice],
        # One answer per question: pressing twice (or on two tabs) stores one message.
        idempotency_key=f"qr:{message_id}",
        metadata={"quick_reply": {"choice": choice, "message_id": message_id}},
    )
    return sent.message


def do_resolve_timed_out(*, now: dt.datetime | None = None) -> int:
    """Count as solved the answers the customer left without asking for more within
    the inbox's resolution timeout. Periodic and idempotent."""
    now = now or timezone.now()
    due = AssistantConversation.objects.filter(
        state=State.ACTIVE, awaiting=Awaiting.CONFIRMATION, resolve_after__lte=now
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due[:500]):
        if _resolve_one(pk, now=now):
            count += 1
    return count


def _resolve_one(pk: int, *, now: dt.datetime) -> bool:
    with transaction.atomic():
        state = (
            AssistantConversation.objects.select_for_update()
            .select_related("conversation")
            .filter(pk=pk, state=State.ACTIVE, awaiting=Awaiting.CONFIRMATION)
            .first()
        )
        if state is None or state.resolve_after is None or state.resolve_after > now:
            return False
        conversation = state.conversation
        answered = (
            AssistantTurn.objects.filter(conversation=conversation, reply__isnull=False)
            .order_by("-id")
            .first()
        )
        if answered is not None and conversation.last_incoming_id > answered.message_id:
            return False  # the customer wrote again; that message is being handled
        if conversation.status == Status.RESOLVED:
            return False
        _resolve(state, how=AssistantConversation.ResolvedBy.TIMEOUT)
    return True


def do_note_agent_activity(*, conversation_id: int) -> None:
    """An agent replied in (or opened/closed) a case the assistant was handling: the
    assistant steps back."""
    with transaction.atomic():
        state = (
            AssistantConversation.objects.select_for_update()
            .filter(conversation_id=conversation_id, state=State.ACTIVE)
            .first()
        )
        if state is not None:
            _stop(state, reason="agent_took_over")


# --- the decision ---------------------------------------------------------------------


def _handle(ctx: _Context) -> AssistantTurn:
    text = ctx.message.content
    quick = (ctx.message.metadata or {}).get("quick_reply") or {}
    choice = str(quick.get("choice") or "")
    if choice:
        return _handle_quick_reply(ctx, choice)

    ctx.mood = cues.mood(text)
    ctx.entities = _entities(text)
    ctx.understanding = _understand(ctx)
    if ctx.conversation.secret_exposed:
        return _hand_off(ctx, "secret_exposed")
    sensitive = cues.sensitive_reason(text)
    if sensitive:
        return _hand_off(ctx, sensitive)
    if cues.asks_for_person(text, ctx.config.handoff_keywords or {}):
        return _hand_off(ctx, "asked_for_person")
    if ctx.mood.needs_person:
        return _hand_off(ctx, "mood")

    if ctx.state.awaiting == Awaiting.CONFIRMATION:
        said = cues.confirmation(text)
        if said is True:
            return _confirm_solved(ctx)
        if said is False:
            return _hand_off(ctx, "not_helpful")
    if ctx.state.awaiting == Awaiting.CLARIFICATION and text.strip() in {"1", "2", "3"}:
        index = int(text.strip()) - 1
        if index < len(ctx.state.options):
            return _answer(ctx, key=str(ctx.state.options[index]), confidence=1.0)

    if ctx.entities.get("tx_hashes") and _chains_enabled(ctx.account_id):
        turn = _diagnose(ctx)
        if turn is not None:
            return turn

    u = ctx.understanding
    if u.intent in cues.SENSITIVE_INTENTS and u.confidence >= ctx.config.clarify_threshold:
        return _hand_off(ctx, "sensitive_topic", meanwhile=u.intent)
    if u.intent in cues.HUMAN_INTENTS and u.action == "answer":
        return _hand_off(ctx, "asked_for_person")
    if u.action == "answer":
        if u.intent in (ctx.state.offered or []):
            # Asking again about what was already answered: the answer did not help.
            return _hand_off(ctx, "not_helpful")
        return _answer(ctx, key=u.intent, confidence=u.confidence)
    if u.action == "clarify":
        return _clarify(ctx, u.options)
    return _hand_off(ctx, u.reason or "low_confidence")


def _handle_quick_reply(ctx: _Context, choice: str) -> AssistantTurn:
    if choice == QUICK_SOLVED:
        return _confirm_solved(ctx)
    if choice == QUICK_MORE_HELP:
        return _hand_off(ctx, "not_helpful")
    if choice == QUICK_NONE:
        return _hand_off(ctx, "none_of_these")
    if choice.startswith(QUICK_PICK):
        key = choice[len(QUICK_PICK) :]
        if key in (ctx.state.options or []):
            return _answer(ctx, key=key, confidence=1.0)
    return _record(ctx, action=Action.IGNORED, outcome=Outcome.PENDING)


def _understand(ctx: _Context) -> engine.Understanding:
    text = ctx.message.content
    search = engine.search_opinions(text=text, language=ctx.language, account_id=ctx.account_id)
    try:
        model = engine.get_model(ctx.account_id)
    except Exception:  # a broken model file must not silence the assistant
        logger.exception("assistant: cannot load the intent model")
        model = None
    return engine.decide(
        model=model,
        text=text,
        search=search,
        answer_threshold=ctx.config.answer_threshold,
        clarify_threshold=ctx.config.clarify_threshold,
    )


def _entities(text: str) -> dict[str, list[str]]:
    from blockdesk.chain.entities import extract_entities

    found = extract_entities(text)
    return {
        "tx_hashes": [m.value for m in found.tx_hashes],
        "addresses": [m.text for m in found.addresses],
        "amounts": [f"{m.value} {m.symbol}".strip() for m in found.amounts],
        "chains": [m.chain for m in found.chains],
    }


def _guarded_entities(entities: dict[str, list[str]], message: str) -> dict[str, Any]:
    """The entity record passes the secret guard too. The message was guarded on intake,
    so a value found in it is vetted (a hash its words or a chain confirmed); anything
    else that looks like a key is redacted."""
    seen = message.lower()
    clean, _findings = redact_json(entities, lookup=lambda value: value.lower() in seen)
    return dict(clean)


def _chains_enabled(account_id: int) -> bool:
    from blockdesk.chain.models import Chain

    return Chain.objects.filter(account_id=account_id, enabled=True).exists()


# --- actions ---------------------------------------------------------------------------


def _record(
    ctx: _Context,
    *,
    action: str,
    outcome: str,
    article_key: str = "",
    reply: Message | None = None,
    reason: str = "",
    intent: str | None = None,
    confidence: float | None = None,
) -> AssistantTurn:
    u = ctx.understanding
    turn = AssistantTurn(
        account_id=ctx.account_id,
        conversation=ctx.conversation,
        message=ctx.message,
        reply=reply,
        language=ctx.language,
        intent=intent if intent is not None else (u.intent if u else ""),
        confidence=confidence if confidence is not None else (u.confidence if u else 0.0),
        is_oos=bool(u and u.is_oos and intent is None),
        alternatives=[
            {"intent": a.intent, "probability": round(a.probability, 4)}
            for a in (u.alternatives if u else [])
        ],
        search_hits=[
            {"key": s.key, "score": round(s.score, 4), "language": s.language}
            for s in (u.search if u else [])
        ],
        entities=_guarded_entities(ctx.entities, ctx.message.content),
        mood=ctx.mood.label,
        action=action,
        article_key=article_key,
        handoff_reason=reason,
        outcome=outcome,
        latency_ms=int((time.perf_counter() - ctx.started) * 1000),
    )
    turn.full_clean(exclude=["conversation", "message", "reply", "account"])
    turn.save()
    return turn


def _with_greeting(ctx: _Context, text: str, *, peek: bool = False) -> str:
    if ctx.state.greeted:
        return text
    if not peek:
        ctx.state.greeted = True
    custom = ((ctx.config.greeting or {}).get(ctx.language) or "").strip()
    return f"{custom or phrase('greeting', ctx.language)}\n\n{text}"


def _agent_meta(ctx: _Context, turn: AssistantTurn, **extra: Any) -> dict[str, Any]:
    return {
        "turn": turn.pk,
        "action": turn.action,
        "intent": turn.intent,
        "confidence": round(turn.confidence, 4),
        "language": ctx.language,
        "alternatives": turn.alternatives,
        **extra,
    }


def _send(ctx: _Context, text: str, *, public: dict[str, Any], agent: dict[str, Any]) -> Message:
    return conv_services.do_send_assistant_message(
        conversation=ctx.conversation,
        content=text,
        metadata={"public": {"kind": "assistant", **public}, "assistant": agent},
    )


def _confirm_buttons(language: str) -> list[dict[str, str]]:
    return [
        {"id": QUICK_SOLVED, "label": phrase("solved", language)},
        {"id": QUICK_MORE_HELP, "label": phrase("more_help", language)},
    ]


def _await_confirmation(ctx: _Context) -> None:
    minutes = ctx.config.resolution_timeout_minutes or 30
    ctx.state.awaiting = Awaiting.CONFIRMATION
    ctx.state.options = []
    ctx.state.resolve_after = timezone.now() + dt.timedelta(minutes=minutes)
    ctx.state.save()
    _schedule_resolution(ctx.state.pk, ctx.state.resolve_after)


def _answer(ctx: _Context, *, key: str, confidence: float) -> AssistantTurn:
    article = selectors.published_article(account_id=ctx.account_id, key=key, language=ctx.language)
    if article is None:
        return _hand_off(ctx, "low_confidence")
    answer_text = _answer_text(ctx, article)
    if answer_text is None:
        return _hand_off(ctx, "low_confidence")
    text, generated = answer_text
    turn = _record(
        ctx,
        action=Action.ANSWER,
        outcome=Outcome.PENDING,
        article_key=key,
        intent=key,
        confidence=confidence,
    )
    reply = _send(
        ctx,
        _with_greeting(ctx, text),
        public={
            "article": {"key": article.key, "title": article.title, "url": article.url},
            "quick_replies": _confirm_buttons(ctx.language),
        },
        agent=_agent_meta(
            ctx,
            turn,
            article_key=article.key,
            article_title=article.title,
            article_url=article.url,
            article_language=article.language,
            generated=generated,
        ),
    )
    turn.reply = reply
    turn.save(update_fields=["reply"])
    emitting.emit_answered(turn, articles=[article], generated=generated)
    ctx.state.offered = [*(ctx.state.offered or []), key]
    _await_confirmation(ctx)
    return turn


def _extractive_text(ctx: _Context, article: Article) -> str | None:
    """The most detailed quote of the article that passes the outbound guard."""
    for detail in DETAIL_LEVELS:
        text = _with_greeting(
            ctx, extractive_answer(article, language=ctx.language, detail=detail).text, peek=True
        )
        if not scan_outbound(text).blocked:
            return extractive_answer(article, language=ctx.language, detail=detail).text
        logger.info("assistant: outbound guard refused the %s quote of %s", detail, article.key)
    return None


def _answer_text(ctx: _Context, article: Article) -> tuple[str, bool] | None:
    """(text, generated?) — generative phrasing when configured and safe, else
    extractive; None when nothing from the article may be sent."""
    if ctx.config.generative_enabled:
        from blockdesk.assistant.generative import GenerationFailed, generate

        try:
            generated = generate(
                ctx.config,
                question=ctx.message.content,
                articles=[article],
                language=ctx.language,
            )
        except GenerationFailed as exc:
            logger.info("assistant: extractive answer (generative failed: %s)", exc)
        else:
            return _generated_text(ctx, article, generated.text), True
    extractive = _extractive_text(ctx, article)
    return (extractive, False) if extractive is not None else None


def _generated_text(ctx: _Context, article: Article, text: str) -> str:
    body = text.replace("[1]", f"[{article.title}]")
    parts = [
        body,
        phrase("read_more", ctx.language, title=article.title, url=article.url),
        phrase("did_it_help", ctx.language),
    ]
    return "\n\n".join(parts)


def _clarify(ctx: _Context, keys: list[str]) -> AssistantTurn:
    articles = [
        a
        for a in (
            selectors.published_article(account_id=ctx.account_id, key=k, language=ctx.language)
            for k in keys
        )
        if a is not None
    ]
    if len(articles) < 2:
        if articles:
            return _answer(
                ctx,
                key=articles[0].key,
                confidence=ctx.understanding.confidence if ctx.understanding else 0.0,
            )
        return _hand_off(ctx, "low_confidence")
    turn = _record(ctx, action=Action.CLARIFY, outcome=Outcome.PENDING)
    lines = [phrase("clarify", ctx.language)]
    lines += [f"{i}. {a.title}" for i, a in enumerate(articles, 1)]
    buttons = [{"id": f"{QUICK_PICK}{a.key}", "label": a.title} for a in articles]
    buttons.append({"id": QUICK_NONE, "label": phrase("none_of_these", ctx.language)})
    reply = _send(
        ctx,
        _with_greeting(ctx, "\n".join(lines)),
        public={"quick_replies": buttons},
        agent=_agent_meta(ctx, turn, options=[a.key for a in articles]),
    )
    turn.reply = reply
    turn.save(update_fields=["reply"])
    ctx.state.awaiting = Awaiting.CLARIFICATION
    ctx.state.options = [a.key for a in articles]
    ctx.state.resolve_after = None
    ctx.state.save()
    return turn


def _diagnose(ctx: _Context) -> AssistantTurn | None:
    from blockdesk.chain.services import diagnose_for_conversation

    try:
        result = diagnose_for_conversation(
            conversation=ctx.conversation, text=ctx.message.content, language=ctx.language
        )
    except (BlockdeskError, ValueError, LookupError, OSError) as exc:
        logger.info("assistant: no transaction diagnosis (%s)", type(exc).__name__)
        return None
    explanation = result.customer
    body = f"{phrase('diagnosis_intro', ctx.language)}\n\n{explanation.text}"
    needs_agent = bool(result.diagnosis.needs_agent or explanation.needs_agent)
    turn = _record(
        ctx,
        action=Action.DIAGNOSE,
        outcome=Outcome.HANDED_OFF if needs_agent else Outcome.PENDING,
        intent="tx-diagnosis",
        confidence=1.0,
    )
    public: dict[str, Any] = {"diagnosis": True}
    if not needs_agent:
        body = f"{body}\n\n{phrase('did_it_help', ctx.language)}"
        public["quick_replies"] = _confirm_buttons(ctx.language)
    reply = _send(
        ctx,
        _with_greeting(ctx, body),
        public=public,
        agent=_agent_meta(ctx, turn, diagnosis=result.diagnosis.as_dict()),
    )
    turn.reply = reply
    turn.save(update_fields=["reply"])
    emitting.emit_answered(turn)
    if needs_agent:
        return _hand_off(ctx, "diagnosis_needs_agent", turn=turn)
    _await_confirmation(ctx)
    return turn


def _confirm_solved(ctx: _Context) -> AssistantTurn:
    turn = _record(ctx, action=Action.CONFIRMED, outcome=Outcome.RESOLVED)
    reply = _send(ctx, phrase("glad", ctx.language), public={}, agent=_agent_meta(ctx, turn))
    turn.reply = reply
    turn.save(update_fields=["reply"])
    _resolve(ctx.state, how=AssistantConversation.ResolvedBy.CONFIRMED)
    return turn


def _resolve(state: AssistantConversation, *, how: str) -> None:
    state.state = State.RESOLVED
    state.resolved_by = how
    state.awaiting = Awaiting.NOTHING
    state.resolve_after = None
    state.save()
    AssistantTurn.objects.filter(
        conversation_id=state.conversation_id,
        outcome=Outcome.PENDING,
        action__in=[Action.ANSWER, Action.DIAGNOSE],
    ).update(outcome=Outcome.RESOLVED)
    emitting.emit_resolved(state, contact_id=state.conversation.contact_id)
    conv_services.do_change_status(
        actor=None,
        conversation=state.conversation,
        status=Status.RESOLVED,
        event_extra={"by": "assistant", "resolved_by": how},
    )


def _stop(state: AssistantConversation, *, reason: str, turn: AssistantTurn | None = None) -> None:
    state.state = State.HANDED_OFF
    state.handoff_reason = reason
    state.awaiting = Awaiting.NOTHING
    state.resolve_after = None
    state.save()
    AssistantTurn.objects.filter(
        conversation_id=state.conversation_id, outcome=Outcome.PENDING
    ).update(outcome=Outcome.HANDED_OFF)
    emitting.emit_handed_off(state, turn=turn)


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


def _schedule_resolution(state_pk: int, when: dt.datetime | None) -> None:
    """A deferred task resolves on time; the periodic sweep covers backends that
    cannot defer."""
    if when is None:
        return
    from blockdesk.assistant.tasks import resolve_if_silent

    task = resolve_if_silent
    try:
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=when)
    except Exception:
        logger.exception("assistant: cannot schedule the resolution check")
        return

    def send() -> None:
        try:
            task.enqueue(state_pk)
        except Exception:
            logger.exception("assistant: could not enqueue the resolution check")

    transaction.on_commit(send)
