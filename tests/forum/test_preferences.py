"""Per-member email opt-out: the settings page, the one-click unsubscribe link (GET confirm,
POST acts, RFC 8058 headers, forged tokens), and the notification consumer honouring it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from blockdesk.accounts.models import Account
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import preferences, services
from blockdesk.forum.event_consumers import CONSUMER
from blockdesk.forum.models import Category, MemberPreferences
from tests.support.event_log import drain

from .conftest import ask, client_for, member

# The consumer reads committed events only (on PostgreSQL, once no older transaction runs).
pytestmark = pytest.mark.django_db(transaction=True)


def _unsubscribe_path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _answer_with_mention(category: Category, asker: CustomerAccount, friend_name: str) -> None:
    helper = member(asker.account, level=1)
    q = ask(asker, category)
    services.do_answer(question=q, body=f"@{friend_name} knows this one well.", author=helper)
    drain(CONSUMER)


def test_every_forum_email_carries_one_click_unsubscribe(
    account: Account, category: Category
) -> None:
    asker = member(account, name="Asker One")
    member(account, name="friendly.fox")
    _answer_with_mention(category, asker, "friendly.fox")
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        url = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert url.startswith("http") and "/community/unsubscribe/" in url
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert url in str(message.body)
        html = message.alternatives[0][0]
        assert url in str(html) and "/community/en/settings/" in str(html)


def test_the_link_asks_first_then_turns_off_that_kind_without_login(
    account: Account, category: Category
) -> None:
    asker = member(account)
    url = preferences.unsubscribe_url(member=asker, kind="answer")
    path = _unsubscribe_path(url)
    page = Client().get(path)  # a mail scanner following the link changes nothing
    assert page.status_code == 200 and b"<form" in page.content
    assert page["X-Robots-Tag"] == "noindex"
    assert preferences.wants_email(member=asker, kind="answer")
    # RFC 8058: the mail client POSTs without a session or CSRF token.
    client = Client(enforce_csrf_checks=True)
    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert not preferences.wants_email(member=asker, kind="answer")
    assert preferences.wants_email(member=asker, kind="mention")  # only that kind
    assert client.post(path).status_code == 200  # a second click is harmless
    services.do_answer(
        question=ask(asker, category), body="Try again in an hour.", author=member(account, 1)
    )
    drain(CONSUMER)
    assert mail.outbox == []


def test_forged_or_foreign_tokens_do_nothing(account: Account) -> None:
    asker, other = member(account), member(account)
    token = preferences.unsubscribe_token(member=asker, kind="answer")
    value, _dot, mac = token.rpartition(".")
    forged = [
        f"{other.pk}-answer.{mac}",  # someone else's id with this MAC
        f"{value}.{mac[:-2]}xx",
        f"{asker.pk}-everything.{mac}",
        "nonsense",
        "x" * 300,
    ]
    for bad in forged:
        assert Client().get(f"/community/unsubscribe/{bad}/").status_code == 404
        assert Client().post(f"/community/unsubscribe/{bad}/").status_code == 404
    assert not MemberPreferences.objects.exists()


def test_mentions_respect_the_setting(account: Account, category: Category) -> None:
    asker = member(account, name="Asker One")
    friend = member(account, name="friendly.fox")
    preferences.do_set_preferences(member=friend, email_answers=True, email_mentions=False)
    _answer_with_mention(category, asker, "friendly.fox")
    assert [m.to[0] for m in mail.outbox] == [asker.contact.email]


def test_the_settings_page(account: Account, category: Category) -> None:
    asker = member(account, name="Asker One")
    client = client_for(asker)
    page = client.get("/community/en/settings/").content.decode()
    assert 'name="email_answers" checked' in page and 'name="email_mentions" checked' in page
    profile = client.get(f"/community/en/u/{asker.pk}/").content.decode()
    assert "/community/en/settings/" in profile
    assert (
        "/community/en/settings/"
        not in Client().get(f"/community/en/u/{asker.pk}/").content.decode()
    )
    response = client.post("/community/en/settings/", {"email_mentions": "on"})
    assert response.status_code == 302
    assert not preferences.wants_email(member=asker, kind="answer")
    assert preferences.wants_email(member=asker, kind="mention")
    page = client.get("/community/en/settings/").content.decode()
    assert 'name="email_answers" checked' not in page
    services.do_answer(
        question=ask(asker, category), body="Try again in an hour.", author=member(account, 1)
    )
    drain(CONSUMER)
    assert mail.outbox == []
    # Turning it back on works.
    client.post("/community/en/settings/", {"email_answers": "on", "email_mentions": "on"})
    assert preferences.wants_email(member=asker, kind="answer")


def test_the_settings_page_needs_sign_in_and_csrf(account: Account) -> None:
    assert Client().get("/community/en/settings/").status_code == 302
    asker = member(account)
    client = client_for(asker)
    client.handler.enforce_csrf_checks = True
    assert client.post("/community/en/settings/", {}).status_code == 403
    assert preferences.wants_email(member=asker, kind="answer")
