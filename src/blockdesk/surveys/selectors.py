"""Survey figures and answers, scoped by who asks: an agent sees the CSAT of the inboxes they
can see; NPS is about customers, not cases, so it is account-wide; the public page shows
only aggregates of an account that opted in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from blockdesk.accounts.models import User
from blockdesk.conversations import selectors as conversation_selectors
from blockdesk.surveys.models import CsatOffer, CsatResponse, NpsResponse, NpsSurvey
from blockdesk.surveys.nps import classify, nps_figure

WINDOWS = (30, 90)


@dataclass
class Figures:
    days: int
    csat_offers: int = 0
    csat_responses: int = 0
    csat_average: float | None = None
    csat_satisfied_pct: int | None = None  # share of 4 and 5
    distribution: dict[int, int] = field(default_factory=dict)
    nps_sent: int = 0
    nps_responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    nps: int | None = None

    @property
    def csat_response_rate(self) -> int | None:
        return _pct(self.csat_responses, self.csat_offers)

    @property
    def nps_response_rate(self) -> int | None:
        return _pct(self.nps_responses, self.nps_sent)

    @property
    def distribution_rows(self) -> list[dict[str, Any]]:
        total = sum(self.distribution.values())
        return [
            {
                "score": s,
                "count": self.distribution.get(s, 0),
                "pct": _pct(self.distribution.get(s, 0), total) or 0,
            }
            for s in range(5, 0, -1)
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "csat": {
                "offers": self.csat_offers,
                "responses": self.csat_responses,
                "response_rate_pct": self.csat_response_rate,
                "average": self.csat_average,
                "satisfied_pct": self.csat_satisfied_pct,
                "distribution": {str(s): self.distribution.get(s, 0) for s in range(1, 6)},
            },
            "nps": {
                "sent": self.nps_sent,
                "responses": self.nps_responses,
                "response_rate_pct": self.nps_response_rate,
                "promoters": self.promoters,
                "passives": self.passives,
                "detractors": self.detractors,
                "nps": self.nps,
            },
        }


def _pct(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _visible_offers(user: User | None, account_id: int) -> QuerySet[CsatOffer]:
    offers = CsatOffer.objects.filter(account_id=account_id)
    if user is not None and not user.is_account_admin:
        offers = offers.filter(
            conversation__in=conversation_selectors.visible_conversations(user=user)
        )
    return offers


def figures(
    *, account_id: int, days: int, user: User | None = None, now: dt.datetime | None = None
) -> Figures:
    """CSAT over the offers sent in the window (answered ones count for the rate and the
    scores, whenever answered); NPS over the surveys sent in the window."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    out = Figures(days=days)
    offers = _visible_offers(user, account_id).filter(
        status=CsatOffer.Status.SENT, sent_at__gte=since, sent_at__lte=now
    )
    out.csat_offers = offers.count()
    answers = CsatResponse.objects.filter(offer__in=offers)
    rows = answers.values("score").annotate(n=Count("id"))
    out.distribution = {int(r["score"]): int(r["n"]) for r in rows}
    out.csat_responses = sum(out.distribution.values())
    if out.csat_responses:
        avg = answers.aggregate(a=Avg("score"))["a"]
        out.csat_average = round(float(avg), 2) if avg is not None else None
        satisfied = out.distribution.get(4, 0) + out.distribution.get(5, 0)
        out.csat_satisfied_pct = _pct(satisfied, out.csat_responses)
    surveys = NpsSurvey.objects.filter(
        account_id=account_id,
        status=NpsSurvey.Status.SENT,
        sent_at__gte=since,
        sent_at__lte=now,
    )
    out.nps_sent = surveys.count()
    counts = NpsResponse.objects.filter(survey__in=surveys).aggregate(
        promoters=Count("id", filter=Q(score__gte=9)),
        passives=Count("id", filter=Q(score__gte=7, score__lte=8)),
        detractors=Count("id", filter=Q(score__lte=6)),
    )
    out.promoters, out.passives, out.detractors = (
        counts["promoters"],
        counts["passives"],
        counts["detractors"],
    )
    out.nps_responses = out.promoters + out.passives + out.detractors
    out.nps = nps_figure(out.promoters, out.passives, out.detractors)
    return out


def recent_csat(
    *,
    account_id: int,
    user: User | None,
    days: int,
    limit: int | None = 50,
    with_comment: bool = False,
) -> QuerySet[CsatResponse]:
    since = timezone.now() - dt.timedelta(days=days)
    qs = CsatResponse.objects.filter(
        offer__in=_visible_offers(user, account_id), created_at__gte=since
    )
    if with_comment:
        qs = qs.exclude(comment="")
    qs = qs.select_related("conversation__contact", "conversation__inbox").order_by(
        "-created_at", "-id"
    )
    return qs[:limit] if limit else qs


def recent_nps(
    *, account_id: int, days: int, limit: int | None = 50, with_reason: bool = False
) -> QuerySet[NpsResponse]:
    since = timezone.now() - dt.timedelta(days=days)
    qs = NpsResponse.objects.filter(account_id=account_id, created_at__gte=since)
    if with_reason:
        qs = qs.exclude(reason="")
    qs = qs.select_related("survey__contact").order_by("-created_at", "-id")
    return qs[:limit] if limit else qs


def nps_category(response: NpsResponse) -> str:
    return classify(response.score)


def conversation_survey(*, conversation_id: int) -> dict[str, Any]:
    """What the console's case panel shows: the latest offer and its answer."""
    offer = (
        CsatOffer.objects.filter(conversation_id=conversation_id)
        .exclude(status=CsatOffer.Status.CANCELLED)
        .select_related("response")
        .order_by("-id")
        .first()
    )
    response = getattr(offer, "response", None) if offer is not None else None
    return {"offer": offer, "response": response}
