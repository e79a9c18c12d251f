"""REST: a conversation's triage (score, parts, reasons with their sentences) and the
account's rules: read with `conversations:read`, created, changed and deleted with
`triage:write` (docs/triage.md). A rule change is audited like one made in Settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from blockdesk.accounts.models import ApiToken
from blockdesk.api import selectors as api_selectors
from blockdesk.api.auth import ApiPrincipal, principal
from blockdesk.api.schemas import ERRORS, WRITE_ERRORS, BodyIn, PathId
from blockdesk.common.errors import NotFound
from blockdesk.triage import selectors, services
from blockdesk.triage.models import TriageRule
from blockdesk.triage.reasons import reason_text

router = Router(tags=["triage"])
CONVERSATIONS_READ = ApiToken.Scope.CONVERSATIONS_READ.value
TRIAGE_WRITE = ApiToken.Scope.TRIAGE_WRITE.value


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


class RuleIn(BodyIn):
    name: str = Field(min_length=1, max_length=100)
    enabled: bool = True
    position: int = Field(0, ge=0, le=10_000, description="Rules fire in this order.")
    conditions: dict[str, Any] = Field(
        description="intent, amount_gte, chain, mood, tier, channel, inbox, keyword, security "
        "(docs/triage.md); every one given must hold."
    )
    actions: dict[str, Any] = Field(description="priority, team_id, tags.")


def _rule_out(r: TriageRule) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "enabled": r.enabled,
        "position": r.position,
        "conditions": r.conditions,
        "actions": r.actions,
    }


def _writer(p: ApiPrincipal) -> dict[str, Any]:
    """Who writes: the signed-in administrator, else the account's token."""
    return {
        "actor": p.user,
        "account_id": p.account_id,
        "api_token_id": p.token.pk if p.token is not None else None,
    }


def _rule(p: ApiPrincipal, rule_id: int) -> TriageRule:
    rule = selectors.rules(account_id=p.account_id).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No such rule."))
    return rule


@router.get("/triage/rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(CONVERSATIONS_READ)
    return [_rule_out(r) for r in selectors.rules(account_id=p.account_id)]


@router.post("/triage/rules", response={201: RuleOut, **WRITE_ERRORS})
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[dict[str, Any]]:
    """A new rule; 422 with the failing field (`conditions`, `actions`, `team_id`, `name`)."""
    p = principal(request)
    p.require(TRIAGE_WRITE)
    rule = services.do_save_rule(rule=None, **payload.model_dump(), **_writer(p))
    return Status(201, _rule_out(rule))


@router.put("/triage/rules/{rule_id}", response={200: RuleOut, **WRITE_ERRORS})
def update_rule(request: HttpRequest, rule_id: PathId, payload: RuleIn) -> dict[str, Any]:
    p = principal(request)
    p.require(TRIAGE_WRITE)
    rule = _rule(p, rule_id)
    return _rule_out(services.do_save_rule(rule=rule, **payload.model_dump(), **_writer(p)))


@router.delete("/triage/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request: HttpRequest, rule_id: PathId) -> Status[None]:
    p = principal(request)
    p.require(TRIAGE_WRITE)
    services.do_delete_rule(rule=_rule(p, rule_id), **_writer(p))
    return Status(204, None)
