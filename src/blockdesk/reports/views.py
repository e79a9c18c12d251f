"""Console pages of the reports section: the overview (every agent, over their inboxes), the
per-agent table (leads), and each figure's CSV. The pages are tables first; static/reports/
reports.js draws the charts from the figures' JSON data blocks (no inline script: CSP)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from blockdesk.accounts import selectors as account_selectors
from blockdesk.accounts.models import Team, User
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.conversations.selectors import visible_inboxes
from blockdesk.reports import filters, selectors
from blockdesk.reports.export import figure_csv
from blockdesk.reports.filters import ReportFilter
from blockdesk.workspace.http import agent_required, current_agent


def _filter(request: HttpRequest, user: User) -> tuple[ReportFilter, dict[str, Any]]:
    """The filter asked for; an invalid one falls back to the default and says why."""
    try:
        return filters.parse(account_id=user.account_pk, user=user, params=request.GET), {}
    except ValidationFailed as exc:
        f = filters.parse(account_id=user.account_pk, user=user, params={})
        return f, {"filter_error": exc.message}


def _choices(user: User) -> dict[str, Any]:
    inboxes = list(visible_inboxes(user=user).order_by("name").values("pk", "name", "channel_kind"))
    out: dict[str, Any] = {
        "inboxes": inboxes,
        "channels": sorted({i["channel_kind"] for i in inboxes}),
        "teams": list(Team.objects.filter(account_id=user.account_pk).order_by("name")),
        "is_lead": selectors.is_lead(user),
    }
    if out["is_lead"]:
        agents = User.objects.filter(account_id=user.account_pk, is_active=True)
        if not user.is_account_admin:  # a team lead: the agents of the teams they lead
            agents = agents.filter(pk__in=account_selectors.agents_led_by(user=user))
        out["agents"] = list(agents.order_by("username"))
    return out


def _page(request: HttpRequest, template: str, keys: tuple[str, ...]) -> HttpResponse:
    user = current_agent(request)
    f, extra = _filter(request, user)
    if keys == selectors.OVERVIEW:
        figs = selectors.overview(user=user, f=f)
    else:
        figs = [selectors.figure(user=user, f=f, key=k) for k in keys]
    context = {
        "section": "reports",
        "f": f,
        "query": urlencode(f.query()),
        "figures": figs,
        **_choices(user),
        **extra,
    }
    return render(request, template, context, status=400 if extra else 200)


@agent_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    return _page(request, "reports/overview.html", selectors.OVERVIEW)


@agent_required
@require_GET
def agents(request: HttpRequest) -> HttpResponse:
    if not selectors.is_lead(current_agent(request)):
        raise Forbidden(_("Only leads see other agents' figures."))
    return _page(request, "reports/agents.html", ("agents",))


@agent_required
@require_GET
def export_csv(request: HttpRequest, key: str) -> HttpResponse:
    user = current_agent(request)
    f = filters.parse(account_id=user.account_pk, user=user, params=request.GET)
    fig = selectors.figure(user=user, f=f, key=key)
    response = HttpResponse(figure_csv(fig), content_type="text/csv; charset=utf-8")
    name = f"{key}-{f.since.isoformat()}-{f.until.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
