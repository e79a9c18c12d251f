"""REST endpoints: guides (with how many customers completed each) and sessions (with
registrations). Read-only; tokens need contacts:read.

Mounted by the API root at /api/v1/ (`api.add_router("/v1/", "blockdesk.education.api.router")`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Router, Schema

from blockdesk.accounts.models import ApiToken
from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS
from blockdesk.education.models import Guide, Session

router = Router(tags=["education"])
READ = ApiToken.Scope.CONTACTS_READ.value


class GuideOut(Schema):
    id: int
    slug: str
    title: dict[str, str]
    published: bool
    lessons: int
    completed_by: int
    badge_key: str


class SessionOut(Schema):
    id: int
    title: str
    language: str
    starts_at: dt.datetime
    duration_minutes: int
    recording_url: str
    registered: int
    published: bool


@router.get("/guides", response={200: list[GuideOut], **ERRORS})
def list_guides(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(READ)
    rows = Guide.objects.filter(account_id=p.account_id).annotate(
        n_lessons=Count("lessons", distinct=True), n_done=Count("completions", distinct=True)
    )
    return [
        {
            "id": g.pk,
            "slug": g.slug,
            "title": g.title if isinstance(g.title, dict) else {},
            "published": g.published,
            "lessons": g.n_lessons,
            "completed_by": g.n_done,
            "badge_key": g.badge_key,
        }
        for g in rows[:200]
    ]


@router.get("/sessions", response={200: list[SessionOut], **ERRORS})
def list_sessions(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(READ)
    rows = (
        Session.objects.filter(account_id=p.account_id)
        .annotate(n=Count("registrations"))
        .order_by("-starts_at")
    )
    return [
        {
            "id": s.pk,
            "title": s.title,
            "language": s.language,
            "starts_at": s.starts_at,
            "duration_minutes": s.duration_minutes,
            "recording_url": s.recording_url,
            "registered": s.n,
            "published": s.published,
        }
        for s in rows[:200]
    ]
