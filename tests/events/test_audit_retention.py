"""The purge keeps security-relevant events (the audit log's) for
BLOCKDESK_AUDIT_RETENTION_DAYS, whatever BLOCKDESK_EVENT_RETENTION_DAYS says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from blockdesk.accounts.models import Account
from blockdesk.events.models import Event
from blockdesk.events.registry import Actor, Subject, is_security_relevant
from blockdesk.events.services import do_purge_events, emit
from tests.events import support

pytestmark = pytest.mark.django_db


def _aged(account: Account, name: str, payload: dict, days: int) -> int:
    with transaction.atomic():
        event = emit(
            account_id=account.pk,
            name=name,
            payload=payload,
            actor=Actor.system(),
            subject=Subject("account", account.pk),
        )
    Event.objects.filter(pk=event.pk).update(occurred_at=timezone.now() - dt.timedelta(days=days))
    return event.pk


def test_security_events_outlive_the_rest(account: Account, settings: object) -> None:
    settings.EVENT_RETENTION_DAYS = 30  # type: ignore[attr-defined]
    settings.AUDIT_RETENTION_DAYS = 365  # type: ignore[attr-defined]
    two_factor = {"required": True}
    token = {"token_id": 1, "name": "t", "prefix": "bd_1", "scopes": []}
    [old_ping] = support.emit_pings(account.pk, 1)
    Event.objects.filter(pk=old_ping).update(occurred_at=timezone.now() - dt.timedelta(days=40))
    [new_ping] = support.emit_pings(account.pk, 1, start=1)
    young_2fa = _aged(account, "account.two_factor_requirement_changed", two_factor, 20)
    kept_2fa = _aged(account, "account.two_factor_requirement_changed", two_factor, 40)
    kept_token = _aged(account, "api_token.created", token, 300)
    gone_token = _aged(account, "api_token.revoked", token, 400)

    assert do_purge_events() == 2
    assert sorted(Event.objects.values_list("pk", flat=True)) == [
        new_ping,
        young_2fa,
        kept_2fa,
        kept_token,
    ]
    assert gone_token not in Event.objects.values_list("pk", flat=True)

    # 0 keeps them forever; a shorter audit retention never shortens the general one.
    settings.AUDIT_RETENTION_DAYS = 0  # type: ignore[attr-defined]
    assert do_purge_events() == 0
    settings.AUDIT_RETENTION_DAYS = 10  # type: ignore[attr-defined]
    assert do_purge_events() == 2  # 40 and 300 days: older than both
    assert sorted(Event.objects.values_list("pk", flat=True)) == [new_ping, young_2fa]


def test_the_security_families() -> None:
    for name in (
        "account.two_factor_requirement_changed",
        "agent.role_changed",
        "api_token.created",
        "webhook.created",
        "chain.changed",
        "official_channel.removed",
    ):
        assert is_security_relevant(name), name
    for name in ("message.created", "conversation.assigned", "contact.merged", "accounts.x"):
        assert not is_security_relevant(name), name
