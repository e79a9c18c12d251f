"""The timeline lines of SLA warnings and breaches (conversations/timeline.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import register_timeline_kind
from blockdesk.sla.models import Target
from blockdesk.sla.timers import KIND_BREACHED, KIND_WARNING


def _target(data: dict[str, object]) -> str:
    value = str(data.get("target") or "")
    return str(Target(value).label) if value in Target.values else value


def _due(data: dict[str, object]) -> str:
    raw = data.get("due_at")
    if not raw:
        return "?"
    when = dt.datetime.fromisoformat(str(raw))
    return formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")


def _notified(data: dict[str, object]) -> str:
    names = data.get("notified") or []
    if not isinstance(names, list) or not names:
        return ""
    return " " + _("Notified: %(names)s.") % {"names": ", ".join(str(n) for n in names)}


def _warning(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    line = _("SLA warning: %(target)s due %(due)s (policy “%(policy)s”).") % {
        "target": _target(data),
        "due": _due(data),
        "policy": data.get("policy") or "?",
    }
    return line + _notified(data)


ACTION_LABELS = {
    "raise_priority": gettext_lazy("priority raised"),
    "escalate": gettext_lazy("escalated to another team"),
    "reassign": gettext_lazy("reassigned"),
    "reassign_refused": gettext_lazy("reassignment refused"),
}


def _breached(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    line = _("SLA breached: %(target)s was due %(due)s (policy “%(policy)s”).") % {
        "target": _target(data),
        "due": _due(data),
        "policy": data.get("policy") or "?",
    }
    actions = data.get("actions") or []
    if isinstance(actions, list) and actions:
        done = ", ".join(str(ACTION_LABELS.get(str(a), a)) for a in actions)
        line += " " + _("Actions: %(actions)s.") % {"actions": done}
    return line + _notified(data)


def register() -> None:
    register_timeline_kind(KIND_WARNING, gettext_lazy("SLA warning"), describe=_warning)
    register_timeline_kind(KIND_BREACHED, gettext_lazy("SLA breached"), describe=_breached)
