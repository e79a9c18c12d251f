"""REST: every figure of the reports section, the same numbers as the console's tables
(/api/v1/reports/{figure}). Mounted by the API root. Token scope `conversations:read`; an
agent's token sees the agent's inboxes, and the SLA and per-agent figures need a lead's
(an administrator's) or an account token."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS
from blockdesk.reports import filters, selectors

router = Router(tags=["reports"])
SCOPE = "conversations:read"
FigureKey = Literal[
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
    "agents",
]


class ReportQuery(Schema):
    since: dt.date | None = Field(
        None, description="First day, in the account's time zone. Default: 30 days ago."
    )
    until: dt.date | None = Field(None, description="Last day, inclusive. Default: today.")
    inbox: int | None = None
    channel: str | None = Field(None, description="A channel kind: web_widget, email…")
    team: int | None = None
    agent: int | None = None
    language: str | None = Field(None, description="Primary language subtag: en, zh…")
    basis: Literal["calendar", "business"] = "calendar"


class FigureOut(Schema):
    key: str
    title: str
    since: dt.date
    until: dt.date
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None
    note: str


@router.get("/reports/{key}", response={200: FigureOut, **ERRORS})
def report(request: HttpRequest, key: FigureKey, query: Query[ReportQuery]) -> dict[str, Any]:
    """One figure of the reports section (docs/reports.md): its table and chart data."""
    p = principal(request)
    p.require(SCOPE)
    params = {k: v for k, v in query.dict().items() if v is not None}
    f = filters.parse(account_id=p.account_id, user=p.user, params=params)
    fig = selectors.figure(user=p.user, f=f, key=key)
    return {**fig.as_dict(), "since": f.since, "until": f.until}
