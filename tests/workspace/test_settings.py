"""Settings pages: administrators only (except an agent's own profile), every write through
the services, errors shown on the form."""

from __future__ import annotations

import pyotp
import pytest
from django.conf import settings as django_settings
from django.test import Client

from blockdesk.accounts import services as account_services
from blockdesk.accounts.models import Account, Team, User
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations.models import CannedReply, Inbox, Tag
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/app/settings/agents/",
    "/app/settings/agents/new/",
    "/app/settings/teams/",
    "/app/settings/inboxes/",
    "/app/settings/inboxes/new/",
    "/app/settings/canned-replies/",
    "/app/settings/tags/",
    "/app/settings/security/",
]


def test_agents_cannot_reach_admin_settings(agent_client, agent, admin_user, channel, account):
    team = Team.objects.create(account=account, name="T")
    reply = CannedReply.objects.create(account=account, shortcut="hi", content="Hi")
    tag = Tag.objects.create(account=account, name="vip")
    pages = [
        *ADMIN_PAGES,
        f"/app/settings/agents/{admin_user.pk}/",
        f"/app/settings/teams/{team.pk}/",
        f"/app/settings/inboxes/{channel.inbox_id}/",
        f"/app/settings/canned-replies/{reply.pk}/",
        f"/app/settings/tags/{tag.pk}/",
    ]
    for page in pages:
        assert agent_client.get(page).status_code == 403, page
    # Forged posts change nothing.
    assert (
        agent_client.post("/app/settings/security/", {"require_two_factor": "on"}).status_code
        == 403
    )
    assert agent_client.post(f"/app/settings/tags/{tag.pk}/delete/").status_code == 403
    assert (
        agent_client.post(
            f"/app/settings/agents/{agent.pk}/", {"role": "admin", "is_active": "on"}
        ).status_code
        == 403
    )
    agent.refresh_from_db()
    account.refresh_from_db()
    assert agent.role == User.Role.AGENT and not account.require_two_factor
    assert Tag.objects.filter(pk=tag.pk).exists()
    # Their own profile is theirs.
    assert agent_client.get("/app/settings/profile/").status_code == 200
    assert agent_client.get("/app/settings/").url == "/app/settings/profile/"
    # And the settings link is not shown to them.
    assert 'href="/app/settings/"' not in agent_client.get("/app/").content.decode()


def test_admin_sees_every_settings_page(admin_client, channel):
    for page in [
        *ADMIN_PAGES,
        f"/app/settings/inboxes/{channel.inbox_id}/",
        "/app/settings/profile/",
    ]:
        assert admin_client.get(page).status_code == 200, page
    html = admin_client.get("/app/settings/agents/").content.decode()
    assert 'href="/app/settings/webhooks/"' in html and 'href="/app/settings/api-tokens/"' in html


def test_profile_update_sets_language(agent_client, agent):
    response = agent_client.post(
        "/app/settings/profile/", {"display_name": "Alice A.", "preferred_language": "zh-hans"}
    )
    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    agent.refresh_from_db()
    assert agent.display_name == "Alice A." and agent.preferred_language == "zh-hans"
    bad = agent_client.post("/app/settings/profile/", {"preferred_language": "xx"})
    assert bad.status_code == 200
    agent.refresh_from_db()
    assert agent.preferred_language == "zh-hans"


def test_create_and_edit_agents(admin_client, admin_user, account):
    response = admin_client.post(
        "/app/settings/agents/new/",
        {
            "username": "zoe",
            "email": "zoe@example.com",
            "display_name": "Zoe",
            "role": "agent",
            "password": "another-long-pass-42",
        },
    )
    assert response.status_code == 302
    zoe = User.objects.get(username="zoe")
    assert zoe.account_id == account.pk and zoe.check_password("another-long-pass-42")

    weak = admin_client.post(
        "/app/settings/agents/new/",
        {"username": "yan", "email": "yan@example.com", "role": "agent", "password": "123"},
    )
    assert weak.status_code == 200 and "errorlist" in weak.content.decode()
    assert not User.objects.filter(username="yan").exists()

    admin_client.post(f"/app/settings/agents/{zoe.pk}/", {"display_name": "Zoe Z", "role": "admin"})
    zoe.refresh_from_db()
    assert zoe.role == "admin" and zoe.display_name == "Zoe Z" and not zoe.is_active

    self_demote = admin_client.post(
        f"/app/settings/agents/{admin_user.pk}/", {"role": "agent", "is_active": "on"}
    )
    assert "You cannot demote or deactivate yourself." in self_demote.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == "admin"


def test_other_accounts_objects_are_not_found(admin_client):
    other = Account.objects.create(name="Other")
    stranger = account_services.do_create_agent(
        account=other, username="eve", email="eve@example.com", password=PASSWORD
    )
    team = Team.objects.create(account=other, name="Theirs")
    tag = Tag.objects.create(account=other, name="theirs")
    assert admin_client.get(f"/app/settings/agents/{stranger.pk}/").status_code == 404
    assert admin_client.get(f"/app/settings/teams/{team.pk}/").status_code == 404
    assert admin_client.post(f"/app/settings/tags/{tag.pk}/delete/").status_code == 404
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_teams_crud(admin_client, agent, outsider):
    admin_client.post("/app/settings/teams/", {"name": "Tier 1", "members": [agent.pk]})
    team = Team.objects.get(name="Tier 1")
    assert list(team.members.all()) == [agent]
    duplicate = admin_client.post("/app/settings/teams/", {"name": "Tier 1"})
    assert "errorlist" in duplicate.content.decode()
    assert Team.objects.filter(name="Tier 1").count() == 1

    admin_client.post(
        f"/app/settings/teams/{team.pk}/", {"name": "Tier one", "members": [outsider.pk]}
    )
    team.refresh_from_db()
    assert team.name == "Tier one" and list(team.members.all()) == [outsider]
    admin_client.post(f"/app/settings/teams/{team.pk}/delete/")
    assert not Team.objects.filter(pk=team.pk).exists()


def test_inbox_create_edit_and_snippet(admin_client, agent, account):
    response = admin_client.post(
        "/app/settings/inboxes/new/",
        {"name": "Docs site", "website_url": "https://docs.example.com", "members": [agent.pk]},
    )
    inbox = Inbox.objects.get(name="Docs site")
    assert response["Location"] == f"/app/settings/inboxes/{inbox.pk}/"
    channel = WebWidgetChannel.objects.get(inbox=inbox)
    assert list(inbox.members.all()) == [agent]

    html = admin_client.get(response["Location"]).content.decode()
    # The embed snippet is shown as text to copy, never run on this page.
    assert f"data-blockdesk-inbox=&quot;{channel.public_token}&quot;" in html
    assert '<script src="http' not in html

    bad = admin_client.post(
        f"/app/settings/inboxes/{inbox.pk}/",
        {"name": "Docs", "color": "#123456", "allowed_origins": "javascript:alert(1)"},
    )
    assert bad.status_code == 200 and "is not an origin" in bad.content.decode()
    admin_client.post(
        f"/app/settings/inboxes/{inbox.pk}/",
        {
            "name": "Docs",
            "website_url": "https://docs.example.com",
            "welcome_title": "Hello",
            "welcome_tagline": "We reply fast",
            "color": "#AA3300",
            "allowed_origins": "https://docs.example.com/\nhttps://example.com",
            "members": [],
        },
    )
    channel.refresh_from_db()
    inbox.refresh_from_db()
    assert inbox.name == "Docs" and channel.welcome_title == "Hello"
    assert channel.color == "#aa3300"
    assert channel.allowed_origins.split() == ["https://docs.example.com", "https://example.com"]
    assert inbox.members.count() == 0


def test_canned_replies_crud_with_unique_shortcut(admin_client, account):
    admin_client.post("/app/settings/canned-replies/", {"shortcut": "/Greeting", "content": "Hi!"})
    reply = CannedReply.objects.get(account=account)
    assert reply.shortcut == "greeting"
    dup = admin_client.post(
        "/app/settings/canned-replies/", {"shortcut": "greeting", "content": "x"}
    )
    assert "exists already" in dup.content.decode()
    assert CannedReply.objects.count() == 1
    bad = admin_client.post(
        "/app/settings/canned-replies/", {"shortcut": "two words", "content": "x"}
    )
    assert bad.status_code == 200 and CannedReply.objects.count() == 1

    admin_client.post(
        f"/app/settings/canned-replies/{reply.pk}/", {"shortcut": "hello", "content": "Hello!"}
    )
    reply.refresh_from_db()
    assert (reply.shortcut, reply.content) == ("hello", "Hello!")
    admin_client.post(f"/app/settings/canned-replies/{reply.pk}/delete/")
    assert not CannedReply.objects.exists()


def test_tags_crud(admin_client, account):
    admin_client.post("/app/settings/tags/", {"name": "VIP"})
    tag = Tag.objects.get(account=account)
    assert tag.name == "vip"
    dup = admin_client.post("/app/settings/tags/", {"name": "vip"})
    assert "exists already" in dup.content.decode()
    admin_client.post(f"/app/settings/tags/{tag.pk}/", {"name": "whale"})
    tag.refresh_from_db()
    assert tag.name == "whale"
    admin_client.post(f"/app/settings/tags/{tag.pk}/delete/")
    assert not Tag.objects.exists()


# --- two-factor -------------------------------------------------------------------


def _login(client: Client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_require_two_factor_flow(admin_client, agent, account):
    response = admin_client.post("/app/settings/security/", {"require_two_factor": "on"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.require_two_factor

    client = Client()
    _login(client, agent.username)
    # Without an authenticator, the console sends the agent to set one up.
    response = client.get("/app/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/setup/"
    assert client.get("/app/settings/profile/")["Location"] == "/accounts/two-factor/setup/"
    setup = client.get("/accounts/two-factor/setup/")
    html = setup.content.decode()
    secret = agent.totp.secret
    assert secret in html
    try:
        import segno  # noqa: F401
    except ImportError:
        pass
    else:
        assert "<svg" in html  # the QR code, drawn on the server

    totp = pyotp.TOTP(secret)
    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert wrong.status_code == 200
    # The previous step's code (allowed drift) enrols; the current one stays for login.
    previous = totp.at(int(__import__("time").time()) - totp.interval)
    response = client.post("/accounts/two-factor/setup/", {"code": previous})
    assert response.status_code == 302
    assert client.get("/app/").status_code == 200

    # A fresh login with an authenticator must pass the code check first.
    fresh = Client()
    response = fresh.post("/accounts/login/", {"username": agent.username, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/two-factor/")
    assert fresh.get("/app/")["Location"] == "/accounts/two-factor/"
    response = fresh.post("/accounts/two-factor/?next=/app/", {"code": totp.now(), "next": "/app/"})
    assert response.status_code == 302 and response["Location"] == "/app/"
    assert fresh.get("/app/").status_code == 200


def test_security_page_lists_agents_without_two_factor(admin_client, agent):
    html = admin_client.get("/app/settings/security/").content.decode()
    assert agent.public_name in html
    admin_client.post("/app/settings/security/", {})
    assert not Account.objects.get(pk=agent.account_id).require_two_factor
