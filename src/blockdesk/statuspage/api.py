"""REST: the status page. Reads are public; writes need an administrator's session or a
token with `status:write` (acting as the administrator who created it)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from blockdesk.accounts.models import ApiToken, User
from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS, WRITE_ERRORS, BodyIn, Moment, PathId
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.kb.selectors import help_center_account
from blockdesk.statuspage import selectors, services
from blockdesk.statuspage.models import Incident

router = Router(tags=["status"])
SCOPE = ApiToken.Scope.STATUS_WRITE.value
StateName = Literal["degraded", "partial_outage", "major_outage", "maintenance"]
UpdateStatus = Literal[
    "investigating", "identified", "monitoring", "resolved", "scheduled", "in_progress", "completed"
]


class ComponentOut(Schema):
    key: str
    name: str
    name_zh: str
    state: str


class UpdateOut(Schema):
    id: int
    status: str
    body: str
    created_at: dt.datetime


class IncidentOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    impact: str
    components: list[str]
    started_at: dt.datetime
    resolved_at: dt.datetime | None
    updates: list[UpdateOut]


class StatusOut(Schema):
    state: str
    components: list[ComponentOut]
    incidents: list[IncidentOut]


class IncidentIn(BodyIn):
    kind: Literal["incident", "maintenance"] = "incident"
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=5000)
    impact: StateName = "degraded"
    components: list[str] = Field(default_factory=list, max_length=50)
    scheduled_start: Moment | None = None
    scheduled_end: Moment | None = None


class UpdateIn(BodyIn):
    status: UpdateStatus
    body: str = Field(..., min_length=1, max_length=5000)


def _incident(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "kind": incident.kind,
        "title": incident.title,
        "status": incident.status,
        "impact": incident.impact,
        "components": sorted(c.key for c in incident.components.all()),
        "started_at": incident.started_at,
        "resolved_at": incident.resolved_at,
        "updates": [
            {"id": u.pk, "status": u.status, "body": u.body, "created_at": u.created_at}
            for u in incident.updates.all()
        ],
    }


def writer(request: HttpRequest) -> User:
    p = principal(request)
    p.require(SCOPE)
    user = p.user if p.user is not None else (p.token.created_by if p.token else None)
    if user is None or user.account_id != p.account_id or not user.is_account_admin:
        raise Forbidden()
    return user


@router.get("/status", auth=None, response={200: StatusOut, **ERRORS})
def status(request: HttpRequest) -> dict[str, Any]:
    """Components, their states and the open incidents and scheduled maintenance."""
    account = help_center_account()
    if account is None:
        raise NotFound()
    comps = list(selectors.components(account_id=account.pk))
    incidents = [
        *selectors.open_incidents(account_id=account.pk),
        *selectors.upcoming_maintenance(account_id=account.pk),
    ]
    return {
        "state": selectors.overall(comps),
        "components": [
            {"key": c.key, "name": c.name, "name_zh": c.name_zh, "state": c.state} for c in comps
        ],
        "incidents": [_incident(i) for i in incidents],
    }


@router.post("/status/incidents", response={201: IncidentOut, **WRITE_ERRORS})
def open_incident(request: HttpRequest, payload: IncidentIn) -> tuple[int, dict[str, Any]]:
    user = writer(request)
    assert user.account_id is not None
    keys = set(payload.components)
    comps = list(selectors.components(account_id=user.account_id).filter(key__in=keys))
    if len(comps) != len(keys):
        raise ValidationFailed.field("components", _("Unknown component."))
    incident = services.do_open_incident(
        actor=user,
        title=payload.title,
        body=payload.body,
        impact=payload.impact,
        kind=payload.kind,
        component_ids=[c.pk for c in comps],
        scheduled_start=payload.scheduled_start,
        scheduled_end=payload.scheduled_end,
    )
    found = selectors.incident(account_id=user.account_id, incident_id=incident.pk)
    assert found is not None
    return 201, _incident(found)


@router.post("/status/incidents/{incident_id}/updates", response={201: IncidentOut, **WRITE_ERRORS})
def post_update(
    request: HttpRequest, incident_id: PathId, payload: UpdateIn
) -> tuple[int, dict[str, Any]]:
    user = writer(request)
    assert user.account_id is not None
    incident = selectors.incident(account_id=user.account_id, incident_id=incident_id)
    if incident is None:
        raise NotFound()
    services.do_post_update(actor=user, incident=incident, status=payload.status, body=payload.body)
    found = selectors.incident(account_id=user.account_id, incident_id=incident_id)
    assert found is not None
    return 201, _incident(found)
