"""Triage in the console (docs/triage.md):

- `{% triage_badge row %}` in a row of the conversation list: the score, its reasons in
  the title (hover). The scores of the whole page load in one query the first time it
  is asked (the `rows` of the context), kept on the request: a page of 25 rows costs two
  queries (scores, the account's thresholds), not 25.
- `{% triage_panel conversation %}` in the conversation view: the score, urgency,
  complexity and each reason with its points.

The templates only pass conversations the agent may see: nothing here widens access."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from blockdesk.triage import selectors
from blockdesk.triage.models import TriageScore, TriageSettings
from blockdesk.triage.reasons import reason_text
from blockdesk.triage.rules import Actions, Conditions

register = template.Library()


def _holder(context: template.Context) -> Any:
    request = context.get("request")
    return request if request is not None else context


def _settings(context: template.Context, account_id: int) -> TriageSettings:
    holder = _holder(context)
    cache: dict[int, TriageSettings] = getattr(holder, "_triage_settings", None) or {}
    if not cache:
        holder._triage_settings = cache
    if account_id not in cache:
        cache[account_id] = selectors.settings_for(account_id=account_id)
    return cache[account_id]


def level(score: int, config: TriageSettings) -> str:
    if score >= config.urgent_at:
        return "urgent"
    if score >= config.high_at:
        return "high"
    return "normal"


def _view(row: TriageScore | None, config: TriageSettings) -> dict[str, Any]:
    if row is None:
        return {"triage": None}
    texts = [reason_text(r) for r in row.reasons or []]
    title = _("Priority score %(score)d") % {"score": row.score}
    if texts:
        title += ": " + "; ".join(texts)
    return {
        "triage": row,
        "level": level(row.score, config),
        "title": title,
        "reasons": [
            (text, int(r.get("points") or 0))
            for text, r in zip(texts, row.reasons or [], strict=False)
        ],
    }


@register.inclusion_tag("triage/_badge.html", takes_context=True)
def triage_badge(context: template.Context, conversation: Any) -> dict[str, Any]:
    key = getattr(conversation, "pk", None)
    if key is None:
        return {"triage": None}
    holder = _holder(context)
    cache: dict[int, TriageScore | None] = getattr(holder, "_triage_scores", None) or {}
    if not cache:
        holder._triage_scores = cache
    if key not in cache:
        page = {key}
        for entry in context.get("rows") or []:
            row = entry[0] if isinstance(entry, tuple | list) else entry
            if getattr(row, "pk", None) is not None:
                page.add(row.pk)
        wanted = page - set(cache)
        found = selectors.scores_for(conversation_ids=wanted)
        for k in wanted:
            cache[k] = found.get(k)
    return _view(cache[key], _settings(context, int(conversation.account_id)))


@register.inclusion_tag("triage/_panel.html", takes_context=True)
def triage_panel(context: template.Context, conversation: Any) -> dict[str, Any]:
    row = selectors.score_for(conversation_id=conversation.pk)
    return _view(row, _settings(context, int(conversation.account_id)))


@register.simple_tag
def rule_conditions(rule: Any) -> str:
    try:
        c = Conditions.model_validate(rule.conditions)
    except ValueError:
        return _("(not valid)")
    parts: list[str] = []
    for name, label in (
        ("intent", _("topic")),
        ("chain", _("chain")),
        ("mood", _("mood")),
        ("tier", _("tier")),
        ("channel", _("channel")),
        ("keyword", _("words")),
    ):
        values = getattr(c, name)
        if values:
            parts.append(f"{label}: {', '.join(str(v) for v in values)}")
    if c.amount_gte is not None:
        parts.append(_("funds ≥ %(n)s") % {"n": c.amount_gte})
    if c.inbox:
        parts.append(_("inbox: %(ids)s") % {"ids": ", ".join(f"#{i}" for i in c.inbox)})
    if c.security:
        parts.append(_("security signal"))
    return "; ".join(parts)


@register.simple_tag
def rule_actions(rule: Any) -> str:
    try:
        a = Actions.model_validate(rule.actions)
    except ValueError:
        return _("(not valid)")
    parts: list[str] = []
    if a.priority:
        parts.append(_("priority %(p)s") % {"p": a.priority})
    if a.team_id:
        parts.append(_("team #%(id)d") % {"id": a.team_id})
    if a.tags:
        parts.append(_("tags %(t)s") % {"t": ", ".join(a.tags)})
    return "; ".join(parts)
