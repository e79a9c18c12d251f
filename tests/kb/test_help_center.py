from __future__ import annotations

import re

import pytest
from django.test import Client

from blockdesk.kb import selectors, services
from blockdesk.kb.documents import SearchDocument
from blockdesk.kb.models import ArticleFeedback, ArticleTranslation
from blockdesk.kb.services import TranslationInput
from tests.kb.conftest import make_article
from tests.support.live_server import fresh_cache_namespace

pytestmark = pytest.mark.django_db


def _links(html: str) -> list[str]:
    return re.findall(r'<link rel="(?:canonical|alternate)"[^>]*>', html)


def _no_inline_code(html: str) -> None:
    assert "style=" not in html and " onclick" not in html.lower()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag  # every script is a file served by the app


def test_pages_render_with_canonical_and_hreflang(client: Client, agent, category, settings):
    settings.PUBLIC_URL = "https://help.example.com"
    en = make_article(agent, category, title="Deposit help")
    zh = services.do_save_translation(
        actor=agent, article=en.article, language="zh-hans",
        data=TranslationInput(title="充币帮助", body="## 步骤\n\n内容", slug="deposit-help"),
    )  # fmt: skip
    services.do_set_status(actor=agent, translation=zh, status="published")

    assert client.get("/help/").status_code == 302
    home = client.get("/help/en/")
    assert home.status_code == 200 and "Deposit help" in home.content.decode()
    cat = client.get("/help/zh-hans/deposits/")
    assert cat.status_code == 200 and "充币帮助" in cat.content.decode()

    page = client.get("/help/en/deposits/deposit-help/")
    html = page.content.decode()
    assert page.status_code == 200
    _no_inline_code(html)
    assert _links(html) == [
        '<link rel="canonical" href="https://help.example.com/help/en/deposits/deposit-help/">',
        '<link rel="alternate" hreflang="en" '
        'href="https://help.example.com/help/en/deposits/deposit-help/">',
        '<link rel="alternate" hreflang="zh-Hans" '
        'href="https://help.example.com/help/zh-hans/deposits/deposit-help/">',
        '<link rel="alternate" hreflang="x-default" '
        'href="https://help.example.com/help/en/deposits/deposit-help/">',
    ]
    zh_page = client.get("/help/zh-hans/deposits/deposit-help/").content.decode()
    assert '<html lang="zh-hans">' in zh_page and 'id="h-步骤"' in zh_page
    assert "data-fallback-note" not in zh_page
    en.refresh_from_db()
    assert en.view_count == 1


def test_missing_translation_falls_back_with_a_visible_note(client, agent, category, settings):
    settings.PUBLIC_URL = "https://help.example.com"
    make_article(agent, category, title="Only in English")
    cat = client.get("/help/zh-hans/deposits/").content.decode()
    assert 'href="/help/zh-hans/deposits/deposit-help/"' in cat  # linked from the zh listing
    page = client.get("/help/zh-hans/deposits/deposit-help/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-fallback-note" in html and "Only in English" in html
    # The canonical page is the English one; the interface stays in Chinese.
    assert _links(html)[0] == (
        '<link rel="canonical" href="https://help.example.com/help/en/deposits/deposit-help/">'
    )
    assert '<html lang="zh-hans">' in html


def test_drafts_are_not_public(client, agent, category):
    make_article(agent, category, publish=False)
    assert client.get("/help/en/deposits/deposit-help/").status_code == 404
    assert "Where is my deposit" not in client.get("/help/en/").content.decode()
    assert client.get("/help/en/search/?q=deposit").content.decode().count("deposit-help") == 0
    docs = selectors.published_documents()
    assert docs == []


def test_unknown_language_and_category_are_404(client, article):
    assert client.get("/help/xx/").status_code == 404
    assert client.get("/help/en/nowhere/").status_code == 404


def test_old_slugs_and_wrong_category_redirect_permanently(client, agent, article):
    services.do_save_translation(
        actor=agent, article=article.article, language="en",
        data=TranslationInput(title=article.title, body=article.body, slug="deposit-missing"),
    )  # fmt: skip
    old = client.get("/help/en/deposits/deposit-help/")
    assert old.status_code == 301 and old["Location"] == "/help/en/deposits/deposit-missing/"
    moved = client.get("/help/en/other/deposit-missing/")
    assert moved.status_code == 301 and moved["Location"] == "/help/en/deposits/deposit-missing/"


def test_search_page_without_js_and_json_endpoint(client, agent, category):
    make_article(agent, category, title="Withdrawal <b>pending</b>", key="w")
    page = client.get("/help/en/search/", {"q": "pending"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Withdrawal &lt;b&gt;pending&lt;/b&gt;" in html and "<b>pending</b>" not in html
    data = client.get("/help/en/search.json", {"q": "pending"}).json()
    assert data["results"][0]["url"] == "/help/en/deposits/w/"
    assert data["results"][0]["title"] == "Withdrawal <b>pending</b>"  # JSON; JS uses textContent
    assert client.get("/help/en/search.json", {"q": "zzz"}).json()["results"] == []


def test_search_uses_the_engine_and_keeps_to_this_help_center(client, agent, category, monkeypatch):
    tr = make_article(agent, category)

    class Hit:
        def __init__(self, article_id: int, language: str) -> None:
            self.document = SearchDocument(
                article_id, "k", language, "t", "s", "b", (), "deposits", "u", tr.updated_at
            )
            self.score = 1.0
            self.highlight = "Wait for <confirmations> please"
            self.highlight_terms = ("<confirmations>",)

    calls = []

    def engine(**kwargs):
        calls.append(kwargs)
        return [Hit(999999, "en"), Hit(tr.article_id, "en")]

    monkeypatch.setattr(selectors, "_engine", lambda: engine)
    html = client.get("/help/en/search/", {"q": "confirm"}).content.decode()
    assert calls[0]["query"] == "confirm" and calls[0]["language"] == "en"
    assert html.count('href="/help/en/deposits/deposit-help/"') == 1  # the unknown hit is gone
    assert "Wait for <mark>&lt;confirmations&gt;</mark> please" in html


def test_feedback_form_counts_one_vote_per_session(client, article):
    url = "/help/en/deposits/deposit-help/feedback/"
    first = client.post(url, {"helpful": "no", "comment": "Missing <steps>"})
    assert first.status_code == 302 and first["Location"].endswith("#feedback")
    client.post(url, {"helpful": "no"}, HTTP_ACCEPT="application/json")
    other = Client()
    assert other.post(url, {"helpful": "yes"}, HTTP_ACCEPT="application/json").json()["ok"]
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)
    assert ArticleFeedback.objects.get(helpful=False).comment == "Missing <steps>"
    assert client.get("/help/en/deposits/deposit-help/").status_code == 200


def test_feedback_rate_limit_answers_429(client, article, settings):
    settings.PUBLIC_RATE_LIMIT = 2
    # Fixed windows: a long one, so no boundary passes between the requests; its own
    # cache namespace, so no count left in a shared Redis by another test counts here.
    settings.PUBLIC_RATE_WINDOW = 3600
    fresh_cache_namespace(settings)
    url = "/help/en/deposits/deposit-help/feedback/"
    ip = "203.0.113.77"
    codes = [
        Client().post(url, {"helpful": "yes"}, HTTP_ACCEPT="application/json", REMOTE_ADDR=ip)
        for _ in range(3)
    ]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert codes[2]["Retry-After"]
    assert ArticleTranslation.objects.get(pk=article.pk).helpful_count == 2


def test_feedback_on_draft_is_404(client, agent, category):
    make_article(agent, category, publish=False)
    assert (
        client.post("/help/en/deposits/deposit-help/feedback/", {"helpful": "yes"}).status_code
        == 404
    )


def test_help_pages_embed_the_chat_widget_with_the_query(client, channel, article):
    html = client.get("/help/en/search/", {"q": "where is my deposit"}).content.decode()
    token = channel.public_token
    assert f'data-blockdesk-inbox="{token}"' in html
    assert 'data-blockdesk-prefill="where is my deposit"' in html
    assert 'data-open-chat data-message="where is my deposit"' in html


def test_published_documents_for_search(agent, category, settings):
    settings.PUBLIC_URL = "https://help.example.com"
    tr = make_article(agent, category)
    make_article(agent, category, key="draft", publish=False)
    (doc,) = selectors.published_documents(account_id=tr.account_id)
    assert doc.key == "deposit-help" and doc.language == "en" and doc.category == "deposits"
    assert doc.url == "https://help.example.com/help/en/deposits/deposit-help/"
    assert doc.body.startswith("## Steps") and doc.title == "Where is my deposit?"
    assert selectors.published_documents(account_id=tr.account_id + 1000) == []


@pytest.mark.usefixtures("steady_rate_window")
def test_search_is_rate_limited_per_address_on_the_page_and_as_you_type(
    agent, category, settings, ip
):
    make_article(agent, category)
    settings.SEARCH_RATE_LIMIT, settings.SEARCH_RATE_WINDOW = 3, 60
    visitor = Client(REMOTE_ADDR=ip)
    assert visitor.get("/help/en/search/", {"q": "deposit"}).status_code == 200
    assert visitor.get("/help/en/search.json", {"q": "deposit"}).status_code == 200
    assert visitor.get("/help/en/search/", {"q": ""}).status_code == 200  # empty: not counted
    assert visitor.get("/help/en/search.json", {"q": "deposit"}).status_code == 200

    page = visitor.get("/help/en/search/", {"q": "deposit"})
    assert page.status_code == 429 and int(page["Retry-After"]) >= 1
    html = page.content.decode()
    assert 'role="alert"' in html and "deposit-help" not in html
    suggest = visitor.get("/help/en/search.json", {"q": "deposit"})
    assert suggest.status_code == 429
    assert suggest.json()["error"]["code"] == "rate_limited"
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.250.250.250" if ip != "10.250.250.250" else "10.1.1.1")
    assert other.get("/help/en/search.json", {"q": "deposit"}).status_code == 200
