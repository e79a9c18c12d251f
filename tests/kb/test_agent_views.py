from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blockdesk.conversations import services as conv
from blockdesk.kb.models import ArticleTranslation, KbAsset
from tests.conftest import PASSWORD
from tests.kb.conftest import make_article

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _login(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def test_editor_requires_login(client, article):
    for url in ("/app/kb/", "/app/kb/new/", f"/app/kb/{article.article_id}/en/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # A visitor (customer) cannot change anything either.
    response = client.post(f"/app/kb/{article.article_id}/en/status/", {"status": "draft"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    article.refresh_from_db()
    assert article.is_published


def test_agents_of_other_accounts_get_404(article, other_account):
    from blockdesk.accounts.services import do_create_agent

    eve = do_create_agent(account=other_account, username="eve", email="e@x.io", password=PASSWORD)
    c = _login(eve)
    assert c.get(f"/app/kb/{article.article_id}/").status_code == 404
    assert c.get(f"/app/kb/{article.article_id}/en/history/").status_code == 404
    response = c.post(f"/app/kb/{article.article_id}/en/status/", {"status": "draft"})
    assert response.status_code == 404
    assert "Where is my deposit" not in c.get("/app/kb/").content.decode()


def test_create_preview_edit_publish_and_list(agent, category):
    c = _login(agent)
    response = c.post(
        "/app/kb/new/",
        {"key": "gas-fees", "category": "deposits", "language": "en", "title": "Gas fees",
         "summary": "Why you pay gas.", "body": "Intro", "example_questions": "why gas\nfee?"},
    )  # fmt: skip
    tr = ArticleTranslation.objects.get(article__key="gas-fees")
    assert response.status_code == 302 and response["Location"] == f"/app/kb/{tr.article_id}/en/"
    assert tr.status == "draft" and tr.example_questions == ["why gas", "fee?"]
    edit_url = f"/app/kb/{tr.article_id}/en/"
    preview = c.post(
        edit_url,
        {"title": "Gas fees", "body": "## Hi\n\n<script>x()</script>", "action": "preview"},
    )
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="h-hi"' in html and "<script>x()" not in html
    assert ArticleTranslation.objects.get(pk=tr.pk).body == "Intro"  # preview does not save
    c.post(edit_url, {"title": "Gas fees", "slug": "gas-fees", "body": "New", "action": "publish"})
    tr.refresh_from_db()
    assert tr.status == "published" and tr.body == "New" and tr.revisions.count() == 2
    listing = c.get("/app/kb/", {"q": "gas"}).content.decode()
    assert "Gas fees" in listing and "gas-fees" in listing
    c.post(f"/app/kb/{tr.article_id}/en/status/", {"status": "draft"})
    tr.refresh_from_db()
    assert tr.status == "draft"


def test_errors_come_back_on_the_form(agent, category, article):
    c = _login(agent)
    response = c.post(
        "/app/kb/new/",
        {"key": "Bad Key", "category": "deposits", "language": "en", "title": "x"},
    )
    assert response.status_code == 200 and "lowercase letters" in response.content.decode()
    response = c.post(
        f"/app/kb/{article.article_id}/en/",
        {"title": "t", "body": "![x](https://cdn.example/x.png)", "action": "save"},
    )
    assert response.status_code == 200 and "knowledge-base assets" in response.content.decode()


def test_translate_history_diff_and_rollback(agent, article):
    c = _login(agent)
    base = f"/app/kb/{article.article_id}/"
    page = c.get(base + "zh-hans/")
    assert page.status_code == 200 and "Where is my deposit?" in page.content.decode()  # source
    c.post(base + "zh-hans/", {"title": "充币去哪了", "body": "等待", "action": "save"})
    zh = ArticleTranslation.objects.get(article=article.article, language="zh-hans")
    assert zh.slug == "deposit-help" and zh.status == "draft"

    c.post(base + "en/", {"title": article.title, "slug": article.slug, "body": "Changed body"})
    history = c.get(base + "en/history/")
    assert history.status_code == 200
    diff = c.get(base + "en/history/2/").content.decode()
    assert "kb-diff-add" in diff and "+Changed body" in diff
    response = c.post(base + "en/history/1/rollback/")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body.startswith("## Steps") and article.revisions.count() == 3


def test_related_and_category_settings(agent, category, article):
    other = make_article(agent, category, key="other", title="Other")
    c = _login(agent)
    url = f"/app/kb/{article.article_id}/"
    c.post(url, {"category": "deposits", "related": "other, other"})
    article.article.refresh_from_db()
    assert article.article.related_keys == ["other"]
    response = c.post(url, {"category": "deposits", "related": "ghost"})
    assert response.status_code == 200 and "ghost" in response.content.decode()
    page = Client().get("/help/en/deposits/deposit-help/").content.decode()
    assert f'href="/help/en/deposits/{other.slug}/"' in page


def test_mark_reviewed_stale_and_feedback_pages(agent, article):
    c = _login(agent)
    assert "Where is my deposit?" in c.get("/app/kb/stale/", {"days": "30"}).content.decode()
    response = c.post(
        f"/app/kb/{article.article_id}/en/reviewed/", {"next": "/app/kb/stale/?days=30"}
    )
    assert response["Location"] == "/app/kb/stale/?days=30"
    assert "Where is my deposit?" not in c.get("/app/kb/stale/?days=30").content.decode()
    assert c.get("/app/kb/feedback/").status_code == 200


def test_image_upload_and_serving(client, agent, article):
    c = _login(agent)
    response = c.post("/app/kb/assets/", {"file": SimpleUploadedFile("a b.png", PNG, "image/png")})
    assert response.status_code == 302
    asset = KbAsset.objects.get()
    served = client.get(f"/help/assets/{asset.uid}/{asset.filename}")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert "sandbox" in served["Content-Security-Policy"]
    fake = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", "image/png")
    assert c.post("/app/kb/assets/", {"file": fake}).status_code == 200
    assert KbAsset.objects.count() == 1


def test_csv_import_page(agent, category):
    c = _login(agent)
    good = SimpleUploadedFile("faq.csv", b"question,answer,language,category\nQ1,A1,en,deposits\n")
    assert c.post("/app/kb/import/", {"file": good}).status_code == 302
    bad = SimpleUploadedFile("faq.csv", b"question,answer,language,category\nQ2,,en,deposits\n")
    response = c.post("/app/kb/import/", {"file": bad})
    assert "faq.csv:2:" in response.content.decode()
    assert ArticleTranslation.objects.count() == 1


def test_article_from_conversation_view(channel, contact, agent, outsider, category):
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="My ETH is stuck"
    )
    conversation = sent.message.conversation
    conv.do_send_agent_message(agent=agent, conversation=conversation, content="Speed it up.")
    c = _login(agent)
    url = f"/app/kb/new/from-conversation/{conversation.display_id}/"
    page = c.get(url).content.decode()
    assert "My ETH is stuck" in page and "Speed it up." in page and "disabled" in page
    conv.do_change_status(actor=agent, conversation=conversation, status="resolved")
    response = c.post(url)
    tr = ArticleTranslation.objects.get()
    assert response["Location"] == f"/app/kb/{tr.article_id}/en/"
    assert tr.title == "My ETH is stuck" and tr.body == "Speed it up."
    assert _login(outsider).get(url).status_code == 404
