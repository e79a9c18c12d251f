"""Email subscriptions (notifications/subscriptions.py) through a real SMTP server: double
opt-in, the confirmation link needs a button press, one-click unsubscribe (RFC 8058 headers
and a POST without CSRF token), hashed tokens, the rate limit, no flooding, batches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from blockdesk.common.errors import ValidationFailed
from blockdesk.notifications import subscriptions
from blockdesk.notifications.models import ListMailing, ListSubscriber
from tests.announcements.support import Mailbox, link, text_of

pytestmark = pytest.mark.django_db

Status = ListSubscriber.Status
CONTENT = {
    "en": {"subject": "Hello", "text": "English body", "html": "<p>English body</p>"},
    "zh-hans": {"subject": "你好", "text": "中文内容", "html": "<p>中文内容</p>"},
}


def subscribe(account, email: str = "wang@example.com", language: str = "en") -> ListSubscriber:
    sub = subscriptions.do_subscribe(
        account=account, list_name="announcements", email=email, language=language
    )
    subscriptions.do_send_confirmation(subscriber_id=sub.pk)
    return sub


def test_double_opt_in_needs_the_button_not_just_the_link(account, smtp: Mailbox) -> None:
    sub = subscribe(account)
    assert sub.status == Status.PENDING
    confirm = link(smtp.to("wang@example.com")[0], "confirm")
    client = Client()
    # A mail scanner following the link confirms nothing.
    page = client.get(confirm)
    assert page.status_code == 200 and b"Confirm subscription" in page.content
    sub.refresh_from_db()
    assert sub.status == Status.PENDING
    assert client.post(confirm).status_code == 200
    sub.refresh_from_db()
    assert sub.status == Status.CONFIRMED and sub.confirmed_at is not None


def test_tokens_are_stored_only_as_hashes(account, smtp: Mailbox) -> None:
    sub = subscribe(account)
    confirm = link(smtp.to("wang@example.com")[0], "confirm")
    token = confirm.rstrip("/").rsplit("/", 1)[1]
    row = ListSubscriber.objects.filter(pk=sub.pk).values().get()
    assert token not in str(row)
    assert row["confirm_hash"] == subscriptions.token_hash(token)


def test_list_email_has_one_click_unsubscribe_headers_and_link(account, smtp: Mailbox) -> None:
    sub = subscribe(account, language="zh-hans")
    subscriptions.do_confirm(token=subscriptions.link_token(sub, "confirm"))
    smtp.messages.clear()
    mailing = subscriptions.do_start_mailing(
        account_id=account.pk, list_name="announcements", key="post:1", content=CONTENT
    )
    assert mailing is not None
    assert subscriptions.do_send_mailing_batch(mailing_id=mailing.pk) == 1
    message = smtp.to("wang@example.com")[0]
    assert message["Subject"] == "你好"  # the subscriber's language
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(message["List-Unsubscribe"]).strip()
    assert header.startswith("<http") and "/subscriptions/unsubscribe/" in header
    path = link(message, "unsubscribe")
    assert path in header
    # RFC 8058: the mail client POSTs without a CSRF token or cookie.
    client = Client(enforce_csrf_checks=True)
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    sub.refresh_from_db()
    assert sub.status == Status.UNSUBSCRIBED
    # Idempotent, and nothing more is sent to them.
    assert client.post(path).status_code == 200
    again = subscriptions.do_start_mailing(
        account_id=account.pk, list_name="announcements", key="post:2", content=CONTENT
    )
    assert again is not None
    assert subscriptions.do_send_mailing_batch(mailing_id=again.pk) == 0


def test_unsubscribe_get_changes_nothing_and_forged_tokens_are_refused(account, smtp) -> None:
    sub = subscribe(account)
    subscriptions.do_confirm(token=subscriptions.link_token(sub, "confirm"))
    client = Client()
    path = f"/subscriptions/unsubscribe/{subscriptions.link_token(sub, 'unsubscribe')}/"
    assert client.get(path).status_code == 200
    sub.refresh_from_db()
    assert sub.status == Status.CONFIRMED
    # The confirm token does not unsubscribe, a made-up one neither; another purpose's
    # token is not interchangeable.
    for bad in [subscriptions.link_token(sub, "confirm"), "x" * 43, "A" * 500, "%00"]:
        assert client.post(f"/subscriptions/unsubscribe/{bad}/").status_code == 404
    sub.refresh_from_db()
    assert sub.status == Status.CONFIRMED


def test_confirmation_link_expires(account, smtp) -> None:
    sub = subscribe(account)
    later = timezone.now() + subscriptions.CONFIRM_VALID + dt.timedelta(minutes=1)
    assert (
        subscriptions.do_confirm(token=subscriptions.link_token(sub, "confirm"), now=later) is None
    )


def test_resubscribing_quickly_sends_no_second_email(account, smtp: Mailbox) -> None:
    subscribe(account)
    again = subscriptions.do_subscribe(
        account=account, list_name="announcements", email="WANG@example.com", language="en"
    )
    subscriptions.do_send_confirmation(subscriber_id=again.pk)
    # The same address (case of the domain/local part aside): one row, and the second
    # confirmation is the same link, sent again only after RESEND_AFTER.
    assert ListSubscriber.objects.filter(account=account).count() == 1


@pytest.mark.parametrize(
    "bad", ["", "not-an-email", "a@b", "<script>@x.com", "x" * 250 + "@example.com", "a\nb@x.com"]
)
def test_invalid_addresses_are_refused(account, bad: str) -> None:
    with pytest.raises(ValidationFailed):
        subscriptions.do_subscribe(
            account=account, list_name="announcements", email=bad, language="en"
        )


def test_subscribe_form_is_rate_limited_per_address(account, settings) -> None:
    settings.LIST_SUBSCRIBE_RATE_LIMIT = 2
    client = Client(REMOTE_ADDR="203.0.113.77")
    statuses = []
    for n in range(4):
        response = client.post(
            "/changelog/en/subscribe/", {"email": f"user{n}@example.com"}, follow=True
        )
        statuses.append(b"Too many attempts" in response.content)
    assert statuses == [False, False, True, True]
    assert ListSubscriber.objects.filter(account=account).count() == 2
    cache.delete_many([])  # nothing global cleared


def test_mailing_is_sent_in_batches_without_doubles(account, smtp: Mailbox, settings) -> None:
    settings.LIST_EMAIL_BATCH = 2
    for n in range(5):
        sub = subscriptions.do_subscribe(
            account=account, list_name="announcements", email=f"s{n}@example.com", language="en"
        )
        subscriptions.do_confirm(token=subscriptions.link_token(sub, "confirm"))
    smtp.messages.clear()
    mailing = subscriptions.do_start_mailing(
        account_id=account.pk, list_name="announcements", key="post:9", content=CONTENT
    )
    assert mailing is not None
    # The same key again (a replayed event) starts nothing.
    assert (
        subscriptions.do_start_mailing(
            account_id=account.pk, list_name="announcements", key="post:9", content=CONTENT
        )
        is None
    )
    sent = [subscriptions.do_send_mailing_batch(mailing_id=mailing.pk) for _ in range(4)]
    assert sent == [2, 2, 1, 0]
    assert sorted(r[0] for r, _m in smtp.messages) == [f"s{n}@example.com" for n in range(5)]
    mailing.refresh_from_db()
    assert mailing.finished_at is not None and mailing.sent_count == 5
    assert "English body" in text_of(smtp.messages[0][1])


def test_lists_and_accounts_are_separate(account, other_account, smtp) -> None:
    sub = subscribe(other_account)
    subscriptions.do_confirm(token=subscriptions.link_token(sub, "confirm"))
    mailing = ListMailing.objects.create(
        account=account, list_name="announcements", key="k", content=CONTENT
    )
    smtp.messages.clear()
    assert subscriptions.do_send_mailing_batch(mailing_id=mailing.pk) == 0
    assert smtp.messages == []
