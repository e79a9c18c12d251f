"""The quality line of a case's timeline, as agents read it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import register_timeline_kind

REVIEWED = "quality_reviewed"


def _reviewed(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    # Recorded by this app (no actor on the row): the reviewer's name is in the data.
    return _("%(actor)s reviewed this case with “%(scorecard)s”: %(total)s/100") % {
        "actor": data.get("reviewer") or actor,
        "scorecard": data.get("scorecard", "?"),
        "total": data.get("total", "?"),
    }


def register() -> None:
    register_timeline_kind(REVIEWED, gettext_lazy("Quality review"), describe=_reviewed)
