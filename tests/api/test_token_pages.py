"""Settings → API tokens: admins list, create (plain token shown once) and revoke."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from blockdesk.accounts.models import ApiToken
from blockdesk.accounts.services import do_create_api_token
from blockdesk.common.crypto import hash_token

pytestmark = pytest.mark.django_db

URL = "/app/settings/api-tokens/"


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_agents_and_anonymous_users_cannot_manage_tokens(agent, admin_user):
    token, _plain = do_create_api_token(actor=admin_user, name="CRM", scopes=["contacts:read"])
    assert Client().get(URL).status_code == 302  # to the login page
    client = Client()
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.post(URL + "new/", {"name": "x", "scopes": ["contacts:read"]}).status_code == 403
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not ApiToken.objects.filter(name="x").exists()


def test_create_shows_the_token_once_and_stores_only_its_hash(admin_client):
    response = admin_client.post(
        URL + "new/", {"name": "Zapier", "scopes": ["conversations:read", "contacts:read"]}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plain = re.search(r'data-testid="plain-token">([^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(name="Zapier")
    assert token.token_hash == hash_token(plain)
    assert token.scopes == ["contacts:read", "conversations:read"]
    # The list shows the prefix, never the token again.
    listing = admin_client.get(URL).content.decode()
    assert "Zapier" in listing and token.prefix in listing
    assert plain not in listing
    # And the token works.
    api = Client().get("/api/v1/conversations", headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 200


def test_create_validation(admin_client):
    response = admin_client.post(URL + "new/", {"name": "No scopes"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    response = admin_client.post(URL + "new/", {"name": "Bad", "scopes": ["root:all"]})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoke_needs_post_with_csrf_and_blocks_the_token(admin_user):
    token, plain = do_create_api_token(actor=admin_user, name="CRM", scopes=["inboxes:read"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    assert strict.get(f"{URL}{token.pk}/revoke/").status_code == 405
    assert strict.post(f"{URL}{token.pk}/revoke/").status_code == 403  # no CSRF token
    page = strict.get(URL)
    csrf = page.cookies["csrftoken"].value
    response = strict.post(f"{URL}{token.pk}/revoke/", {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = Client().get("/api/v1/inboxes", headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 401


def test_cannot_revoke_another_accounts_token(admin_client, other_account):
    from blockdesk.accounts.services import do_create_agent
    from tests.conftest import PASSWORD

    other_admin = do_create_agent(
        account=other_account,
        username="oa",
        email="oa@example.com",
        password=PASSWORD,
        role="admin",
    )
    token, _plain = do_create_api_token(actor=other_admin, name="Theirs", scopes=["inboxes:read"])
    assert admin_client.post(f"{URL}{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "Theirs" not in admin_client.get(URL).content.decode()


def test_token_pages_have_no_inline_styles_or_scripts(admin_client):
    response = admin_client.post(URL + "new/", {"name": "<i>x</i>", "scopes": ["agents:read"]})
    for html in (response.content.decode(), admin_client.get(URL).content.decode()):
        assert " style=" not in html and "onclick" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)
        assert "<i>x</i>" not in html  # escaped
