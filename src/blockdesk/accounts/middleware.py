"""Two-factor enforcement: a password-only session reaches only the 2FA pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from blockdesk.accounts.selectors import has_two_factor

SESSION_KEY = "blockdesk_2fa_verified"
# Paths a half-logged-in user may reach (verify, enrol, log out) and public areas.
OPEN_PREFIXES = ("/accounts/", "/static/", "/widget/", "/api/", "/i18n/", "/healthz")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.session.get(SESSION_KEY)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            if has_two_factor(user=user):
                return redirect("accounts:two_factor_verify")
            account = getattr(user, "account", None)
            if account is not None and account.require_two_factor:
                return redirect("accounts:two_factor_setup")
        return self.get_response(request)
