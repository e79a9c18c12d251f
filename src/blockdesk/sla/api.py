"""REST: the SLA report (/api/v1/sla/report) and a conversation's SLA clocks. Mounted by
the API root (`api.add_router("/v1/", "blockdesk.sla.api.router")`). Token scope
`conversations:read`: the figures are about the account's conversations."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS, PathId
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.sla import reports, selectors

router = Router(tags=["sla"])
SCOPE = "conversations:read"
MAX_DAYS = 400


class ReportQuery(Schema):
    group: Literal["policy", "team", "agent", "channel"] = "policy"
    target: Literal["first_response", "next_response", "resolution"] | None = None
    since: dt.datetime | None = Field(None, description="Default: 30 days before `until`.")
    until: dt.datetime | None = Field(None, description="Default: now.")


class ReportRowOut(Schema):
    key: str
    label: str
    total: int
    met: int
    missed: int
    met_share: float | None


class ReportOut(Schema):
    group: str
    since: dt.datetime
    until: dt.datetime
    rows: list[ReportRowOut]


class ClockOut(Schema):
    target: str
    state: str
    policy: str
    business_hours: bool
    started_at: dt.datetime
    due_at: dt.datetime | None
    breached_at: dt.datetime | None
    stopped_at: dt.datetime | None
    met: bool | None


@router.get("/sla/report", response={200: ReportOut, **ERRORS})
def sla_report(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    """Share of SLA targets met, per policy, team, agent or channel (docs/sla.md)."""
    p = principal(request)
    p.require(SCOPE)
    if p.user is not None and not p.user.is_account_admin:
        raise Forbidden()  # per-agent figures are for leads, as in the console
    until = query.until or timezone.now()
    try:
        since = query.since or until - dt.timedelta(days=30)
        if since.tzinfo is None or until.tzinfo is None:
            raise ValidationFailed.field("since", _("Give times with a UTC offset."))
        valid = since < until and until - since <= dt.timedelta(days=MAX_DAYS)
    except OverflowError:  # year 1 minus 30 days
        valid = False
    if not valid:
        raise ValidationFailed.field(
            "since", _("Give a range of at most %(days)s days.") % {"days": MAX_DAYS}
        )
    rows = reports.sla_report(
        account_id=p.account_id, group=query.group, since=since, until=until, target=query.target
    )
    return {
        "group": query.group,
        "since": since,
        "until": until,
        "rows": [r.as_dict() for r in rows],
    }


@router.get("/sla/conversations/{conversation_id}/clocks", response={200: list[ClockOut], **ERRORS})
def conversation_clocks(request: HttpRequest, conversation_id: PathId) -> list[dict[str, Any]]:
    """Every SLA clock of a conversation of the token's account, oldest first."""
    p = principal(request)
    p.require(SCOPE)
    found = selectors.conversation_clocks(account_id=p.account_id, conversation_id=conversation_id)
    return [
        {
            "target": c.target,
            "state": c.state,
            "policy": c.policy.name,
            "business_hours": c.business,
            "started_at": c.started_at,
            "due_at": c.due_at,
            "breached_at": c.breached_at,
            "stopped_at": c.stopped_at,
            "met": c.met,
        }
        for c in found
    ]
