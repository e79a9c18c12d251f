"""API authentication: `Authorization: Bearer <token>` with scopes, or an agent's
session (for the console's own calls; CSRF applies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from blockdesk.accounts.models import ApiToken, User
from blockdesk.accounts.selectors import api_token_from_plain
from blockdesk.accounts.services import do_record_token_use
from blockdesk.common.errors import Forbidden


@dataclass(frozen=True)
class ApiPrincipal:
    account_id: int
    token: ApiToken | None
    user: User | None

    def require(self, scope: str) -> None:
        if self.token is not None and scope not in self.token.scopes:
            raise Forbidden(f"This token lacks the “{scope}” scope.", code="missing_scope")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiPrincipal | None:
        api_token = api_token_from_plain(token)
        if api_token is None:
            return None
        do_record_token_use(token=api_token)
        return ApiPrincipal(account_id=api_token.account_id, token=api_token, user=None)


def principal(request: HttpRequest) -> ApiPrincipal:
    auth: Any = request.auth  # type: ignore[attr-defined]
    assert isinstance(auth, ApiPrincipal)
    return auth
