"""The timeline line of a triage rule firing (conversations/timeline.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import register_timeline_kind
from blockdesk.triage.services import RULE_KIND


def _fired(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    applied = data.get("applied") or {}
    done: list[str] = []
    if applied.get("priority"):
        done.append(_("priority %(p)s") % {"p": applied["priority"]})
    if applied.get("team_name"):
        done.append(_("team %(t)s") % {"t": applied["team_name"]})
    if applied.get("tags"):
        done.append(_("tags %(t)s") % {"t": ", ".join(str(t) for t in applied["tags"])})
    name = str(data.get("rule_name") or "?")
    if not done:
        return _("Triage rule “%(rule)s” matched (nothing to change)") % {"rule": name}
    return _("Triage rule “%(rule)s” set %(what)s") % {"rule": name, "what": "; ".join(done)}


def register() -> None:
    register_timeline_kind(RULE_KIND, gettext_lazy("Triage rule fired"), describe=_fired)
