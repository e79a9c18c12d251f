"""REST endpoints: suggestions with votes and demand, one suggestion, and linking a
conversation to a suggestion (demand). Tokens need conversations:read to read and
conversations:write to link.

Mounted by the API root at /api/v1/ (`api.add_router("/v1/", "blockdesk.feedback.api.router")`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from blockdesk.accounts.models import ApiToken
from blockdesk.api import selectors as api_selectors
from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS, WRITE_ERRORS, ApiIn, BodyIn, Id, PathId
from blockdesk.common.errors import NotFound
from blockdesk.feedback import selectors, services
from blockdesk.feedback.models import Suggestion

router = Router(tags=["suggestions"])
READ = ApiToken.Scope.CONVERSATIONS_READ.value
WRITE = ApiToken.Scope.CONVERSATIONS_WRITE.value


class ListQuery(ApiIn):
    status: str = Field("", max_length=16, description="Only this status (open, planned, …).")
    q: str = Field("", max_length=100)


class SuggestionOut(Schema):
    id: int
    title: str
    body: str
    status: str
    votes: int
    customers_asked: int = Field(description="Distinct customers whose conversations asked.")
    merged_into_id: int | None
    hidden: bool
    created_at: dt.datetime


class LinkIn(BodyIn):
    conversation_id: Id


class LinkOut(Schema):
    created: bool
    customers_asked: int


def _out(row: Suggestion) -> dict[str, Any]:
    return {
        "id": row.pk,
        "title": row.title,
        "body": row.body,
        "status": row.status,
        "votes": row.vote_count,
        "customers_asked": getattr(row, "demand", 0),
        "merged_into_id": row.merged_into_id,
        "hidden": row.hidden,
        "created_at": row.created_at,
    }


def _rows(account_id: int) -> Any:
    return selectors.with_demand(Suggestion.objects.filter(account_id=account_id))


@router.get("/suggestions", response={200: list[SuggestionOut], **ERRORS})
def list_suggestions(request: HttpRequest, query: Query[ListQuery]) -> list[dict[str, Any]]:
    """The account's suggestions, most votes first (at most 200)."""
    p = principal(request)
    p.require(READ)
    rows = _rows(p.account_id)
    if query.status in services.Status.values:
        rows = rows.filter(status=query.status)
    if query.q:
        rows = rows.filter(title__icontains=query.q)
    return [_out(r) for r in rows.order_by("-vote_count", "-pk")[:200]]


@router.get("/suggestions/{suggestion_id}", response={200: SuggestionOut, **ERRORS})
def get_suggestion(request: HttpRequest, suggestion_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(READ)
    row = _rows(p.account_id).filter(pk=suggestion_id).first()
    if row is None:
        raise NotFound()
    return _out(row)


@router.post("/suggestions/{suggestion_id}/conversations", response={200: LinkOut, **WRITE_ERRORS})
def link_conversation(request: HttpRequest, suggestion_id: PathId, body: LinkIn) -> dict[str, Any]:
    """This conversation asked for that suggestion. Linking twice is one link."""
    p = principal(request)
    p.require(WRITE)
    conversation = api_selectors.get_conversation(principal=p, conversation_id=body.conversation_id)
    link, created = services.do_link_checked(
        actor=p.user, suggestion_id=suggestion_id, conversation=conversation
    )
    return {"created": created, "customers_asked": services.demand(link.suggestion)}
