"""The assistant's replies that keep the case: an answer from an article (extractive or
generated), a clarifying question, a transaction diagnosis."""

from __future__ import annotations

import logging
from typing import Any

from blockdesk.assistant import confusables, emitting
from blockdesk.assistant.answer import DETAIL_LEVELS, Article, extractive_answer
from blockdesk.assistant.models import AssistantTurn
from blockdesk.assistant.phrases import phrase
from blockdesk.assistant.services._context import (
    QUICK_NONE,
    QUICK_PICK,
    Action,
    Awaiting,
    Outcome,
    _agent_meta,
    _confirm_buttons,
    _Context,
    _send,
    _stored,
    _turn,
    _with_greeting,
)
from blockdesk.assistant.services.handing_off import _hand_off
from blockdesk.assistant.services.lifecycle import _await_confirmation
from blockdesk.common import plain_sql
from blockdesk.common.errors import BlockdeskError
from blockdesk.common.notices import NoticeQuery, notices_for
from blockdesk.conversations.models import Message
from blockdesk.safety import scan_outbound

logger = logging.getLogger(__name__)


def _answer(ctx: _Context, *, key: str, confidence: float) -> AssistantTurn:
    article = ctx.article(key)
    if article is None:
        return _hand_off(ctx, "low_confidence")
    answer_text = _answer_text(ctx, article)
    if answer_text is None:
        return _hand_off(ctx, "low_confidence")
    text, generated = answer_text
    turn = _turn(
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
    _stored(turn, reply=reply)
    emitting.emit_answered(turn, articles=[article], generated=generated)
    ctx.state.offered = [*(ctx.state.offered or []), key]
    _await_confirmation(ctx)
    return turn


def _extractive_text(ctx: _Context, article: Article) -> str | None:
    """The most detailed quote of the article that passes the outbound guard."""
    for detail in DETAIL_LEVELS:
        quote = extractive_answer(article, language=ctx.language, detail=detail).text
        if not scan_outbound(_with_greeting(ctx, quote, peek=True)).blocked:
            return quote
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


def _clarify(ctx: _Context, keys: list[str], *, pair: bool = False) -> AssistantTurn:
    """Ask which topic it is: for a confusable pair (confusables.py) one question naming
    both in plain words, else the close articles by title."""
    articles = [a for a in (ctx.article(k) for k in keys) if a is not None]
    if len(articles) < 2:
        if articles:
            return _answer(
                ctx,
                key=articles[0].key,
                confidence=ctx.understanding.confidence if ctx.understanding else 0.0,
            )
        return _hand_off(ctx, "low_confidence")
    turn = _turn(ctx, action=Action.CLARIFY, outcome=Outcome.PENDING)
    names = [confusables.label(a.key, ctx.language) or a.title for a in articles]
    if pair and len(articles) == 2:
        text = phrase("clarify_pair", ctx.language, first=names[0], second=names[1])
        labels = [_capitalised(n) for n in names]
    else:
        lines = [phrase("clarify", ctx.language)]
        lines += [f"{i}. {a.title}" for i, a in enumerate(articles, 1)]
        text = "\n".join(lines)
        labels = [a.title for a in articles]
    buttons = [
        {"id": f"{QUICK_PICK}{a.key}", "label": label}
        for a, label in zip(articles, labels, strict=True)
    ]
    buttons.append({"id": QUICK_NONE, "label": phrase("none_of_these", ctx.language)})
    reply = _send(
        ctx,
        _with_greeting(ctx, text),
        public={"quick_replies": buttons},
        agent=_agent_meta(ctx, turn, options=[a.key for a in articles], pair=pair),
    )
    _stored(turn, reply=reply)
    ctx.state.awaiting = Awaiting.CLARIFICATION
    ctx.state.options = [a.key for a in articles]
    ctx.state.resolve_after = None
    plain_sql.save_row(ctx.state)
    return turn


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


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
    turn = _turn(
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
    _stored(turn, reply=reply)
    emitting.emit_answered(turn)
    if needs_agent:
        return _hand_off(ctx, "diagnosis_needs_agent", turn=turn)
    _await_confirmation(ctx)
    return turn


def _tell_notices(ctx: _Context) -> AssistantTurn | None:
    """Notices of lower apps (common/notices.py): one that answers the message ("what
    changed?") is the reply; the others (an open incident on the feature asked about) are
    said first and the assistant goes on, so it never pretends all is well."""
    u = ctx.understanding
    found = notices_for(
        NoticeQuery(
            account_id=ctx.account_id,
            language=ctx.language,
            text=ctx.message.content,
            intent=u.intent if u else "",
        )
    )
    if not found:
        return None
    for notice in found:
        if notice.answers:
            turn = _turn(
                ctx,
                action=Action.ANSWER,
                outcome=Outcome.PENDING,
                intent=f"notice:{notice.kind}",
                confidence=1.0,
            )
            reply = _send(
                ctx,
                _with_greeting(ctx, notice.text),
                public={"notice": notice.kind, "quick_replies": _confirm_buttons(ctx.language)},
                agent=_agent_meta(ctx, turn, notice=notice.kind),
            )
            _stored(turn, reply=reply)
            _await_confirmation(ctx)
            return turn
    told = set(
        Message.objects.filter(
            conversation=ctx.conversation, sender_type=Message.SenderType.ASSISTANT
        ).values_list("metadata__public__notice", flat=True)
    )
    for notice in found:
        if notice.kind in told:
            continue  # said once per conversation, not under every message
        _send(
            ctx,
            _with_greeting(ctx, notice.text),
            public={"notice": notice.kind},
            agent={"notice": notice.kind},
        )
    return None
