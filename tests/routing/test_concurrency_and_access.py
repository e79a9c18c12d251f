"""Two workers assigning at once never pass an agent's capacity (PostgreSQL, row locks);
who may change routing: pages, the presence toggle, the REST API, the widget endpoint."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from blockdesk.accounts.models import ApiToken
from blockdesk.conversations.models import Conversation
from blockdesk.routing.models import AgentRouting, InboxRouting
from blockdesk.routing.services import do_route
from tests.conftest import only_in_postgresql_pass

from .support import make_agent, new_case, routed_inbox


@pytest.mark.django_db(transaction=True)
def test_two_workers_do_not_assign_past_capacity(account):
    only_in_postgresql_pass()
    a = make_agent(account, "ann", capacity=3)
    channel = routed_inbox(account, [a])
    InboxRouting.objects.filter(inbox=channel.inbox).update(mode="off")  # no consumer runs
    cases = [new_case(channel, f"c{i}") for i in range(8)]
    InboxRouting.objects.filter(inbox=channel.inbox).update(mode="balanced")
    barrier = threading.Barrier(len(cases))
    errors: list[BaseException] = []

    def work(conversation_id: int) -> None:
        try:
            barrier.wait()
            do_route(conversation_id=conversation_id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work, args=(c.pk,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Conversation.objects.filter(assignee=a, status="open").count() == 3
    connection.close()


@pytest.mark.django_db
def test_settings_pages_are_for_admins(account, admin_user, agent, channel):
    admin, plain = Client(), Client()
    admin.force_login(admin_user)
    plain.force_login(agent)
    assert admin.get("/app/settings/routing/").status_code == 200
    assert plain.get("/app/settings/routing/").status_code in (302, 403, 404)
    r = plain.post(f"/app/settings/routing/agents/{agent.pk}/", {"capacity": 99})
    assert r.status_code in (302, 403, 404)
    assert not AgentRouting.objects.filter(pk=agent.pk, capacity=99).exists()
    r = admin.post(
        f"/app/settings/routing/agents/{agent.pk}/",
        {
            "capacity": 7,
            "languages": "en, zh-Hans",
            "chains": "tron",
            "topics": "",
            "channel_capacity": '{"email": 2}',
        },
    )
    assert r.status_code == 302
    row = AgentRouting.objects.get(pk=agent.pk)
    assert (row.capacity, row.languages, row.chains, row.channel_capacity) == (
        7,
        ["en", "zh"],
        ["tron"],
        {"email": 2},
    )
    r = admin.post(
        f"/app/settings/routing/inboxes/{channel.inbox_id}/",
        {"mode": "round_robin", "silence_minutes": 10, "handle_minutes": 8},
    )
    assert r.status_code == 302
    assert InboxRouting.objects.get(inbox=channel.inbox).mode == "round_robin"


@pytest.mark.django_db
def test_other_accounts_objects_are_not_found(account, other_account, admin_user):
    from blockdesk.accounts.services import do_create_agent
    from blockdesk.connectors.services import do_create_web_widget_inbox

    stranger = do_create_agent(
        account=other_account, username="zed", email="z@example.com", password="pw-12345678"
    )
    foreign = do_create_web_widget_inbox(account=other_account, name="Theirs", members=[stranger])
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get(f"/app/settings/routing/agents/{stranger.pk}/").status_code == 404
    assert (
        admin.post(
            f"/app/settings/routing/inboxes/{foreign.inbox_id}/",
            {"mode": "balanced", "silence_minutes": 0, "handle_minutes": 5},
        ).status_code
        == 404
    )
    assert not InboxRouting.objects.filter(inbox=foreign.inbox).exists()


@pytest.mark.django_db
def test_presence_toggle_sets_only_ones_own(account, agent):
    client = Client(enforce_csrf_checks=False)
    client.force_login(agent)
    r = client.post("/app/presence/", {"presence": "away", "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/app/"
    assert AgentRouting.objects.get(pk=agent.pk).presence == "away"
    assert Client().post("/app/presence/", {"presence": "online"}).status_code in (302, 401, 403)


def _token(admin, scopes: list[str]) -> str:
    from blockdesk.accounts.services import do_create_api_token

    _, plain = do_create_api_token(actor=admin, name="t", scopes=scopes)
    return plain


@pytest.mark.django_db
def test_rest_reads_and_writes_need_their_scopes(account, admin_user, agent, channel):
    read = _token(admin_user, [ApiToken.Scope.ROUTING_READ.value])
    write = _token(admin_user, [ApiToken.Scope.ROUTING_WRITE.value])
    # The scopes routing used before it had its own no longer reach it (docs/routing.md).
    old = _token(
        admin_user,
        [
            ApiToken.Scope.AGENTS_READ.value,
            ApiToken.Scope.INBOXES_READ.value,
            ApiToken.Scope.CONVERSATIONS_WRITE.value,
        ],
    )
    client = Client()
    for path in ("/api/v1/routing/agents", f"/api/v1/routing/inboxes/{channel.inbox_id}"):
        r = client.get(path, HTTP_AUTHORIZATION=f"Bearer {old}")
        assert r.status_code == 403 and r.json()["error"]["code"] == "missing_scope"
    r = client.put(
        f"/api/v1/routing/agents/{agent.pk}/presence",
        {"presence": "online"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {old}",
    )
    assert r.status_code == 403
    r = client.get(
        f"/api/v1/routing/inboxes/{channel.inbox_id}", HTTP_AUTHORIZATION=f"Bearer {read}"
    )
    assert r.status_code == 200
    r = client.get("/api/v1/routing/agents", HTTP_AUTHORIZATION=f"Bearer {read}")
    assert r.status_code == 200 and {a["agent_id"] for a in r.json()} >= {agent.pk}
    body = {"capacity": 4, "languages": ["en"], "chains": [], "topics": [], "channel_capacity": {}}
    r = client.put(
        f"/api/v1/routing/agents/{agent.pk}",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {read}",
    )
    assert r.status_code == 403
    r = client.put(
        f"/api/v1/routing/agents/{agent.pk}",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {write}",
    )
    assert r.status_code == 200 and r.json()["capacity"] == 4
    r = client.put(
        f"/api/v1/routing/inboxes/{channel.inbox_id}",
        {"mode": "balanced", "silence_minutes": 5},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {write}",
    )
    assert r.status_code == 200 and r.json()["mode"] == "balanced"
    r = client.put(
        f"/api/v1/routing/agents/{agent.pk}/presence",
        {"presence": "online"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {write}",
    )
    assert r.json()["presence"] == "online"


@pytest.mark.django_db
def test_console_shows_the_presence_toggle_and_loads_the_heartbeat(account, agent, channel):
    client = Client()
    client.force_login(agent)
    html = client.get("/app/").content.decode()
    assert 'name="presence"' in html and 'action="/app/presence/"' in html
    assert "routing/presence.js" in html
