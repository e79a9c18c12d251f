"""The report filters (dates, inbox, channel, team, agent, language, time basis) and who may
ask for what: an agent sees the inboxes they belong to and only their own per-agent figures;
a team lead also those of their teams' agents; an administrator sees the account."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts import selectors as account_selectors
from blockdesk.accounts.models import User
from blockdesk.accounts.zones import UTC, account_zone, zone_named
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.conversations.selectors import visible_inboxes
from blockdesk.reports.models import ReportZone

DEFAULT_DAYS = 30
MAX_DAYS = 400
BASES = ("calendar", "business")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ReportFilter:
    account_id: int
    since: dt.date  # first day, inclusive (the account's local days: `tz`)
    until: dt.date  # last day, inclusive
    inbox_id: int | None = None
    channel: str = ""
    team_id: int | None = None
    agent_id: int | None = None
    language: str = ""
    basis: str = "calendar"
    # None: every inbox of the account (a lead); else the inboxes the reader belongs to.
    inbox_ids: frozenset[int] | None = field(default=None)
    # None: every agent (an administrator, an account token); else the agents whose
    # per-agent figures the reader may see (a team lead: their teams' agents).
    agent_ids: frozenset[int] | None = field(default=None)
    # The zone the report tables are keyed in (report_zone): days start at its midnight.
    tz: zoneinfo.ZoneInfo = field(default=UTC)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def start(self) -> dt.datetime:
        """Local midnight of the first day (an instant: zoneinfo resolves a DST gap)."""
        return dt.datetime.combine(self.since, dt.time(), tzinfo=self.tz)

    def end(self) -> dt.datetime:
        """Exclusive end: local midnight after the last day."""
        return dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time(), tzinfo=self.tz)

    def query(self) -> dict[str, str]:
        """The filter as query parameters (for links to the CSV and to other pages)."""
        out = {"since": self.since.isoformat(), "until": self.until.isoformat()}
        for name in ("inbox_id", "team_id", "agent_id"):
            value = getattr(self, name)
            if value is not None:
                out[name.removesuffix("_id")] = str(value)
        if self.channel:
            out["channel"] = self.channel
        if self.language:
            out["language"] = self.language
        if self.basis != "calendar":
            out["basis"] = self.basis
        return out


def report_zone(account_id: int) -> zoneinfo.ZoneInfo:
    """The zone the account's report rows are keyed in (the consumer records it on its
    first count), else the account's time zone (nothing counted yet)."""
    name = ReportZone.objects.filter(account_id=account_id).values_list("time_zone", flat=True)
    found = name.first()
    return zone_named(found) if found else account_zone(account_id)


def zone_note(f: ReportFilter) -> str:
    """When the account's time zone changed after the tables were keyed: say so."""
    now = account_zone(f.account_id)
    if now.key == f.tz.key:
        return ""
    return _(
        "The reports count days in %(old)s; the account's time zone is now %(new)s. "
        "An administrator can rebuild the reports (manage.py reports rebuild)."
    ) % {"old": f.tz.key, "new": now.key}


def _int(params: Mapping[str, Any], name: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        raise ValidationFailed.field(name, _("Give a number.")) from None


def _date(params: Mapping[str, Any], name: str, default: dt.date) -> dt.date:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed.field(name, _("Give a date as YYYY-MM-DD.")) from None


def parse(
    *,
    account_id: int,
    user: User | None,
    params: Mapping[str, Any],
    today: dt.date | None = None,
) -> ReportFilter:
    """`user` None: an account's API token (not an agent's), which reads the account."""
    tz = report_zone(account_id)
    today = today or timezone.now().astimezone(tz).date()
    until = _date(params, "until", today)
    since = _date(params, "since", until - dt.timedelta(days=DEFAULT_DAYS - 1))
    if since > until or (until - since).days >= MAX_DAYS:
        raise ValidationFailed.field(
            "since", _("Give a range of at most %(days)s days.") % {"days": MAX_DAYS}
        )
    basis = str(params.get("basis") or "calendar")
    if basis not in BASES:
        raise ValidationFailed.field("basis", _("Choose calendar or business hours."))
    inbox_id, agent_id = _int(params, "inbox"), _int(params, "agent")
    inbox_ids: frozenset[int] | None = None
    agent_ids: frozenset[int] | None = None
    if user is not None and not user.is_account_admin:
        inbox_ids = frozenset(visible_inboxes(user=user).values_list("pk", flat=True))
        if inbox_id is not None and inbox_id not in inbox_ids:
            raise Forbidden(_("You are not a member of this inbox."))
        agent_ids = account_selectors.agents_led_by(user=user)
        if agent_id is not None and agent_id not in agent_ids:
            raise Forbidden(_("Only leads see other agents' figures."))
    return ReportFilter(
        account_id=account_id,
        since=since,
        until=until,
        inbox_id=inbox_id,
        channel=str(params.get("channel") or "")[:32],
        team_id=_int(params, "team"),
        agent_id=agent_id,
        language=str(params.get("language") or "")[:8].lower(),
        basis=basis,
        inbox_ids=inbox_ids,
        agent_ids=agent_ids,
        tz=tz,
    )


def rollup_rows(qs: QuerySet[M], f: ReportFilter) -> QuerySet[M]:
    """Rows of a report table within the filter. A table keeps only some dimensions
    (models.py): a filter on one it lacks does not apply to it (the page says so)."""
    names = {fld.name for fld in qs.model._meta.get_fields()}
    qs = qs.filter(account_id=f.account_id, day__gte=f.since, day__lte=f.until)
    q = Q()
    wanted = {
        "inbox_id": f.inbox_id,
        "channel": f.channel or None,
        "team_id": f.team_id,
        "agent_id": f.agent_id,
        "language": f.language or None,
    }
    for name, value in wanted.items():
        if value is not None and name in names:
            q &= Q(**{name: value})
    if f.inbox_ids is not None and "inbox_id" in names:
        q &= Q(inbox_id__in=f.inbox_ids)
    if f.agent_ids is not None and "agent_id" in names:
        q &= Q(agent_id__in=f.agent_ids)
    return qs.filter(q)


def ignored(f: ReportFilter, *, has_agent: bool) -> bool:
    """Whether part of the filter cannot apply to a table: the agent's (no inbox, channel
    or language) or the account's (no agent)."""
    if has_agent:
        return bool(f.inbox_id is not None or f.channel or f.language)
    return f.agent_id is not None


def conversation_q(f: ReportFilter, prefix: str = "conversation__") -> Q:
    """The same filter over live conversations (survey answers, the assistant's turns)."""
    q = Q(**{f"{prefix}account_id": f.account_id})
    if f.inbox_ids is not None:
        q &= Q(**{f"{prefix}inbox_id__in": f.inbox_ids})
    if f.inbox_id is not None:
        q &= Q(**{f"{prefix}inbox_id": f.inbox_id})
    if f.channel:
        q &= Q(**{f"{prefix}inbox__channel_kind": f.channel})
    if f.team_id is not None:
        q &= Q(**{f"{prefix}team_id": f.team_id})
    if f.agent_id is not None:
        q &= Q(**{f"{prefix}assignee_id": f.agent_id})
    if f.language:
        q &= Q(**{f"{prefix}contact__locale__istartswith": f.language})
    return q
