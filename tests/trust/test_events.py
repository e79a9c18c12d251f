"""The "Is this really us?" registry is on the event log: an official channel added,
changed or removed (by an administrator or an API token), one event each, in the change's
transaction."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from blockdesk.accounts.services import do_create_api_token
from blockdesk.common.errors import Conflict
from blockdesk.events.models import Event
from blockdesk.trust import services
from tests.support.event_log import (
    assert_rolled_back_change_writes_nothing,
    events_after,
    last_event_id,
    only_event,
)

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_changes_and_removes_a_channel(account, admin_user) -> None:
    event, channel = only_event(
        lambda: services.do_create_official_channel(
            account_id=account.pk,
            actor=admin_user,
            kind="domain",
            value="https://Example-Exchange.com/login",
            include_subdomains=True,
            since=dt.date(2024, 1, 2),
        ),
        "official_channel.added",
    )
    assert event.payload == {
        "channel": {
            "id": channel.pk,
            "kind": "domain",
            "value": "example-exchange.com",
            "label": "",
            "include_subdomains": True,
            "chain": "",
            "since": "2024-01-02",
        }
    }
    assert (event.actor_kind, event.actor_id) == ("agent", admin_user.pk)
    assert (event.subject_type, event.subject_id) == ("official_channel", channel.pk)
    assert event.account_id == account.pk

    event, _ = only_event(
        lambda: services.do_update_official_channel(
            channel=channel, actor=admin_user, value="example-exchange.net", label="Main site"
        ),
        "official_channel.changed",
    )
    assert event.payload["changed"] == ["value", "label"]
    assert event.payload["old_value"] == "example-exchange.com"
    assert event.payload["channel"]["value"] == "example-exchange.net"

    before = last_event_id()
    services.do_update_official_channel(channel=channel, actor=admin_user, label="Main site")
    assert events_after(before) == []  # nothing changed

    event, _ = only_event(
        lambda: services.do_delete_official_channel(channel=channel, actor=admin_user),
        "official_channel.removed",
    )
    assert event.payload["channel"]["value"] == "example-exchange.net"
    assert event.subject_id == event.payload["channel"]["id"]


def test_a_duplicate_or_rolled_back_channel_writes_nothing(account, admin_user) -> None:
    def add() -> object:
        return services.do_create_official_channel(
            account_id=account.pk, actor=admin_user, kind="telegram", value="@Example_Bot"
        )

    assert_rolled_back_change_writes_nothing(add)
    add()
    before = last_event_id()
    with pytest.raises(Conflict):
        add()
    assert events_after(before) == []


def test_api_token_changes_name_the_token(client, admin_user) -> None:
    token, plain = do_create_api_token(
        actor=admin_user, name="ops", scopes=["trust:read", "trust:write"]
    )
    headers = {"Authorization": f"Bearer {plain}"}
    before = last_event_id()
    created = client.post(
        "/api/v1/trust/channels",
        json.dumps({"kind": "x", "value": "https://x.com/ExampleExchange"}),
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    patched = client.patch(
        f"/api/v1/trust/channels/{cid}",
        json.dumps({"label": "News"}),
        content_type="application/json",
        headers=headers,
    )
    assert patched.status_code == 200
    assert client.delete(f"/api/v1/trust/channels/{cid}", headers=headers).status_code == 204
    events: list[Event] = events_after(before)
    assert [e.name for e in events] == [
        "official_channel.added",
        "official_channel.changed",
        "official_channel.removed",
    ]
    assert {(e.actor_kind, e.actor_id) for e in events} == {("api_token", token.pk)}
    assert plain not in str([e.payload for e in events])
