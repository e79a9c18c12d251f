"""What every step of handling a customer message shares: the message being handled
(`_Context`), the turn record, and sending as the assistant."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from blockdesk.assistant import cues, engine, selection, selectors
from blockdesk.assistant.answer import Article
from blockdesk.assistant.models import AssistantConversation, AssistantSettings, AssistantTurn
from blockdesk.assistant.phrases import phrase
from blockdesk.common import plain_sql
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.safety.fields import redact_json

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
    # The decision from the model, the confusable rule and the ranking with search.
    choice: selection.Choice | None = None
    entities: dict[str, list[str]] = field(default_factory=dict)
    mood: cues.Mood = field(default_factory=lambda: cues.Mood("calm"))
    # The inbox's thresholds for the model that answered (`_understand` sets them): a risk
    # setting reads them off that model's calibration, so a retrained model moves them.
    answer_threshold: float = 1.0
    clarify_threshold: float = 1.0
    # The next public reply opens with an apology (an angry or distressed customer).
    apologise: bool = False
    # The published articles read while handling this message, by (key, language): a
    # hand-off's note names the articles its reply (or an earlier answer) offered.
    articles: dict[tuple[str, str], Article | None] = field(default_factory=dict)

    @property
    def account_id(self) -> int:
        return int(self.conversation.account_id)

    def article(self, key: str, *, language: str | None = None) -> Article | None:
        """The published article `key` in `language` (default: the customer's) or the
        closest one; read once per message handled."""
        language = language or self.language
        if (key, language) not in self.articles:
            self.articles[key, language] = selectors.published_article(
                account_id=self.account_id, key=key, language=language
            )
        return self.articles[key, language]


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


def _stored(turn: AssistantTurn, *, reply: Message | None = None) -> AssistantTurn:
    """A turn made by `_turn`, stored; one with a reply stored once the reply is sent, in
    one INSERT instead of an INSERT and an UPDATE of its reply (issue 17)."""
    turn.reply = reply
    plain_sql.insert_row(turn)
    return turn


def _turn(
    ctx: _Context,
    *,
    action: str,
    outcome: str,
    article_key: str = "",
    reason: str = "",
    intent: str | None = None,
    confidence: float | None = None,
) -> AssistantTurn:
    """The turn for this message, checked but not stored (see `_stored`)."""
    u = ctx.understanding
    turn = AssistantTurn(
        account_id=ctx.account_id,
        conversation=ctx.conversation,
        message=ctx.message,
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
    return turn


def _with_greeting(ctx: _Context, text: str, *, peek: bool = False) -> str:
    if ctx.state.greeted:
        return text
    if not peek:
        ctx.state.greeted = True
    custom = ((ctx.config.greeting or {}).get(ctx.language) or "").strip()
    return f"{custom or phrase('greeting', ctx.language)}\n\n{text}"


def _agent_meta(ctx: _Context, turn: AssistantTurn, **extra: Any) -> dict[str, Any]:
    # No turn id: the turn is stored after its reply (it names the reply, `reply_id`).
    return {
        "action": turn.action,
        "intent": turn.intent,
        "confidence": round(turn.confidence, 4),
        "language": ctx.language,
        "alternatives": turn.alternatives,
        **_choice_meta(ctx.choice),
        **extra,
    }


def _choice_meta(choice: selection.Choice | None) -> dict[str, Any]:
    """How the article was chosen, for the agent's folded details (never the customer's)."""
    if choice is None:
        return {}
    meta: dict[str, Any] = {"ranking": [c.as_dict() for c in choice.ranking[:3]]}
    if choice.direction:
        meta["direction"] = choice.direction
    if choice.reason in ("direction", "ranking"):
        meta["chosen_by"] = choice.reason
    return meta


def _send(ctx: _Context, text: str, *, public: dict[str, Any], agent: dict[str, Any]) -> Message:
    if ctx.apologise:
        ctx.apologise = False  # once per message handled
        text = f"{phrase('apology', ctx.language)}\n\n{text}"
        agent = {**agent, "apologised": True}
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
