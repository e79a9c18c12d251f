from __future__ import annotations

import functools

from django.db.models import QuerySet

from blockdesk.accounts.models import ApiToken, Team, TeamMembership, User
from blockdesk.common.crypto import hash_token
from blockdesk.common.plain_sql import column_names, fetch_by_sql


def account_agents(*, user: User) -> QuerySet[User]:
    return User.objects.filter(account_id=user.account_pk).order_by("username")


def account_teams(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(account_id=user.account_pk).prefetch_related("members")


def api_token_from_plain(plain: str) -> ApiToken | None:
    """The live token with this plain value (its use is recorded by
    `services.do_record_token_use`: a selector does not write). One indexed read per
    call, never cached, so a revoked token is refused at once on every node; the API
    needs only the token's own columns (account_id, scopes), so there is no join."""
    return fetch_by_sql(ApiToken, sql=_live_token_sql(), params=[hash_token(plain)])


@functools.cache
def _live_token_sql() -> str:
    """The lookup above as fixed SQL: it runs on every API call, and building and
    compiling the same ORM query each time cost more CPU than the query itself."""
    from django.db import connection

    meta, q = ApiToken._meta, connection.ops.quote_name
    columns = ", ".join(q(column) for column in column_names(ApiToken))
    return (
        f"SELECT {columns} FROM {q(meta.db_table)} "  # noqa: S608 (names from _meta)
        f"WHERE {q('token_hash')} = %s AND {q('revoked_at')} IS NULL"
    )


def has_two_factor(*, user: User) -> bool:
    return hasattr(user, "totp") and user.totp.confirmed


# --- team leads -------------------------------------------------------------------


def team_leads(*, team_id: int | None) -> list[User]:
    """The active leads of a team (members flagged as lead in Settings → Teams)."""
    if team_id is None:
        return []
    return list(
        User.objects.filter(
            team_memberships__team_id=team_id, team_memberships__is_lead=True, is_active=True
        ).order_by("pk")
    )


def account_admins(*, account_id: int) -> list[User]:
    return list(
        User.objects.filter(account_id=account_id, role=User.Role.ADMIN, is_active=True).order_by(
            "pk"
        )
    )


def leads_or_admins(*, account_id: int, team_id: int | None) -> list[User]:
    """Who hears what a lead must hear about a case: its team's leads, else (no team, or a
    team without a lead) the account's administrators."""
    return team_leads(team_id=team_id) or account_admins(account_id=account_id)


def led_team_ids(*, user: User) -> list[int]:
    return list(
        TeamMembership.objects.filter(user=user, is_lead=True).values_list("team_id", flat=True)
    )


def is_team_lead(*, user: User) -> bool:
    return TeamMembership.objects.filter(user=user, is_lead=True).exists()


def agents_led_by(*, user: User) -> frozenset[int]:
    """The agents whose figures a lead may read: the members of the teams they lead, and
    themself."""
    ids = TeamMembership.objects.filter(
        team__memberships__user=user, team__memberships__is_lead=True
    ).values_list("user_id", flat=True)
    return frozenset({user.pk, *ids})


def lead_ids(*, team: Team) -> list[int]:
    return list(team.memberships.filter(is_lead=True).values_list("user_id", flat=True))
