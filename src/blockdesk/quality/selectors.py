"""Reads, scoped by who asks: account administrators see every review of their account,
team leads the reviews of the agents in the teams they lead (and their own), an agent
only the reviews of their own work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from blockdesk.accounts import selectors as account_selectors
from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.conversations.selectors import visible_conversations
from blockdesk.quality.models import ModelAnswer, Review, Scorecard


def is_lead(user: User) -> bool:
    """Who reviews: administrators, and team leads (accounts.TeamMembership.is_lead)."""
    return user.is_account_admin or account_selectors.is_team_lead(user=user)


def reviewable_agent_ids(user: User) -> frozenset[int] | None:
    """The agents whose work this lead may review and read reviews of; None: every agent
    of the account (an administrator)."""
    if user.is_account_admin:
        return None
    return account_selectors.agents_led_by(user=user)


def scorecards(*, user: User, active_only: bool = False) -> QuerySet[Scorecard]:
    qs = Scorecard.objects.filter(account_id=user.account_pk).prefetch_related("criteria")
    return qs.filter(active=True) if active_only else qs


def get_scorecard(*, user: User, scorecard_id: int) -> Scorecard:
    found = scorecards(user=user).filter(pk=scorecard_id).first()
    if found is None:
        raise NotFound(_("No such scorecard."))
    return found


def visible_reviews(*, user: User) -> QuerySet[Review]:
    qs = Review.objects.filter(account_id=user.account_pk).select_related(
        "conversation", "scorecard", "reviewer", "agent"
    )
    if not is_lead(user):
        return qs.filter(agent=user)
    agents = reviewable_agent_ids(user)
    return qs if agents is None else qs.filter(agent_id__in=agents)


def get_review(*, user: User, review_id: int) -> Review:
    found = visible_reviews(user=user).filter(pk=review_id).first()
    if found is None:
        raise NotFound(_("No such review."))
    return found


def conversation_reviews(*, user: User, conversation_id: int) -> QuerySet[Review]:
    return visible_reviews(user=user).filter(conversation_id=conversation_id)


def model_answers(*, user: User) -> QuerySet[ModelAnswer]:
    """Model answers of the conversations the user can see: agents learn from them too."""
    return ModelAnswer.objects.filter(
        account_id=user.account_pk,
        message__conversation__in=visible_conversations(user=user),
    ).select_related("message__conversation", "message__sender_user", "marked_by")


@dataclass
class AgentWeeks:
    agent: User
    # Monday of the week (UTC) -> (average total, number of reviews)
    weeks: dict[dt.date, tuple[Decimal, int]] = field(default_factory=dict)


def weekly_averages(
    *, user: User, since: dt.datetime, until: dt.datetime
) -> tuple[list[dt.date], list[AgentWeeks]]:
    """The average review total per agent and week (weeks start on Monday, UTC), within
    what the user may see. Returns the weeks that have reviews, oldest first, and one row
    per agent, by name."""
    rows = (
        visible_reviews(user=user)
        .filter(created_at__gte=since, created_at__lt=until)
        .annotate(week=TruncWeek("created_at", tzinfo=dt.UTC))
        .values("agent_id", "week")
        .annotate(average=Avg("total"), count=Count("id"))
        .order_by()
    )
    by_agent: dict[int, AgentWeeks] = {}
    weeks: set[dt.date] = set()
    agents = {}
    collected = list(rows)
    if collected:
        ids = {r["agent_id"] for r in collected}
        agents = {a.pk: a for a in User.objects.filter(pk__in=ids)}
    for r in collected:
        week = r["week"].date() if isinstance(r["week"], dt.datetime) else r["week"]
        weeks.add(week)
        entry = by_agent.setdefault(r["agent_id"], AgentWeeks(agent=agents[r["agent_id"]]))
        average = Decimal(str(r["average"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        entry.weeks[week] = (average, r["count"])
    ordered = sorted(by_agent.values(), key=lambda a: a.agent.public_name.lower())
    return sorted(weeks), ordered
