"""Citing an accepted community answer when no article answers (issue 15).

The knowledge base comes first: this runs only where the assistant would otherwise hand
the case over for low confidence or an out-of-scope message. The forum's accepted answer
for the best-matching public question (forum/knowledge.py, `citable_answer`) is quoted
as a customer's answer, never as the business's: it is introduced as such, links to the
thread, and carries no links of its own. The secret guard runs on the quote again, a
thread that mentions a confirmed scam is not cited, and the outbound guard must pass (the
quote steps down to the link alone, as article quotes do)."""

from __future__ import annotations

import logging
import re

from django.utils.translation import gettext as _

from blockdesk.assistant import emitting
from blockdesk.assistant.answer import MAX_SUMMARY_CHARS, plain
from blockdesk.assistant.models import AssistantTurn
from blockdesk.assistant.phrases import phrase
from blockdesk.assistant.services._context import (
    Action,
    Outcome,
    _agent_meta,
    _confirm_buttons,
    _Context,
    _send,
    _stored,
    _turn,
    _with_greeting,
)
from blockdesk.assistant.services.lifecycle import _await_confirmation
from blockdesk.forum.knowledge import CommunityAnswer, citable_answer, question_title
from blockdesk.safety import scan_outbound
from blockdesk.safety.fields import redact_free_text
from blockdesk.trust.selectors import scams_in_text

logger = logging.getLogger(__name__)

# Where a community answer may stand in for a hand-off: nothing in the KB answered.
COMMUNITY_REASONS = frozenset({"low_confidence", "out_of_scope"})
# A customer's links are not repeated by the assistant: the thread is one click away.
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|xyz|app)\S*")


def _quote(ctx: _Context, found: CommunityAnswer) -> str:
    text = _URL.sub("…", plain(found.body))
    text, _findings = redact_free_text(text, account_id=ctx.account_id)
    if len(text) > MAX_SUMMARY_CHARS:
        text = text[: MAX_SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text


def community_text(ctx: _Context, found: CommunityAnswer) -> str | None:
    """The reply citing `found`, or None when nothing of it may be sent."""
    if scams_in_text(account_id=ctx.account_id, text=found.body):
        logger.info("assistant: community answer %s mentions a scam", found.answer_id)
        return None
    link = phrase("community_link", ctx.language, title=found.title, url=found.url)
    for quoted in (True, False):
        parts = [phrase("community_intro", ctx.language)]
        if quoted:
            parts.append("> " + _quote(ctx, found))
        parts += [link, phrase("did_it_help", ctx.language)]
        text = "\n\n".join(parts)
        if not scan_outbound(_with_greeting(ctx, text, peek=True)).blocked:
            return text
        logger.info("assistant: outbound guard refused community answer %s", found.answer_id)
    return None


def _cite_community(ctx: _Context) -> AssistantTurn | None:
    """Answers with an accepted community answer; None: no good one (a person takes it)."""
    found = citable_answer(
        account_id=ctx.account_id, text=ctx.message.content, language=ctx.language
    )
    if found is None or found.key in (ctx.state.offered or []):
        return None
    text = community_text(ctx, found)
    if text is None:
        return None
    turn = _turn(
        ctx,
        action=Action.ANSWER,
        outcome=Outcome.PENDING,
        article_key=found.key,
        intent=found.key,
        confidence=found.score,
    )
    cited = {"question_id": found.question_id, "title": found.title, "url": found.url}
    reply = _send(
        ctx,
        _with_greeting(ctx, text),
        public={"community": cited, "quick_replies": _confirm_buttons(ctx.language)},
        agent=_agent_meta(
            ctx, turn, community={**cited, "answer_id": found.answer_id, "score": found.score}
        ),
    )
    _stored(turn, reply=reply)
    emitting.emit_answered(turn, community_question_ids=[found.question_id])
    ctx.state.offered = [*(ctx.state.offered or []), found.key]
    _await_confirmation(ctx)
    return turn


def community_title(account_id: int, key: str) -> str | None:
    """For the agent's note: the thread a "community:<id>" key offered."""
    prefix, _sep, ident = key.partition(":")
    if prefix != "community" or not ident.isdigit():
        return None
    title = question_title(account_id=account_id, question_id=int(ident))
    return _("%(title)s (community answer)") % {"title": title} if title else None
