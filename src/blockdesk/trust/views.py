"""The public "Is this really us?" page: no login, works without JavaScript."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from blockdesk.common.errors import RateLimited, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.trust import presenters, selectors
from blockdesk.trust.models import OfficialChannel
from blockdesk.trust.normalize import MAX_INPUT


def check_public_rate_limit(request: HttpRequest) -> None:
    """Shared by the page and the API: guessing the registry a thousand times a
    minute is not a use case."""
    check_rate_limit(
        scope="trust-check",
        key=client_ip(request.META),
        limit=getattr(settings, "TRUST_CHECK_RATE_LIMIT", 30),
        window=getattr(settings, "TRUST_CHECK_RATE_WINDOW", 60),
    )


def grouped_channels(account_id: int) -> list[tuple[str, list[OfficialChannel]]]:
    channels = list(selectors.official_channels(account_id=account_id))
    return [
        (str(OfficialChannel.Kind(kind).label), list(items))
        for kind, items in groupby(channels, key=lambda c: c.kind)
    ]


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    account = selectors.public_account()
    if account is None:
        raise Http404
    value = request.GET.get("value", "")[: MAX_INPUT * 2]
    context: dict[str, Any] = {"account": account, "value": value, "max_length": MAX_INPUT}
    status = 200
    retry_after: int | None = None
    if value.strip():
        try:
            check_public_rate_limit(request)
            result = selectors.check_value(account_id=account.pk, value=value)
        except RateLimited as exc:
            context["error"] = exc.message
            status, retry_after = 429, exc.retry_after
        except ValidationFailed as exc:
            context["error"] = exc.message
            status = 422
        else:
            context["result"] = presenters.result_dict(result)
    context["groups"] = grouped_channels(account.pk)
    response = render(request, "trust/verify.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    # What someone checked is theirs: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
