"""Which figures exist and who may read them. Every figure reads through a `ReportFilter`
made by filters.parse, which already limits an agent to their inboxes and a team lead to
their teams' agents; per-agent performance is for leads (team leads and administrators),
the account's SLA figure for administrators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from blockdesk.accounts import selectors as account_selectors
from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, NotFound
from blockdesk.reports import figures, people
from blockdesk.reports.figures import Figure
from blockdesk.reports.filters import ReportFilter

Daily = dict[Any, dict[str, float]]
# Figures drawn from the per-day sums share one query (`daily`).
_FROM_DAILY: dict[str, Callable[[ReportFilter, Daily], Figure]] = {
    "volume": figures.volume,
    "times": figures.times,
    "resolution": figures.resolution,
}
_OTHERS: dict[str, Callable[[ReportFilter], Figure]] = {
    "channels": figures.channels,
    "inboxes": figures.inboxes,
    "heatmap": figures.heatmap,
    "satisfaction": people.satisfaction,
    "assistant": figures.assistant,
    "rising": figures.rising,
    "gaps": people.gaps,
    "sla": people.sla,
    "agents": people.agents,
}
OVERVIEW = (
    "volume",
    "channels",
    "inboxes",
    "heatmap",
    "times",
    "resolution",
    "satisfaction",
    "sla",
    "assistant",
    "rising",
    "gaps",
)
ADMIN_ONLY = frozenset({"sla"})
LEAD_ONLY = frozenset({"agents"})
FIGURE_KEYS = (*OVERVIEW, "agents")


def is_admin(user: User | None) -> bool:
    """None: an account's API token, not an agent's: it reads the account."""
    return user is None or user.is_account_admin


def is_lead(user: User | None) -> bool:
    """An administrator, or the lead of a team (who sees that team's agents)."""
    return is_admin(user) or (user is not None and account_selectors.is_team_lead(user=user))


def may_read(user: User | None, key: str) -> bool:
    if key in ADMIN_ONLY:
        return is_admin(user)
    if key in LEAD_ONLY:
        return is_lead(user)
    return True


def visible_keys(user: User | None, keys: tuple[str, ...] = OVERVIEW) -> list[str]:
    return [k for k in keys if may_read(user, k)]


def figure(*, user: User | None, f: ReportFilter, key: str, daily: Daily | None = None) -> Figure:
    if key not in FIGURE_KEYS:
        raise NotFound(_("No such report."))
    if not may_read(user, key):
        raise Forbidden(_("Only leads see this report."))
    if key in _FROM_DAILY:
        return _FROM_DAILY[key](f, daily if daily is not None else figures.daily_sums(f))
    return _OTHERS[key](f)


def overview(*, user: User | None, f: ReportFilter) -> list[Figure]:
    daily = figures.daily_sums(f)
    return [figure(user=user, f=f, key=k, daily=daily) for k in visible_keys(user)]
