"""Reads of the SLA app: the deadline each conversation of a list shows, the list sorted
by it, the settings, and the reports. Everything an agent reaches is scoped by who asks
(the conversations the list already scoped, the agent's account)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.conversations.models import Conversation
from blockdesk.sla.models import BusinessHours, SlaClock, SlaPolicy, Target

State = SlaClock.State


@dataclass(frozen=True)
class Deadline:
    """The most pressing active SLA target of a conversation."""

    target: str
    state: str  # running | paused
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    breached: bool

    def seconds_left(self, now: dt.datetime) -> float | None:
        if self.state != State.RUNNING or self.due_at is None:
            return None
        return (self.due_at - now).total_seconds()

    @property
    def target_label(self) -> str:
        return str(Target(self.target).label)


def deadlines(*, conversation_ids: list[int]) -> dict[int, Deadline]:
    """One query for a page of conversations: a running clock with the nearest deadline
    wins; a conversation whose clocks are all paused shows as paused."""
    found: dict[int, Deadline] = {}
    rows = (
        SlaClock.objects.filter(
            conversation_id__in=conversation_ids, state__in=[State.RUNNING, State.PAUSED]
        )
        .order_by(F("due_at").asc(nulls_last=True), "id")
        .values_list("conversation_id", "target", "state", "due_at", "warn_at", "breached_at")
    )
    for conv_id, target, state, due_at, warn_at, breached_at in rows:
        current = found.get(conv_id)
        if current is not None and (current.state == State.RUNNING or state == State.PAUSED):
            continue
        found[conv_id] = Deadline(target, state, due_at, warn_at, breached_at is not None)
    return found


def format_duration(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return _("%(m)sm") % {"m": max(minutes, 0)}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)sh %(m)sm") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)sd %(h)sh") % {"d": days, "h": hours}


def badge(deadline: Deadline | None, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the list shows: time left (or overdue), warning or paused."""
    if deadline is None:
        return {"show": False}
    now = now or timezone.now()
    left = deadline.seconds_left(now)
    if deadline.state == State.PAUSED:
        return {
            "show": True,
            "css": "sla-paused",
            "text": _("SLA paused"),
            "title": deadline.target_label,
        }
    if left is None:
        return {"show": False}
    if left < 0 or deadline.breached:
        css, text = "sla-breached", _("%(time)s overdue") % {"time": format_duration(left)}
    else:
        warned = deadline.warn_at is None or deadline.warn_at <= now
        css = "sla-warning" if warned else "sla-ok"
        text = _("%(time)s left") % {"time": format_duration(left)}
    assert deadline.due_at is not None
    title = _("%(target)s due %(when)s") % {
        "target": deadline.target_label,
        "when": timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    return {"show": True, "css": css, "text": text, "title": title, "seconds": int(left)}


def attach_deadlines(conversations: list[Conversation]) -> None:
    """Set `sla_deadline` on each conversation of a page, in one query."""
    found = deadlines(conversation_ids=[c.pk for c in conversations])
    for conversation in conversations:
        conversation.sla_deadline = found.get(conversation.pk)  # type: ignore[attr-defined]


def row_badge(conversation: Conversation) -> dict[str, Any]:
    """For the live list's JSON rows (after `attach_deadlines`)."""
    data = badge(getattr(conversation, "sla_deadline", None))
    return {k: v for k, v in data.items() if k in ("show", "css", "text", "title")}


def order_by_deadline(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """The nearest running deadline first (overdue ones at the top); then conversations
    whose clocks are paused or who have none, newest activity first."""
    due = (
        SlaClock.objects.filter(conversation_id=OuterRef("pk"), state=State.RUNNING)
        .values("conversation_id")
        .annotate(first=Min("due_at"))
        .values("first")[:1]
    )
    return qs.annotate(sla_due=Subquery(due)).order_by(
        F("sla_due").asc(nulls_last=True), "-last_activity_at", "-id"
    )


def paginate_by_deadline(
    qs: QuerySet[Conversation], *, cursor: str | None, limit: int
) -> tuple[list[Conversation], str | None]:
    """Offset pages (`o:<n>`): deadlines move as clocks pause and resume, so a keyset
    cursor on them would not be stable anyway."""
    limit = max(1, min(limit, 100))
    offset = 0
    if cursor and cursor.startswith("o:") and cursor[2:].isdigit():
        offset = min(int(cursor[2:]), 100_000)
    items = list(qs[offset : offset + limit + 1])
    next_cursor = f"o:{offset + limit}" if len(items) > limit else None
    return items[:limit], next_cursor


# --- settings -----------------------------------------------------------------------


def account_hours(*, user: User) -> list[BusinessHours]:
    return list(
        BusinessHours.objects.filter(account_id=user.account_pk)
        .select_related("team")
        .prefetch_related("intervals", "holidays")
        .order_by(F("team__name").asc(nulls_first=True))
    )


def get_hours(*, user: User, hours_id: int) -> BusinessHours:
    found = BusinessHours.objects.filter(account_id=user.account_pk, pk=hours_id).first()
    if found is None:
        raise NotFound()
    return found


def policies(*, user: User) -> list[SlaPolicy]:
    return list(
        SlaPolicy.objects.filter(account_id=user.account_pk).select_related(
            "inbox", "tag", "breach_reassign_to", "breach_escalate_team"
        )
    )


def get_policy(*, user: User, policy_id: int) -> SlaPolicy:
    found = SlaPolicy.objects.filter(account_id=user.account_pk, pk=policy_id).first()
    if found is None:
        raise NotFound()
    return found


def conversation_clocks(*, account_id: int, conversation_id: int) -> list[SlaClock]:
    """A conversation's clocks, oldest first; NotFound for another account's case."""
    if not Conversation.objects.filter(account_id=account_id, pk=conversation_id).exists():
        raise NotFound()
    qs = SlaClock.objects.filter(account_id=account_id, conversation_id=conversation_id)
    return list(qs.select_related("policy").order_by("id"))
