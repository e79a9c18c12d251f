"""Who may read and change the official channels: agents read, admins write, other
accounts see nothing (404), API tokens need trust:read / trust:write."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.trust import services
from blockdesk.trust.models import OfficialChannel

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db
LIST = "/app/settings/official-channels/"


def _login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def stranger(other_account: Account) -> User:
    return do_create_agent(
        account=other_account,
        username="mallory",
        email="m@example.net",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )


def test_admin_adds_edits_and_removes_a_channel(admin_user):
    client = _login(admin_user)
    response = client.post(
        LIST, {"kind": "domain", "value": "https://WWW.Example-Exchange.com/", "label": "Web"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = OfficialChannel.objects.get()
    assert (channel.value, channel.created_by) == ("example-exchange.com", admin_user)
    edit = client.post(
        f"{LIST}{channel.pk}/",
        {"kind": "email", "value": "example-exchange.com", "include_subdomains": "on"},
    )
    assert edit.status_code == 302
    channel.refresh_from_db()
    assert channel.kind == "domain"  # the kind cannot be changed by posting another
    assert channel.include_subdomains is True
    assert client.post(f"{LIST}{channel.pk}/delete/").status_code == 302
    assert not OfficialChannel.objects.exists()


def test_invalid_values_come_back_on_the_form(admin_user):
    client = _login(admin_user)
    response = client.post(LIST, {"kind": "address", "value": "0xnotanaddress"})
    assert response.status_code == 400
    assert "not a valid crypto address" in response.content.decode()
    assert not OfficialChannel.objects.exists()


def test_duplicates_are_refused(admin_user, registry):
    client = _login(admin_user)
    response = client.post(LIST, {"kind": "domain", "value": "EXAMPLE-EXCHANGE.COM."})
    assert response.status_code == 400
    assert "already in the list" in response.content.decode()


def test_agents_can_view_but_not_change(agent, registry):
    client = _login(agent)
    page = client.get(LIST)
    assert page.status_code == 200
    assert "example-exchange.com" in page.content.decode()
    assert "Add a channel" not in page.content.decode()
    channel = registry[0]
    assert client.post(LIST, {"kind": "domain", "value": "evil.io"}).status_code == 403
    assert client.post(f"{LIST}{channel.pk}/", {"value": "evil.io"}).status_code == 403
    assert client.post(f"{LIST}{channel.pk}/delete/").status_code == 403
    assert OfficialChannel.objects.count() == len(registry)
    assert not OfficialChannel.objects.filter(value="evil.io").exists()


def test_service_refuses_agents_too(agent, account):
    from blockdesk.common.errors import Forbidden

    with pytest.raises(Forbidden):
        services.do_create_official_channel(
            account_id=account.pk, actor=agent, kind="domain", value="evil.io"
        )


def test_other_accounts_get_404(stranger, registry):
    client = _login(stranger)
    channel = registry[0]
    assert client.get(f"{LIST}{channel.pk}/").status_code == 404
    assert client.post(f"{LIST}{channel.pk}/delete/").status_code == 404
    assert "example-exchange.com" not in client.get(LIST).content.decode()
    assert OfficialChannel.objects.filter(pk=channel.pk).exists()


def test_settings_navigation_links_the_page(agent):
    html = _login(agent).get("/app/settings/profile/").content.decode()
    assert LIST in html


def _api(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_crud_with_scopes(client, admin_user, account):
    _row, token = do_create_api_token(
        actor=admin_user, name="ops", scopes=["trust:read", "trust:write"]
    )
    created = client.post(
        "/api/v1/trust/channels",
        json.dumps({"kind": "telegram", "value": "https://t.me/Example_Bot", "label": "Bot"}),
        content_type="application/json",
        headers=_api(token),
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["value"], body["normalized"]) == ("@Example_Bot", "example_bot")
    cid = body["id"]
    listed = client.get("/api/v1/trust/channels", headers=_api(token)).json()
    assert [c["id"] for c in listed] == [cid]
    patched = client.patch(
        f"/api/v1/trust/channels/{cid}",
        json.dumps({"label": "Support bot"}),
        content_type="application/json",
        headers=_api(token),
    )
    assert patched.status_code == 200 and patched.json()["label"] == "Support bot"
    bad = client.post(
        "/api/v1/trust/channels",
        json.dumps({"kind": "phone", "value": "020 1234"}),
        content_type="application/json",
        headers=_api(token),
    )
    assert bad.status_code == 422 and "value" in bad.json()["error"]["fields"]
    gone = client.delete(f"/api/v1/trust/channels/{cid}", headers=_api(token))
    assert gone.status_code == 204
    assert client.get(f"/api/v1/trust/channels/{cid}", headers=_api(token)).status_code == 404


def test_api_needs_token_and_scope(client, admin_user, registry, stranger):
    assert client.get("/api/v1/trust/channels").status_code == 401
    _row, read_only = do_create_api_token(actor=admin_user, name="ro", scopes=["trust:read"])
    assert client.get("/api/v1/trust/channels", headers=_api(read_only)).status_code == 200
    denied = client.post(
        "/api/v1/trust/channels",
        json.dumps({"kind": "domain", "value": "evil.io"}),
        content_type="application/json",
        headers=_api(read_only),
    )
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "missing_scope"
    _row, foreign = do_create_api_token(actor=stranger, name="x", scopes=["trust:read"])
    assert client.get("/api/v1/trust/channels", headers=_api(foreign)).json() == []
    other = client.get(f"/api/v1/trust/channels/{registry[0].pk}", headers=_api(foreign))
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
