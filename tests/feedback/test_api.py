"""The REST endpoints: scopes, account scoping, idempotent links, demand in the output."""

from __future__ import annotations

import pytest
from django.test import Client

from blockdesk.accounts.services import do_create_api_token
from blockdesk.conversations import services as conv_services
from blockdesk.feedback import services

pytestmark = pytest.mark.django_db(transaction=True)


def _auth(user, scopes):  # type: ignore[no-untyped-def]
    _token, plain = do_create_api_token(actor=user, name="t", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def test_list_link_and_scopes(account, other_account, admin_user, channel, contact):
    s = services.do_post_suggestion(account_id=account.pk, author=contact, title="Dark mode")
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="dark mode?"
    )
    client = Client()
    read = _auth(admin_user, ["conversations:read"])
    rows = client.get("/api/v1/suggestions", **read).json()
    assert [r["title"] for r in rows] == ["Dark mode"]
    # Read-only token cannot link.
    url = f"/api/v1/suggestions/{s.pk}/conversations"
    body = {"conversation_id": sent.message.conversation_id}
    response = client.post(url, body, content_type="application/json", **read)
    assert response.status_code == 403
    write = _auth(admin_user, ["conversations:read", "conversations:write"])
    for expected in (True, False):
        response = client.post(url, body, content_type="application/json", **write)
        assert response.status_code == 200
        assert response.json() == {"created": expected, "customers_asked": 1}
    assert client.get(f"/api/v1/suggestions/{s.pk}", **read).json()["customers_asked"] == 1
    # Another account's token sees nothing of it.
    from blockdesk.accounts.models import User
    from blockdesk.accounts.services import do_create_agent

    stranger = do_create_agent(
        account=other_account,
        username="eve",
        email="eve@example.com",
        password="x-pass-2026-ok",
        role=User.Role.ADMIN,
    )
    other = _auth(stranger, ["conversations:read", "conversations:write"])
    assert client.get(f"/api/v1/suggestions/{s.pk}", **other).status_code == 404
    assert client.post(url, body, content_type="application/json", **other).status_code == 404


def test_education_lists(account, admin_user):
    client = Client()
    auth = _auth(admin_user, ["contacts:read"])
    assert client.get("/api/v1/guides", **auth).json() == []
    assert client.get("/api/v1/sessions", **auth).status_code == 200
    assert client.get("/api/v1/guides").status_code == 401
