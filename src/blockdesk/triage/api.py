"""REST: a conversation's triage (score, parts, reasons with their sentences) and the
account's rules, read-only, with the `conversations:read` scope. Writing rules stays in
Settings → Triage for now: it would need a scope of its own (docs/triage.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from blockdesk.accounts.models import ApiToken
from blockdesk.api import selectors as api_selectors
from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS, PathId
from blockdesk.common.errors import NotFound
from blockdesk.triage import selectors
from blockdesk.triage.reasons import reason_text

router = Router(tags=["triage"])
CONVERSATIONS_READ = ApiToken.Scope.CONVERSATIONS_READ.value


class ReasonOut(Schema):
    code: str = Field(description="See docs/triage.md for every code.")
    points: int
    part: str = Field(description="urgency or complexity")
    params: dict[str, Any]
    text: str = Field(description="The reason as agents read it, in the request's language.")


class TriageOut(Schema):
    conversation_id: int
    score: int = Field(description="0–100: urgency plus a quarter of complexity, capped.")
    urgency: int
    complexity: int
    reasons: list[ReasonOut]
    computed_at: dt.datetime


class RuleOut(Schema):
    id: int
    name: str
    enabled: bool
    position: int
    conditions: dict[str, Any]
    actions: dict[str, Any]


@router.get(
    "/conversations/{conversation_id}/triage",
    response={200: TriageOut, **ERRORS},
)
def get_triage(request: HttpRequest, conversation_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(CONVERSATIONS_READ)
    conversation = api_selectors.get_conversation(principal=p, conversation_id=conversation_id)
    row = selectors.score_for(conversation_id=conversation.pk)
    if row is None:
        raise NotFound(_("This conversation has not been triaged yet."))
    return {
        "conversation_id": conversation.pk,
        "score": row.score,
        "urgency": row.urgency,
        "complexity": row.complexity,
        "reasons": [{**r, "text": reason_text(r)} for r in row.reasons or []],
        "computed_at": row.computed_at,
    }


@router.get("/triage/rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(CONVERSATIONS_READ)
    return [
        {
            "id": r.pk,
            "name": r.name,
            "enabled": r.enabled,
            "position": r.position,
            "conditions": r.conditions,
            "actions": r.actions,
        }
        for r in selectors.rules(account_id=p.account_id)
    ]
