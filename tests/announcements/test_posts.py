"""Announcements through the services, the event log and the public pages: language
versions with fallback, scheduling, the published event and the subscribers' mailing it
starts, safe Markdown, feeds, the banner and its dismissal, authorisation across accounts,
the console and the REST API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from blockdesk.accounts.models import User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.announcements import selectors, services
from blockdesk.announcements.assistant_notice import asks_what_changed, what_changed
from blockdesk.announcements.event_consumers import CONSUMER
from blockdesk.announcements.models import Post
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.common.notices import NoticeQuery
from blockdesk.notifications import subscriptions
from blockdesk.notifications.models import ListMailing
from tests.events.support import drain
from tests.support.event_log import events_after, last_event_id

pytestmark = pytest.mark.django_db

EN = {
    "title": "Faster withdrawals",
    "summary": "Withdrawals now take minutes.",
    "body": "We rebuilt the **withdrawal** queue.\n\n- BTC\n- ETH",
}
ZH = {"title": "提现更快了", "summary": "提现只需几分钟。", "body": "我们重建了**提现**队列。"}


def make(admin: User, **extra) -> Post:
    versions = extra.pop("versions", {"en": EN, "zh-hans": ZH})
    return services.do_save_post(actor=admin, category="release", versions=versions, **extra)


# Committed: on PostgreSQL the consumer reads committed events only.
@pytest.mark.django_db(transaction=True)
def test_publish_emits_the_event_and_starts_one_mailing(account, admin_user) -> None:
    post = make(admin_user)
    before = last_event_id()
    services.do_publish_post(actor=admin_user, post=post)
    events = events_after(before)
    assert [e.name for e in events] == ["announcement.published"]
    assert events[0].payload["titles"] == {"en": EN["title"], "zh-hans": ZH["title"]}
    drain(CONSUMER, expect=1, timeout=60)
    mailing = ListMailing.objects.get(account=account, list_name="announcements")
    assert mailing.key == f"post:{post.pk}"
    assert mailing.content["zh-hans"]["subject"].endswith(ZH["title"])
    assert "<strong>withdrawal</strong>" in mailing.content["en"]["html"]
    with pytest.raises(ValidationFailed):
        services.do_publish_post(actor=admin_user, post=post)  # not twice


# Committed: on PostgreSQL the consumer reads committed events only.
@pytest.mark.django_db(transaction=True)
def test_a_post_without_email_starts_no_mailing(account, admin_user) -> None:
    post = make(admin_user, notify_subscribers=False)
    services.do_publish_post(actor=admin_user, post=post)
    drain(CONSUMER, expect=1, timeout=60)
    assert not ListMailing.objects.exists()


def test_scheduled_post_is_published_by_the_periodic_job(account, admin_user) -> None:
    post = make(admin_user)
    at = timezone.now() + dt.timedelta(hours=2)
    services.do_publish_post(actor=admin_user, post=post, at=at)
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert services.do_publish_due_posts() == 0
    assert not selectors.page(account_id=account.pk, language="en", category=None)
    assert services.do_publish_due_posts(now=at + dt.timedelta(seconds=1)) == 1
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_only_admins_of_the_account_write(account, admin_user, agent, other_account) -> None:
    with pytest.raises(Forbidden):
        make(agent)
    post = make(admin_user)
    stranger = do_create_agent(
        account=other_account,
        username="eve",
        email="eve@example.com",
        password="pw-123456789",
        role=User.Role.ADMIN,
    )
    with pytest.raises(Forbidden):
        services.do_publish_post(actor=stranger, post=post)
    with pytest.raises(Forbidden):
        make(stranger, post=post)
    assert selectors.console_post(user=stranger, post_id=post.pk) is None


def test_language_fallback(account, admin_user) -> None:
    post = make(admin_user, versions={"en": EN})
    services.do_publish_post(actor=admin_user, post=post)
    shown = selectors.public_post(account_id=account.pk, slug=post.slug, language="zh-hans")
    assert shown is not None and shown.language == "en" and shown.title == EN["title"]
    page = Client().get(f"/changelog/zh-hans/{post.slug}/")
    assert page.status_code == 200
    assert EN["title"].encode() in page.content
    assert 'lang="en"' in page.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src=//evil.example></iframe>",
    ],
)
def test_hostile_markdown_is_rendered_inert(account, admin_user, body: str) -> None:
    post = make(admin_user, versions={"en": {**EN, "title": "<b>t</b>", "body": "ok " + body}})
    services.do_publish_post(actor=admin_user, post=post)
    html = Client().get(f"/changelog/en/{post.slug}/").content.decode()
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert "onclick" not in html and "<iframe" not in html
    assert "&lt;b&gt;t&lt;/b&gt;" in html  # the title is escaped text
    feed = Client().get("/changelog/en/feed.atom").content.decode()
    assert "<script>" not in feed and 'href="javascript:' not in feed


def test_external_images_and_secrets_are_refused(account, admin_user) -> None:
    with pytest.raises(ValidationFailed):
        make(admin_user, versions={"en": {**EN, "body": "![x](https://evil.example/p.png)"}})
    phrase = "abandon " * 11 + "about"
    with pytest.raises(ValidationFailed):
        make(admin_user, versions={"en": {**EN, "body": f"Restore with {phrase}"}})


def test_huge_body_is_refused(account, admin_user) -> None:
    with pytest.raises(ValidationFailed):
        make(admin_user, versions={"en": {**EN, "body": "x" * 60_000}})


def test_public_pages_are_indexable_and_feeds_list_published_only(account, admin_user) -> None:
    published = make(admin_user)
    services.do_publish_post(actor=admin_user, post=published)
    draft = make(admin_user, versions={"en": {**EN, "title": "Secret draft"}}, slug="draft")
    client = Client()
    home = client.get("/changelog/en/").content.decode()
    assert 'rel="canonical" href="http' in home
    assert 'hreflang="zh-Hans"' in home and 'hreflang="x-default"' in home
    assert EN["title"] in home and "Secret draft" not in home
    assert client.get(f"/changelog/en/{draft.slug}/").status_code == 404
    rss = client.get("/changelog/en/feed.rss")
    assert rss["Content-Type"].startswith("application/rss+xml")
    assert EN["title"] in rss.content.decode() and "Secret draft" not in rss.content.decode()
    atom = client.get("/changelog/zh-hans/feed.atom").content.decode()
    assert ZH["title"] in atom
    assert client.get("/changelog/en/?category=security").status_code == 200
    assert EN["title"] not in client.get("/changelog/en/?category=security").content.decode()
    assert client.get("/changelog/en/?category=bogus").status_code == 404
    assert client.get("/changelog/xx/").status_code == 404


def test_banner_in_the_help_center_until_dismissed(account, admin_user) -> None:
    post = make(admin_user, banner=True)
    services.do_publish_post(actor=admin_user, post=post)
    client = Client()
    page = client.get("/help/en/").content.decode()
    assert f'data-bd-banner="{post.pk}"' in page and EN["title"] in page
    assert "<script>" not in re.sub(r"<script src=[^>]+></script>", "", page)  # no inline script
    response = client.post(f"/changelog/dismiss/{post.pk}/", {"next": "/help/en/"})
    assert response.status_code == 302 and response["Location"] == "/help/en/"
    assert f'data-bd-banner="{post.pk}"' not in client.get("/help/en/").content.decode()
    # Another browser still sees it.
    assert f'data-bd-banner="{post.pk}"' in Client().get("/help/en/").content.decode()


def test_dismiss_does_not_redirect_elsewhere(account) -> None:
    response = Client().post("/changelog/dismiss/1/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_banner_in_the_widget(account, admin_user, channel) -> None:
    post = make(admin_user, banner=True)
    services.do_publish_post(actor=admin_user, post=post)
    page = Client().get(f"/widget/frame/{channel.public_token}/?lang=zh-hans").content.decode()
    assert ZH["title"] in page and 'target="_blank"' in page


def test_assistant_answers_what_changed(account, admin_user) -> None:
    post = make(admin_user)
    services.do_publish_post(actor=admin_user, post=post)
    assert asks_what_changed("Hi, what's new?") and asks_what_changed("最近更新了什么")
    assert not asks_what_changed("my balance changed after the deposit")
    notice = what_changed(
        NoticeQuery(account_id=account.pk, language="zh-hans", text="有什么新功能?", intent="")
    )
    assert notice is not None and notice.answers and ZH["title"] in notice.text
    assert (
        what_changed(NoticeQuery(account_id=account.pk, language="en", text="hello", intent=""))
        is None
    )


def test_console_pages_for_admins_only(account, admin_user, agent) -> None:
    client = Client()
    client.force_login(agent)
    assert client.get("/app/announcements/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/app/announcements/new/").status_code == 200
    form = {
        "category": "listing",
        "slug": "",
        "notify_subscribers": "1",
        "en-title": "New listing: XYZ",
        "en-summary": "",
        "en-body": "XYZ trades now.",
    }
    response = client.post("/app/announcements/new/", form)
    assert response.status_code == 302
    post = Post.objects.get(account=account)
    assert client.post(f"/app/announcements/{post.pk}/publish/", {"at": ""}).status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED and post.category == "listing"
    assert b"New listing: XYZ" in client.get("/app/announcements/").content


def test_rest_reads_are_public_and_writes_need_an_admin(account, admin_user, agent) -> None:
    post = make(admin_user)
    services.do_publish_post(actor=admin_user, post=post)
    listed = Client().get("/api/v1/announcements?language=zh-hans").json()
    assert listed[0]["title"] == ZH["title"] and "<strong>" in listed[0]["html"]
    body = {"category": "security", "versions": {"en": {"title": "T", "body": "B"}}}
    anonymous = Client().post("/api/v1/announcements", body, content_type="application/json")
    assert anonymous.status_code == 401
    _token, plain = do_create_api_token(actor=admin_user, name="a", scopes=["announcements:write"])
    created = Client().post(
        "/api/v1/announcements",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plain}",
    )
    assert created.status_code == 201, created.content
    draft_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    published = Client().post(
        f"/api/v1/announcements/{draft_id}/publish",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plain}",
    )
    assert published.json()["status"] == "published"
    _token, other = do_create_api_token(actor=admin_user, name="b", scopes=["trust:read"])
    refused = Client().post(
        "/api/v1/announcements",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other}",
    )
    assert refused.status_code == 403


# Committed: on PostgreSQL the consumer reads committed events only.
@pytest.mark.django_db(transaction=True)
def test_subscribers_get_the_post_by_email(account, admin_user, smtp) -> None:
    sub = subscriptions.do_subscribe(
        account=account, list_name="announcements", email="li@example.com", language="zh-hans"
    )
    subscriptions.do_confirm(token=subscriptions.link_token(sub, "confirm"))
    post = make(admin_user)
    services.do_publish_post(actor=admin_user, post=post)
    drain(CONSUMER, expect=1, timeout=60)
    mailing = ListMailing.objects.get()
    assert subscriptions.do_send_mailing_batch(mailing_id=mailing.pk) == 1
    message = smtp.to("li@example.com")[0]
    assert ZH["title"] in str(message["Subject"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
