"""Fixtures for the trust tests: an isolated cache (rate limits) and a registry like a
real exchange's, built through the service so values are normalised as in production."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from blockdesk.accounts.models import Account, User
from blockdesk.trust import services
from blockdesk.trust.models import OfficialChannel

OFFICIAL_ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"

REGISTRY: list[dict[str, Any]] = [
    {"kind": "domain", "value": "example-exchange.com", "include_subdomains": True},
    {"kind": "domain", "value": "bluewhale.co.uk"},
    {"kind": "email", "value": "support@example-exchange.com"},
    {"kind": "email_domain", "value": "mail.example-exchange.com"},
    {"kind": "telegram", "value": "@ExampleExchange_Support", "label": "Support bot"},
    {"kind": "x", "value": "https://x.com/ExampleExchange"},
    {"kind": "discord", "value": "https://discord.gg/AbCdEf"},
    {"kind": "phone", "value": "+44 20 1234 5678"},
    {"kind": "address", "value": OFFICIAL_ADDRESS, "chain": "ethereum", "label": "USDT deposits"},
]


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> Iterator[None]:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"trust-tests-{uuid.uuid4().hex}",
        }
    }
    settings.TRUST_CHECK_RATE_LIMIT = 1000
    settings.PUBLIC_RATE_LIMIT = 1000
    yield


@pytest.fixture
def registry(account: Account, admin_user: User) -> list[OfficialChannel]:
    return [
        services.do_create_official_channel(account_id=account.pk, actor=admin_user, **entry)
        for entry in REGISTRY
    ]


def unsaved_registry() -> list[OfficialChannel]:
    """The same registry without a database, for the pure checker."""
    rows = []
    for entry in REGISTRY:
        fields = dict(entry)
        parsed = services.check_official_channel(
            kind=fields["kind"],
            value=fields["value"],
            include_subdomains=fields.get("include_subdomains", False),
            chain=fields.get("chain", ""),
        )
        rows.append(
            OfficialChannel(
                kind=fields["kind"],
                value=parsed.value,
                display=parsed.display,
                include_subdomains=fields.get("include_subdomains", False),
                chain=fields.get("chain", ""),
                label=fields.get("label", ""),
            )
        )
    return rows
