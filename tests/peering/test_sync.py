"""Publishing and following in one database (two accounts) over real HTTP on loopback:
review, import, sync, deletions, trusted scam intelligence, and hostile feeds. The
two-installation run is test_two_servers.py."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import Client

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import ValidationFailed
from blockdesk.events.models import Event
from blockdesk.kb import services as kb_services
from blockdesk.kb.models import Article, ArticleTranslation
from blockdesk.peering import publishing, signing, subscribing
from blockdesk.peering.feedclient import FetchError, fetch_page
from blockdesk.peering.models import Publisher, ReceivedItem, Subscription
from blockdesk.trust import presenters, scam_services
from blockdesk.trust import selectors as trust_selectors
from blockdesk.trust.models import ReportedScam

State = ReceivedItem.State


def _publish(admin: User) -> Publisher:
    publisher = publishing.do_configure_publisher(
        actor=admin, enabled=True, title="Publisher feed", share_scams=True
    )
    article = Article.objects.get(account_id=admin.account_pk, key="avoid-phishing")
    publishing.do_share_articles(actor=admin, article_ids=[article.pk])
    publisher.refresh_from_db()
    return publisher


def _serve(responder: Any, publisher: Publisher, since: int, mutate: Any = None) -> dict:
    publisher.refresh_from_db()
    page = publishing.feed_page(publisher, since=since, limit=100)
    if mutate is not None:
        page = copy.deepcopy(page)
        mutate(page)
    responder.status = 200
    responder.body = json.dumps(page).encode()
    responder.headers = {"ETag": publishing.feed_etag(publisher, since=since, limit=100)}
    return page


def _follow(admin: User, url: str, publisher: Publisher, *, trusted: bool = False) -> Subscription:
    key = publishing.active_key(publisher)
    return subscribing.do_subscribe(
        actor=admin, name="Publisher Exchange", url=url, public_key=key.public_key, trusted=trusted
    )


def _sync(sub: Subscription) -> Subscription:
    subscribing.sync_subscription(sub)
    sub.refresh_from_db()
    return sub


def _edit_and_pull(
    admin: User, publisher: Publisher, responder: Any, sub: Subscription, title: str, body: str
) -> Subscription:
    """The publisher edits its article; the follower pulls the change."""
    source_tr = ArticleTranslation.objects.get(
        account_id=admin.account_pk, article__key="avoid-phishing"
    )
    kb_services.do_save_translation(
        actor=admin,
        article=source_tr.article,
        language="en",
        data=kb_services.TranslationInput(title=title, body=body),
    )
    publishing.do_refresh_feed(publisher=publisher)
    _serve(responder, publisher, since=sub.cursor)
    return _sync(sub)


def _stranger(admin: User, url: str) -> Subscription:
    """Following a feed under a key nobody signs with (the page decides the outcome)."""
    _private, public = signing.new_key_pair()
    return subscribing.do_subscribe(actor=admin, name="P", url=url, public_key=public)


def _item(sub: Subscription, item_type: str) -> ReceivedItem:
    return ReceivedItem.objects.get(subscription=sub, item_type=item_type)


def test_items_arrive_for_review_are_imported_kept_in_sync_and_deleted(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _follow(subscriber_admin, url, publisher)
    _serve(responder, publisher, since=0)
    sub = _sync(sub)
    assert sub.status == "active" and sub.cursor == publisher.last_seq
    article_item = _item(sub, "kb.article")
    scam_item = _item(sub, "trust.scam")
    assert article_item.state == State.PENDING and scam_item.state == State.PENDING
    # Not trusted: a peer's scam report waits for review, the check does not know it yet.
    assert not ReportedScam.objects.filter(account_id=subscriber_admin.account_pk).exists()

    subscribing.do_accept(actor=subscriber_admin, item=article_item)
    article_item.refresh_from_db()
    local = article_item.local_article
    assert local is not None and local.account_id == subscriber_admin.account_pk
    tr = ArticleTranslation.objects.get(article=local, language="en")
    assert tr.status == "draft"  # imported as a draft
    assert tr.title == "How to avoid phishing"
    assert "Shared by Publisher Exchange." in tr.body and "avoid-phishing" in tr.body

    # The source edits the article: the change arrives for review and updates the copy.
    sub = _edit_and_pull(
        publisher_admin, publisher, responder, sub, "How to avoid phishing (2026)", "New text."
    )
    article_item.refresh_from_db()
    assert article_item.state == State.PENDING and article_item.version == 2
    subscribing.do_accept(actor=subscriber_admin, item=article_item)
    tr.refresh_from_db()
    assert tr.title == "How to avoid phishing (2026)" and tr.body.startswith("New text.")
    assert Article.objects.filter(account_id=subscriber_admin.account_pk).count() == 1

    # The source stops sharing it: the deletion is offered, and honoured on accept.
    publishing.do_share_articles(actor=publisher_admin, article_ids=[])
    _serve(responder, publisher, since=sub.cursor)
    sub = _sync(sub)
    article_item.refresh_from_db()
    assert article_item.deleted and article_item.state == State.PENDING
    subscribing.do_accept(actor=subscriber_admin, item=article_item)
    assert not Article.objects.filter(pk=local.pk).exists()
    names = set(Event.objects.values_list("name", flat=True))
    assert {"peering.feed_published", "peering.item_received", "peering.item_imported"} <= names


def test_a_trusted_peers_scams_feed_the_check_with_their_source(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _follow(subscriber_admin, url, publisher, trusted=True)
    _serve(responder, publisher, since=0)
    sub = _sync(sub)
    assert _item(sub, "trust.scam").state == State.ACCEPTED
    account_id = subscriber_admin.account_pk
    result = trust_selectors.check_value(
        account_id=account_id, value="https://login.evil-exchange.example/"
    )
    assert result.verdict == "no" and result.reported is not None
    shown = presenters.result_dict(result)
    assert shown["reported"]["source"] == "Publisher Exchange" and shown["reported"]["from_peer"]
    assert "Publisher Exchange" in shown["explanation"]
    hit = trust_selectors.find_reported_scam(account_id=account_id, value="evil-exchange.example")
    assert hit is not None and hit.source == "Publisher Exchange"

    # Withdrawn at the source: gone here too, without review.
    own = ReportedScam.objects.get(account_id=publisher_admin.account_pk)
    scam_services.do_withdraw_scam(scam=own, actor=publisher_admin)
    publishing.do_refresh_feed(publisher=publisher)
    _serve(responder, publisher, since=sub.cursor)
    _sync(sub)
    assert not ReportedScam.objects.filter(account_id=account_id).exists()
    result = trust_selectors.check_value(account_id=account_id, value="evil-exchange.example")
    assert result.verdict == "unknown"


def test_distrusting_a_peer_removes_its_reports(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _follow(subscriber_admin, url, publisher)
    _serve(responder, publisher, since=0)
    sub = _sync(sub)
    subscribing.do_set_trusted(actor=subscriber_admin, subscription=sub, trusted=True)
    assert ReportedScam.objects.filter(account_id=subscriber_admin.account_pk).count() == 1
    subscribing.do_set_trusted(actor=subscriber_admin, subscription=sub, trusted=False)
    assert not ReportedScam.objects.filter(account_id=subscriber_admin.account_pk).exists()


def _assert_paused_and_nothing_kept(sub: Subscription, reason: str) -> None:
    sub.refresh_from_db()
    assert sub.status == "paused", sub.last_error
    assert reason in sub.pause_reason
    assert sub.cursor == 0
    assert not ReceivedItem.objects.filter(subscription=sub).exists()
    assert Event.objects.filter(name="peering.subscription_paused", subject_id=sub.pk).exists()


def test_a_tampered_item_pauses_the_feed_and_nothing_of_the_page_is_applied(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _follow(subscriber_admin, url, publisher, trusted=True)

    def tamper(page: dict) -> None:
        # The second item is changed after signing (the first one is genuine).
        page["items"][-1]["body"]["note"] = "Send your seed phrase to verify"

    _serve(responder, publisher, since=0, mutate=tamper)
    _assert_paused_and_nothing_kept(_sync(sub), "bad signature")
    assert not ReportedScam.objects.filter(account_id=subscriber_admin.account_pk).exists()
    # A paused feed is not fetched again until an administrator resumes it.
    before = len(responder.requests)
    _sync(sub)
    assert len(responder.requests) == before


def test_a_feed_signed_with_another_key_is_refused(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _stranger(subscriber_admin, url)
    _serve(responder, publisher, since=0)
    _assert_paused_and_nothing_kept(_sync(sub), "signing key changed")


def test_a_rotated_key_is_followed_through_its_endorsement(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _follow(subscriber_admin, url, publisher)
    old_key = sub.key_id
    new = publishing.do_rotate_key(actor=publisher_admin)
    _serve(responder, publisher, since=0)
    sub = _sync(sub)
    assert sub.status == "active" and sub.key_id == new.key_id != old_key
    assert ReceivedItem.objects.filter(subscription=sub).count() == 2


def test_replayed_pages_and_old_versions_are_refused(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _follow(subscriber_admin, url, publisher)
    first_page = _serve(responder, publisher, since=0)
    sub = _sync(sub)
    old_item = next(i for i in first_page["items"] if i["type"] == "kb.article")
    sub = _edit_and_pull(publisher_admin, publisher, responder, sub, "Updated title", "v2")
    item = _item(sub, "kb.article")
    assert item.version == 2

    # An old signed version, moved after the cursor (seq is not signed): ignored.
    def replay(page: dict) -> None:
        page["items"] = [{**old_item, "seq": sub.cursor + 1}]
        page["next"] = sub.cursor + 1

    _serve(responder, publisher, since=sub.cursor, mutate=replay)
    sub = _sync(sub)
    item.refresh_from_db()
    assert sub.status == "active" and item.version == 2 and item.body is not None
    assert item.body["translations"]["en"]["title"] == "Updated title"

    # The whole first page served again: it does not start at our cursor.
    responder.body = json.dumps(first_page).encode()
    sub = _sync(sub)
    assert sub.status == "paused" and "does not start where we asked" in sub.pause_reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>not json</html>", "not valid JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b'{"format": "blockdesk-peering", "version": 99}', "unsupported feed version"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_malformed_pages_pause_the_feed(
    subscriber_admin: User, feed_server: Any, body: bytes, reason: str
) -> None:
    url, responder = feed_server
    sub = _stranger(subscriber_admin, url)
    responder.body = body
    _assert_paused_and_nothing_kept(_sync(sub), reason)


def test_a_huge_page_is_cut_off_and_pauses_the_feed(
    subscriber_admin: User, feed_server: Any, settings: Any
) -> None:
    settings.PEERING_MAX_PAGE_BYTES = 64 * 1024
    url, responder = feed_server
    sub = _stranger(subscriber_admin, url)
    responder.body = b'{"items": ["' + b"x" * (200 * 1024) + b'"]}'
    _assert_paused_and_nothing_kept(_sync(sub), "too large")


def test_a_server_error_is_retried_later_not_a_pause(
    subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    sub = _stranger(subscriber_admin, url)
    responder.status, responder.body = 502, b"Bad gateway"
    sub = _sync(sub)
    assert sub.status == "active" and sub.last_error == "HTTP 502"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8000/peering/feed/x/",
        "http://[::1]/feed",
        "http://10.0.0.5/feed",
        "http://2130706433/feed",
    ],
)
def test_internal_addresses_are_refused_unless_allowed(
    subscriber_admin: User, settings: Any, url: str
) -> None:
    settings.PEERING_ALLOW_PRIVATE_FEEDS = False
    _private, public = signing.new_key_pair()
    with pytest.raises(ValidationFailed) as caught:
        subscribing.do_subscribe(actor=subscriber_admin, name="P", url=url, public_key=public)
    assert "url" in caught.value.fields
    with pytest.raises(FetchError) as fetched:
        fetch_page(url, since=0, limit=10)
    assert not fetched.value.hostile


def test_a_loopback_feed_saved_while_allowed_is_not_fetched_once_disallowed(
    subscriber_admin: User, feed_server: Any, settings: Any
) -> None:
    url, responder = feed_server
    sub = _stranger(subscriber_admin, url)
    settings.PEERING_ALLOW_PRIVATE_FEEDS = False
    sub = _sync(sub)
    assert responder.requests == []
    assert "private or local" in sub.last_error


def test_the_feed_endpoint_pages_and_answers_304_to_its_etag(
    publisher_admin: User, client: Client
) -> None:
    publisher = _publish(publisher_admin)
    path = f"/peering/feed/{publisher.feed_id}/"
    first = client.get(path, {"since": 0, "limit": 1})
    assert first.status_code == 200
    page = first.json()
    assert page["has_more"] and len(page["items"]) == 1 and page["next"] == page["items"][0]["seq"]
    rest = client.get(path, {"since": page["next"], "limit": 10}).json()
    assert not rest["has_more"] and len(rest["items"]) == 1
    etag = first["ETag"]
    again = client.get(path, {"since": 0, "limit": 1}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert client.get(path, {"since": "abc"}).status_code == 422
    publishing.do_configure_publisher(
        actor=publisher_admin, enabled=False, title="", share_scams=True
    )
    assert client.get(path).status_code == 404


def test_only_administrators_share_or_follow(publisher_admin: User, subscriber_admin: User) -> None:
    from blockdesk.accounts.services import do_create_agent
    from blockdesk.common.errors import Forbidden

    agent = do_create_agent(
        account=Account.objects.get(pk=subscriber_admin.account_pk),
        username="plainagent",
        email="plain@example.com",
        password="correct-horse-battery-staple-9",
    )
    with pytest.raises(Forbidden):
        publishing.do_rotate_key(actor=agent)
    with pytest.raises(Forbidden):
        subscribing.do_subscribe(
            actor=agent, name="x", url="https://peer.example/f", public_key="x"
        )


def test_the_private_key_is_encrypted_at_rest(publisher_admin: User) -> None:
    from django.db import connection

    publisher = _publish(publisher_admin)
    key = publishing.active_key(publisher)
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM peering_signingkey WHERE id = %s", [key.pk])
        stored = cursor.fetchone()[0]
    assert stored != key.private_key and key.private_key not in stored


def _signed(publisher: Publisher, item: dict[str, Any], seq: int) -> dict[str, Any]:
    """An item signed with the publisher's real key (what a genuine feed could hold)."""
    key = publishing.active_key(publisher)
    message = signing.item_message(feed_id=str(publisher.feed_id), item=item)
    return {
        **item,
        "seq": seq,
        "key_id": key.key_id,
        "signature": signing.sign(key.private_key, message),
    }


def test_unknown_types_are_verified_then_skipped(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _follow(subscriber_admin, url, publisher)
    # A type a newer installation may publish ("forum.answer" is known since issue 15).
    future = {
        "type": "education.lesson",
        "id": "q-1",
        "version": 1,
        "deleted": False,
        "body": {"text": "A lesson"},
        "updated_at": "2026-12-04T20:00:00+00:00",
    }

    def add_future(page: dict) -> None:
        last = page["items"][-1]["seq"]
        page["items"].append(_signed(publisher, future, last + 1))
        page["next"] = last + 1

    _serve(responder, publisher, since=0, mutate=add_future)
    sub = _sync(sub)
    assert sub.status == "active" and sub.cursor == publisher.last_seq + 1
    assert set(ReceivedItem.objects.values_list("item_type", flat=True)) == {
        "kb.article",
        "trust.scam",
    }


def test_two_contents_signed_as_one_version_pause_the_feed(
    publisher_admin: User, subscriber_admin: User, feed_server: Any
) -> None:
    url, responder = feed_server
    publisher = _publish(publisher_admin)
    sub = _follow(subscriber_admin, url, publisher)
    first = _serve(responder, publisher, since=0)
    sub = _sync(sub)
    article = next(i for i in first["items"] if i["type"] == "kb.article")
    forked = {k: article[k] for k in ("type", "id", "version", "deleted", "updated_at")}
    forked["body"] = {**article["body"], "category": "other"}

    def fork(page: dict) -> None:
        page["items"] = [_signed(publisher, forked, sub.cursor + 1)]
        page["next"] = sub.cursor + 1

    _serve(responder, publisher, since=sub.cursor, mutate=fork)
    sub = _sync(sub)
    assert sub.status == "paused" and "same version" in sub.pause_reason
