from __future__ import annotations

from django.db.models import QuerySet

from blockdesk.accounts.models import ApiToken, Team, User
from blockdesk.common.crypto import hash_token


def account_agents(*, user: User) -> QuerySet[User]:
    return User.objects.filter(account_id=user.account_pk).order_by("username")


def account_teams(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(account_id=user.account_pk).prefetch_related("members")


def api_token_from_plain(plain: str) -> ApiToken | None:
    """The live token with this plain value (its use is recorded by
    `services.do_record_token_use`: a selector does not write)."""
    return (
        ApiToken.objects.select_related("account")
        .filter(token_hash=hash_token(plain), revoked_at__isnull=True)
        .first()
    )


def has_two_factor(*, user: User) -> bool:
    return hasattr(user, "totp") and user.totp.confirmed
