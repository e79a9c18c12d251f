"""REST endpoints: satisfaction figures, answers, and a conversation's survey (read, skip,
send now). Tokens need conversations:read to read and conversations:write to act.

Mounted by the API root at /api/v1/ (`api.add_router("/v1/", "blockdesk.surveys.api.router")`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from blockdesk.accounts.models import ApiToken
from blockdesk.api import selectors as api_selectors
from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS, WRITE_ERRORS, ApiIn, PathId
from blockdesk.surveys import selectors, services
from blockdesk.surveys.models import CsatOffer
from blockdesk.surveys.nps import classify

router = Router(tags=["surveys"])
READ = ApiToken.Scope.CONVERSATIONS_READ.value
WRITE = ApiToken.Scope.CONVERSATIONS_WRITE.value


class WindowQuery(ApiIn):
    days: int = Field(30, ge=1, le=366, description="The window: the last N days.")


class CsatOut(Schema):
    offers: int = Field(description="Surveys sent in the window.")
    responses: int
    response_rate_pct: int | None
    average: float | None = Field(description="Mean rating, 1–5 (thumbs: 1 or 5).")
    satisfied_pct: int | None = Field(description="Share of ratings 4 or 5.")
    distribution: dict[str, int]


class NpsOut(Schema):
    sent: int
    responses: int
    response_rate_pct: int | None
    promoters: int
    passives: int
    detractors: int
    nps: int | None = Field(description="% promoters (9–10) − % detractors (0–6).")


class FiguresOut(Schema):
    days: int
    csat: CsatOut
    nps: NpsOut


class AnswerOut(Schema):
    survey: Literal["csat", "nps"]
    answered_at: dt.datetime
    conversation_id: int | None
    contact_id: int
    score: int
    category: str
    comment: str


class OfferOut(Schema):
    id: int
    status: str
    source: str
    scale: str
    due_at: dt.datetime | None
    sent_at: dt.datetime | None
    score: int | None
    comment: str | None


class ConversationSurveyOut(Schema):
    offer: OfferOut | None


def _offer_out(offer: CsatOffer | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    response = getattr(offer, "response", None)
    return {
        "id": offer.pk,
        "status": offer.status,
        "source": offer.source,
        "scale": offer.scale,
        "due_at": offer.due_at,
        "sent_at": offer.sent_at,
        "score": response.score if response else None,
        "comment": response.comment if response else None,
    }


@router.get("/surveys/figures", response={200: FiguresOut, **ERRORS})
def get_figures(request: HttpRequest, query: Query[WindowQuery]) -> dict[str, Any]:
    """CSAT and NPS of the account over the window, with response rates."""
    p = principal(request)
    p.require(READ)
    return selectors.figures(account_id=p.account_id, days=query.days, user=p.user).as_dict()


@router.get("/surveys/answers", response={200: list[AnswerOut], **ERRORS})
def list_answers(request: HttpRequest, query: Query[WindowQuery]) -> list[dict[str, Any]]:
    """The latest answers (at most 200 of each survey), newest first."""
    p = principal(request)
    p.require(READ)
    out: list[dict[str, Any]] = [
        {
            "survey": "csat",
            "answered_at": r.created_at,
            "conversation_id": r.conversation_id,
            "contact_id": r.conversation.contact_id,
            "score": r.score,
            "category": "satisfied"
            if r.score >= 4
            else ("neutral" if r.score == 3 else "unsatisfied"),
            "comment": r.comment,
        }
        for r in selectors.recent_csat(
            account_id=p.account_id, user=p.user, days=query.days, limit=200
        )
    ]
    out += [
        {
            "survey": "nps",
            "answered_at": n.created_at,
            "conversation_id": None,
            "contact_id": n.survey.contact_id,
            "score": n.score,
            "category": classify(n.score),
            "comment": n.reason,
        }
        for n in selectors.recent_nps(account_id=p.account_id, days=query.days, limit=200)
    ]
    return sorted(out, key=lambda a: a["answered_at"], reverse=True)


@router.get(
    "/conversations/{conversation_id}/survey",
    response={200: ConversationSurveyOut, **ERRORS},
)
def get_conversation_survey(request: HttpRequest, conversation_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(READ)
    conversation = api_selectors.get_conversation(principal=p, conversation_id=conversation_id)
    found = selectors.conversation_survey(conversation_id=conversation.pk)
    return {"offer": _offer_out(found["offer"])}


@router.post(
    "/conversations/{conversation_id}/survey/skip",
    response={200: ConversationSurveyOut, **WRITE_ERRORS},
)
def skip_survey(request: HttpRequest, conversation_id: PathId) -> dict[str, Any]:
    """No automatic survey for this case (409 if it was already sent)."""
    p = principal(request)
    p.require(WRITE)
    conversation = api_selectors.get_conversation(principal=p, conversation_id=conversation_id)
    offer = services.do_skip_survey(actor=p.user, conversation=conversation)
    return {"offer": _offer_out(offer)}


@router.post(
    "/conversations/{conversation_id}/survey/send",
    response={200: ConversationSurveyOut, **WRITE_ERRORS},
)
def send_survey(request: HttpRequest, conversation_id: PathId) -> dict[str, Any]:
    """Send the survey now, whatever the status (409 if one went out a minute ago)."""
    p = principal(request)
    p.require(WRITE)
    conversation = api_selectors.get_conversation(principal=p, conversation_id=conversation_id)
    offer = services.do_send_survey_now(actor=p.user, conversation=conversation)
    return {"offer": _offer_out(offer)}
