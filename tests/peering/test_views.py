"""The console pages (administrators only) and the REST scopes."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.kb.models import Article
from blockdesk.peering import signing
from blockdesk.peering.models import ReceivedItem, Subscription

BASE = "/app/settings/shared-knowledge/"


def test_an_administrator_publishes_shares_and_sees_the_public_key(
    client: Client, publisher_admin: User
) -> None:
    client.force_login(publisher_admin)
    page = client.get(BASE)
    assert page.status_code == 200
    assert b'data-testid="public-key"' in page.content
    client.post(BASE + "settings/", {"enabled": "on", "title": "Ours", "share_scams": "on"})
    article_id = Article.objects.get(account_id=publisher_admin.account_pk).pk
    client.post(BASE + "articles/", {"article": [str(article_id)]})
    shown = client.get(BASE).content.decode()
    assert "Ours" in shown and f'value="{article_id}" id="pa-{article_id}" checked' in shown
    for tab in ("scams/", "subscriptions/", "review/"):
        assert client.get(BASE + tab).status_code == 200
    assert "evil-exchange.example" in client.get(BASE + "scams/").content.decode()


def test_agents_are_kept_out(client: Client, subscriber_admin: User) -> None:
    agent = do_create_agent(
        account=Account.objects.get(pk=subscriber_admin.account_pk),
        username="agent2",
        email="agent2@example.com",
        password="correct-horse-battery-staple-9",
    )
    client.force_login(agent)
    assert client.get(BASE).status_code in (302, 403)
    response = client.post(
        BASE + "subscriptions/",
        {"name": "x", "url": "https://peer.example/f", "public_key": "k"},
    )
    assert response.status_code in (302, 403)
    assert not Subscription.objects.exists()


def test_following_a_feed_and_reviewing_escapes_what_the_peer_wrote(
    client: Client, subscriber_admin: User, feed_server: Any
) -> None:
    url, _responder = feed_server
    client.force_login(subscriber_admin)
    _private, public = signing.new_key_pair()
    client.post(BASE + "subscriptions/", {"name": "Peer <b>", "url": url, "public_key": public})
    sub = Subscription.objects.get()
    hostile = "<script>alert(1)</script>"
    ReceivedItem.objects.create(
        subscription=sub,
        account=sub.account,
        item_type="kb.article",
        item_key="x",
        version=1,
        body={
            "key": "x",
            "category": "c",
            "translations": {"en": {"title": hostile, "body": hostile}},
        },
        signature="s",
        received_at=timezone.now(),
    )
    page = client.get(BASE + "review/").content.decode()
    assert hostile not in page and "&lt;script&gt;" in page
    item = ReceivedItem.objects.get()
    client.post(BASE + f"review/{item.pk}/reject/")
    item.refresh_from_db()
    assert item.state == "rejected"


def test_the_api_wants_the_peering_scopes(client: Client, subscriber_admin: User) -> None:
    _row, without = do_create_api_token(actor=subscriber_admin, name="t", scopes=["trust:read"])
    _row, with_scope = do_create_api_token(
        actor=subscriber_admin, name="p", scopes=["peering:read"]
    )
    denied = client.get("/api/v1/peering/subscriptions", HTTP_AUTHORIZATION=f"Bearer {without}")
    assert denied.status_code == 403
    allowed = client.get("/api/v1/peering/publisher", HTTP_AUTHORIZATION=f"Bearer {with_scope}")
    assert allowed.status_code == 200 and len(allowed.json()["key_id"]) == 16
    write = client.post(
        "/api/v1/peering/publisher/rotate-key", HTTP_AUTHORIZATION=f"Bearer {with_scope}"
    )
    assert write.status_code == 403
