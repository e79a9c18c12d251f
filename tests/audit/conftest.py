from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from blockdesk.accounts.models import Account, User
from blockdesk.events.models import Event
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit

URL = "/app/settings/audit/"
EXPORT_URL = URL + "export.csv"


def record(
    account: Account | int,
    name: str,
    payload: dict[str, Any],
    *,
    actor: Actor | None = None,
    subject: Subject | None = None,
    at: dt.datetime | None = None,
) -> Event:
    """One event through the real emit(); `at` back-dates it."""
    account_id = account if isinstance(account, int) else account.pk
    with transaction.atomic():
        event = emit(
            account_id=account_id,
            name=name,
            payload=payload,
            actor=actor or Actor.system(),
            subject=subject or Subject("account", account_id),
        )
    if at is not None:
        Event.objects.filter(pk=event.pk).update(occurred_at=at)
        event.occurred_at = at
    return event


def token_payload(token_id: int, name: str = "CI bot", prefix: str = "bd_abc") -> dict[str, Any]:
    return {"token_id": token_id, "name": name, "prefix": prefix, "scopes": ["contacts:read"]}


def two_factor(account: Account, *, actor: Actor | None = None, **kw: Any) -> Event:
    return record(
        account, "account.two_factor_requirement_changed", {"required": True}, actor=actor, **kw
    )


def wallet(account: Account, contact_id: int, **kw: Any) -> Event:
    return record(
        account,
        "contact.wallet_verified",
        {
            "contact_id": contact_id,
            "address": "0x52908400098527886E0F7030069857D2E4169EE7",
            "linked": True,
            "moved_from_contact_id": None,
        },
        actor=Actor.contact(contact_id),
        subject=Subject("contact", contact_id),
        **kw,
    )


def event_ids(html: str) -> list[int]:
    import re

    return [int(i) for i in re.findall(r'data-event-id="(\d+)"', html)]


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


# The shared fixtures create agents through the real service, which logs `agent.added`.
# These tests count the events they write themselves, so the setup's are dropped.


def _without_setup_events(user: User) -> User:
    Event.objects.filter(name="agent.added", subject_id=user.pk).delete()
    return user


@pytest.fixture
def admin_user(admin_user: User) -> User:
    return _without_setup_events(admin_user)


@pytest.fixture
def agent(agent: User) -> User:
    return _without_setup_events(agent)


@pytest.fixture
def outsider(outsider: User) -> User:
    return _without_setup_events(outsider)
