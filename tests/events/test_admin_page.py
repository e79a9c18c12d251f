"""Settings → Events: administrators see each consumer's lag and retry dead events."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from blockdesk.accounts.models import Account, User
from blockdesk.events import consumers
from blockdesk.events.models import ConsumerRetry, Event
from tests.events import support

URL = "/app/settings/events/"


def _row(html: str, consumer: str) -> str:
    match = re.search(rf'<tr data-consumer="{re.escape(consumer)}">(.*?)</tr>', html, re.S)
    assert match, html
    return match.group(1)


def _cell(row: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', row)
    assert match, row
    return match.group(1).strip()


@pytest.mark.django_db(transaction=True)
def test_admin_sees_lag_and_retries_dead_events(
    account: Account, admin_user: User, settings: object
) -> None:
    settings.EVENT_MAX_ATTEMPTS = 1  # type: ignore[attr-defined]

    def fails(event: Event) -> None:
        raise RuntimeError("receiver says no")

    # Pings only: creating admin_user wrote an agent.added event too.
    pings = [support.PING]
    consumers.register_consumer("page.lagging", lambda event: None, event_names=pings)
    consumers.register_consumer("page.failing", fails, event_names=pings)
    support.emit_pings(account.pk, 3)
    support.drain("page.failing", expect=3)
    ConsumerRetry.objects.update(dead=True)
    client = Client()
    client.force_login(admin_user)

    html = client.get(URL).content.decode()
    assert _cell(_row(html, "page.lagging"), "behind") == "3"
    failing = _row(html, "page.failing")
    assert _cell(failing, "behind") == "0"
    assert _cell(failing, "dead") == "3"
    assert "receiver says no" in failing

    response = client.post(URL + "retry-dead/")
    assert response.status_code == 302
    assert not ConsumerRetry.objects.filter(dead=True).exists()
    assert ConsumerRetry.objects.filter(dead=False, attempts=0).count() == 3


@pytest.mark.django_db
def test_agents_and_strangers_are_refused(agent: User) -> None:
    client = Client()
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.post(URL + "retry-dead/").status_code == 403
    assert client.get(URL, HTTP_ACCEPT="application/json").status_code == 403


@pytest.mark.django_db
def test_an_admin_retries_only_their_own_accounts_dead_events(
    admin_user: User, other_account: Account
) -> None:
    consumers.register_consumer("page.x", lambda event: None)
    [event_id] = support.emit_pings(other_account.pk, 1)
    cursor = consumers.ensure_cursor("page.x")
    from django.utils import timezone

    ConsumerRetry.objects.create(
        consumer=cursor, event_id=event_id, dead=True, next_attempt_at=timezone.now()
    )
    client = Client()
    client.force_login(admin_user)
    client.post(URL + "retry-dead/")
    assert ConsumerRetry.objects.get().dead
