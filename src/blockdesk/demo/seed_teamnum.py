"""Demo: the first agent of "Tier 1" is its team lead, so signing in as that agent shows
per-agent reports for the team and receives the team's escalations and low ratings
(docs/reports.md, docs/sla.md)."""

from __future__ import annotations

from blockdesk.accounts.models import Account, TeamMembership, User


def seed(*, account: Account) -> None:
    membership = (
        TeamMembership.objects.filter(
            team__account=account, team__name="Tier 1", user__role=User.Role.AGENT
        )
        .order_by("user__username")
        .first()
    )
    if membership is not None and not membership.is_lead:
        membership.is_lead = True
        membership.save(update_fields=["is_lead"])
