"""A malformed ICE server setting fails `manage.py check` (and start-up), not a call."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from blockdesk.calls import ice


def check_ice_servers(**kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    try:
        ice.static_servers()
        if settings.CALLS_TURN_URLS:
            ice._urls(list(settings.CALLS_TURN_URLS))
    except ImproperlyConfigured as exc:
        problems.append(checks.Error(str(exc), id="calls.E001"))
    if settings.CALLS_TURN_URLS and not settings.CALLS_TURN_SECRET:
        problems.append(
            checks.Warning(
                "BLOCKDESK_TURN_URLS is set without BLOCKDESK_TURN_SECRET: no TURN server is "
                "offered to callers.",
                id="calls.W001",
            )
        )
    return problems


def register() -> None:
    checks.register(check_ice_servers, "calls")
