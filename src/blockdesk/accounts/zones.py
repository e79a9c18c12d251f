"""The account's time zone: the day and hour its reports and forecasts count in.

It is stored with the account's business hours (the `sla` app, above this one in the
layers); that app registers a provider here, so apps below it (staffing, reports' readers)
ask accounts. Without business hours, or with an unknown name, the zone is UTC."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Provider = Callable[[int], str | None]
_PROVIDERS: list[Provider] = []
UTC = ZoneInfo("UTC")


def register_zone_provider(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def zone_named(name: str | None) -> ZoneInfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def account_zone(account_id: int) -> ZoneInfo:
    for provider in _PROVIDERS:
        name = provider(account_id)
        if name:
            return zone_named(name)
    return UTC
