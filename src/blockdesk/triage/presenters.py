"""Triage badges as JSON, for the live list (workspace list.json): one query for the
rows' scores and one for the account's thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from blockdesk.conversations.models import Conversation
from blockdesk.triage import selectors
from blockdesk.triage.reasons import reason_text
from blockdesk.triage.templatetags.triage_tags import level


def badge_dicts(conversations: Sequence[Conversation]) -> dict[int, dict[str, Any]]:
    if not conversations:
        return {}
    scores = selectors.scores_for(conversation_ids=[c.pk for c in conversations])
    if not scores:
        return {}
    config = selectors.settings_for(account_id=int(conversations[0].account_id))
    out: dict[int, dict[str, Any]] = {}
    for conversation_id, row in scores.items():
        texts = [reason_text(r) for r in row.reasons or []]
        title = _("Priority score %(score)d") % {"score": row.score}
        out[conversation_id] = {
            "score": row.score,
            "level": level(row.score, config),
            "label": _("Score %(score)s") % {"score": row.score},
            "title": title + (": " + "; ".join(texts) if texts else ""),
        }
    return out
