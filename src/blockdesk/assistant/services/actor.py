"""The assistant as an actor in conversations.

`do_handle_customer_message` runs in a background task for each customer message in a
case the assistant handles: it answers from an approved article (asking "did this solve
it?"), asks a clarifying question when two articles are close, explains a transaction,
or hands the case to a person with an internal note. It writes through the
conversations services, as itself (sender_type assistant), with an agent's outbound
checks."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.assistant import cues, disambiguation, engine, selection, selectors, tone
from blockdesk.assistant.models import AssistantSettings, AssistantTurn
from blockdesk.assistant.nlu.language import detect_language
from blockdesk.assistant.services._context import (
    QUICK_MORE_HELP,
    QUICK_NONE,
    QUICK_PICK,
    QUICK_SOLVED,
    Action,
    Awaiting,
    Outcome,
    State,
    Status,
    _Context,
    _entities,
    _stored,
    _turn,
)
from blockdesk.assistant.services.community import COMMUNITY_REASONS, _cite_community
from blockdesk.assistant.services.handing_off import _fail_safe, _hand_off
from blockdesk.assistant.services.lifecycle import (
    _confirm_solved,
    _locked_state_created,
    _stop,
)
from blockdesk.assistant.services.replies import _answer, _clarify, _diagnose, _tell_notices
from blockdesk.common import plain_sql
from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Message
from blockdesk.staffing import surge as staffing_surge

logger = logging.getLogger(__name__)


def do_handle_customer_message(*, message_id: int) -> AssistantTurn | None:
    """Handle one stored customer message; idempotent (a retried task does nothing)."""
    # Every customer message in the assistant's cases comes here: its reads and writes are
    # plain_sql's, whose statements are built once (the ORM's compiler cost more CPU than
    # the statements, issue 17). A retried task finds its turn under the lock below.
    message = plain_sql.fetch_one(
        Message,
        where={"pk": message_id, "sender_type": Message.SenderType.CONTACT},
        related=("conversation__inbox", "conversation__contact"),
    )
    if message is None:
        return None
    conversation = message.conversation
    config = selectors.settings_for_inbox(conversation.inbox_id)
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
        # Never answered in (its first reply sets first_bot_response_at): its state is
        # most likely not there yet, so it is created without looking for it first.
        likely_new = conversation.first_bot_response_at is None
        state, created = _locked_state_created(conversation, likely_new=likely_new)
        # Handled already (a retried task)? Not if the case's state is new: no turn then.
        if state.state != State.ACTIVE or (
            not created and plain_sql.exists(AssistantTurn, where={"message": message.pk})
        ):
            return None
        if conversation.assignee_id is not None:
            # An agent already owns the case: the assistant steps back silently.
            _stop(state, reason="agent_took_over")
            return None
        state.language = language
        ctx = _Context(message, conversation, config, state, language, started)
        return _handle(ctx)


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


def _handle(ctx: _Context) -> AssistantTurn:
    text = ctx.message.content
    quick = (ctx.message.metadata or {}).get("quick_reply") or {}
    choice = str(quick.get("choice") or "")
    if choice:
        return _handle_quick_reply(ctx, choice)

    ctx.mood = cues.mood(text)
    # Tone (assistant/tone.py, fed by triage from the mood app): an angry or distressed
    # customer gets an apology first, and an angry one a person at once.
    hint = tone.hint_for(ctx.conversation, ctx.message)
    ctx.apologise = hint.apologise or ctx.mood.needs_person
    ctx.entities = _entities(text)
    ctx.understanding = _understand(ctx)
    ctx.choice = selection.choose(ctx.understanding, text, answer_threshold=ctx.answer_threshold)
    if ctx.conversation.secret_exposed:
        return _hand_off(ctx, "secret_exposed")
    sensitive = cues.sensitive_reason(text)
    if sensitive:
        return _hand_off(ctx, sensitive)
    # Surge mode (staffing/surge.py): the prepared incident answer and the wait for a
    # person, then a person; sensitive cases above keep their own path.
    incident = staffing_surge.incident_reply(account_id=ctx.account_id, language=ctx.language)
    if incident:
        return _hand_off(ctx, "surge", preface=incident)
    if cues.asks_for_person(text, ctx.config.handoff_keywords or {}):
        return _hand_off(ctx, "asked_for_person")
    # Open incidents on the feature asked about, "what changed?" (common/notices.py).
    told = _tell_notices(ctx)
    if told is not None:
        return told
    if ctx.mood.needs_person or hint.hand_off:
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
    if ctx.state.awaiting == Awaiting.CLARIFICATION and ctx.state.options:
        picked = _answer_to_question(ctx)
        if picked is not None:
            return _answer(ctx, key=picked[0], confidence=picked[1])

    if ctx.entities.get("tx_hashes") and _chains_enabled(ctx.account_id):
        turn = _diagnose(ctx)
        if turn is not None:
            return turn

    u, c = ctx.understanding, ctx.choice
    if u.intent in cues.SENSITIVE_INTENTS and u.confidence >= ctx.config.clarify_threshold:
        return _hand_off(ctx, "sensitive_topic", meanwhile=u.intent)
    if c.key in cues.HUMAN_INTENTS and c.action == "answer":
        return _hand_off(ctx, "asked_for_person")
    if c.action == "answer":
        if c.key in (ctx.state.offered or []):
            # Asking again about what was already answered: the answer did not help.
            return _hand_off(ctx, "not_helpful")
        return _answer(ctx, key=c.key, confidence=c.confidence)
    if c.action == "clarify":
        if ctx.state.awaiting == Awaiting.CLARIFICATION:
            # One clarifying question: still unclear after it, a person takes over.
            return _hand_off(ctx, "low_confidence")
        return _clarify(ctx, list(c.options), pair=c.pair)
    reason = c.reason or "low_confidence"
    if reason in COMMUNITY_REASONS:
        # No article answers: an accepted community answer may (cited as one).
        cited = _cite_community(ctx)
        if cited is not None:
            return cited
    return _hand_off(ctx, reason)


def _answer_to_question(ctx: _Context) -> tuple[str, float] | None:
    """The option the customer's reply to the clarifying question picks, read alone and
    then together with the message the question was about; None: a new question."""
    options = [str(k) for k in ctx.state.options]
    text = ctx.message.content
    assert ctx.understanding is not None
    picked = disambiguation.resolve_reply(text, options, ctx.understanding)
    if picked is not None:
        return picked
    asked = (
        AssistantTurn.objects.filter(conversation=ctx.conversation, action=Action.CLARIFY)
        .select_related("message")
        .order_by("-id")
        .first()
    )
    if asked is None:
        return None
    together = f"{asked.message.content}\n{text}"
    return disambiguation.resolve_reply(together, options, _understand(ctx, text=together))


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
    return _stored(_turn(ctx, action=Action.IGNORED, outcome=Outcome.PENDING))


def _understand(ctx: _Context, *, text: str | None = None) -> engine.Understanding:
    text = ctx.message.content if text is None else text
    try:
        model = engine.get_model(ctx.account_id)
    except Exception:  # a broken model file must not silence the assistant
        logger.exception("assistant: cannot load the intent model")
        model = None
    engine.embed_together(model=model, text=text, account_id=ctx.account_id)
    search = engine.search_opinions(text=text, language=ctx.language, account_id=ctx.account_id)
    ctx.answer_threshold, ctx.clarify_threshold = ctx.config.risk_thresholds(model)
    return engine.decide(
        model=model,
        text=text,
        search=search,
        answer_threshold=ctx.answer_threshold,
        clarify_threshold=ctx.clarify_threshold,
    )


def _chains_enabled(account_id: int) -> bool:
    from blockdesk.chain.models import Chain

    return Chain.objects.filter(account_id=account_id, enabled=True).exists()
