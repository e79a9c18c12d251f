"""The timeline kinds conversations writes, registered from ConversationsConfig.ready()
(see timeline.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from blockdesk.conversations.models import Conversation, ConversationEvent
from blockdesk.conversations.timeline import register_timeline_kind

Kind = ConversationEvent.Kind


def _full_time(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _assigned(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    if event.actor_id and data.get("assignee_id") == event.actor_id:
        return _("%(actor)s took this conversation") % {"actor": actor}
    return _("%(actor)s assigned this to %(assignee)s") % {
        "actor": actor,
        "assignee": data.get("assignee_name") or "?",
    }


def _unassigned(event: ConversationEvent, actor: str) -> str:
    return _("%(actor)s removed the assignee") % {"actor": actor}


def _team_changed(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    if data.get("team_name"):
        return _("%(actor)s moved this to team %(team)s") % {
            "actor": actor,
            "team": data["team_name"],
        }
    return _("%(actor)s removed the team") % {"actor": actor}


def _status_changed(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    to = str(data.get("to") or "")
    values = Conversation.Status.values
    label = str(Conversation.Status(to).label) if to in values else to
    if to == Conversation.Status.SNOOZED and data.get("until"):
        until = dt.datetime.fromisoformat(str(data["until"]))
        return _("%(actor)s snoozed this until %(until)s") % {
            "actor": actor,
            "until": _full_time(until),
        }
    if event.actor is None and not data.get("via"):
        return _("Status changed to %(status)s") % {"status": label}
    return _("%(actor)s changed the status to %(status)s") % {"actor": actor, "status": label}


def _priority_changed(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    try:
        label = str(Conversation.Priority(int(data.get("to", 2))).label)
    except (TypeError, ValueError):
        label = "?"
    return _("%(actor)s set the priority to %(priority)s") % {"actor": actor, "priority": label}


def _tags_changed(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    before, after = set(data.get("from") or []), set(data.get("to") or [])
    changes = [f"+{t}" for t in sorted(after - before)]
    changes += [f"−{t}" for t in sorted(before - after)]
    return _("%(actor)s changed the tags: %(changes)s") % {
        "actor": actor,
        "changes": " ".join(changes),
    }


def _followup_email(event: ConversationEvent, actor: str) -> str:
    return _("The customer left an email address for a follow-up")


def _reply_emailed(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    count = int(data.get("count") or 1)
    return ngettext(
        "%(count)d reply emailed to %(to)s", "%(count)d replies emailed to %(to)s", count
    ) % {"count": count, "to": data.get("to", "")}


def _reply_email_failed(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    return _("Replies could not be emailed to %(to)s (%(error)s)") % {
        "to": data.get("to", ""),
        "error": data.get("error", ""),
    }


def _contact_merged(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    return _("%(actor)s merged customer %(source)s into %(target)s") % {
        "actor": actor,
        "source": data.get("source_name") or f"#{data.get('source_contact_id', '?')}",
        "target": data.get("target_name") or f"#{data.get('target_contact_id', '?')}",
    }


def _contact_split(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    return _(
        "%(actor)s moved this conversation to a new customer profile with its %(identity)s"
    ) % {"actor": actor, "identity": data.get("identity_label") or data.get("identity_kind", "")}


def register() -> None:
    register_timeline_kind(Kind.OPENED, Kind.OPENED.label, shown=False)
    register_timeline_kind(Kind.ASSIGNED, Kind.ASSIGNED.label, describe=_assigned)
    register_timeline_kind(Kind.UNASSIGNED, Kind.UNASSIGNED.label, describe=_unassigned)
    register_timeline_kind(Kind.TEAM_CHANGED, Kind.TEAM_CHANGED.label, describe=_team_changed)
    register_timeline_kind(Kind.STATUS_CHANGED, Kind.STATUS_CHANGED.label, describe=_status_changed)
    register_timeline_kind(
        Kind.PRIORITY_CHANGED, Kind.PRIORITY_CHANGED.label, describe=_priority_changed
    )
    register_timeline_kind(Kind.TAGS_CHANGED, Kind.TAGS_CHANGED.label, describe=_tags_changed)
    register_timeline_kind(Kind.FOLLOWUP_EMAIL, Kind.FOLLOWUP_EMAIL.label, describe=_followup_email)
    register_timeline_kind(Kind.SECRET_REDACTED, Kind.SECRET_REDACTED.label)
    # Written by notifications (reply emails). They move to NotificationsConfig.ready() with
    # the next change there: that app is being changed on another branch.
    register_timeline_kind(Kind.REPLY_EMAILED, Kind.REPLY_EMAILED.label, describe=_reply_emailed)
    register_timeline_kind(
        Kind.REPLY_EMAIL_FAILED, Kind.REPLY_EMAIL_FAILED.label, describe=_reply_email_failed
    )
    register_timeline_kind(Kind.CONTACT_MERGED, Kind.CONTACT_MERGED.label, describe=_contact_merged)
    register_timeline_kind(Kind.CONTACT_SPLIT, Kind.CONTACT_SPLIT.label, describe=_contact_split)
