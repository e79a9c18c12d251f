"""The help center's search lists answered community questions after its articles (through
kb/sources.py: kb does not import the forum): same language only, labelled "Community
answer", linking to the question; held and removed posts and unanswered questions never."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from blockdesk.accounts.models import Account, User
from blockdesk.forum import knowledge, services
from blockdesk.forum.models import Category, Question
from blockdesk.forum.models.posts import Status
from blockdesk.kb import selectors as kb_selectors
from blockdesk.kb import services as kb_services
from blockdesk.kb.models import Category as KbCategory
from blockdesk.kb.sources import SourceQuery, search_sources
from tests.forum.conftest import ask, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _substring_kb_search(monkeypatch: pytest.MonkeyPatch) -> None:
    # The KB's substring fallback and no index builds, as in tests/kb.
    monkeypatch.setattr(kb_services, "reindex_articles", lambda ids, account_id=None: None)
    monkeypatch.setattr(kb_selectors, "_engine", lambda: None)


@pytest.fixture
def zh_category(account: Account) -> Category:
    return services.do_create_category(
        account_id=account.pk, language="zh-hans", slug="chongzhi", name="充值"
    )


def _answered(account: Account, category: Category, title: str, body: str, answer: str) -> Any:
    asker, helper = member(account, 1), member(account, 1)
    question = ask(asker, category, title=title, body=body)
    reply = services.do_answer(question=question, author=helper, body=answer)
    services.do_accept(question=question, answer=reply, by=asker)
    return question, reply


def _search(client: Client, language: str, q: str) -> str:
    response = client.get(f"/help/{language}/search/", {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_help_center_lists_an_accepted_community_answer_after_the_articles(
    client: Client, account: Account, category: Category, agent: User
) -> None:
    kb_cat = KbCategory.objects.create(account=account, key="deposits", names={"en": "Deposits"})
    tr = kb_services.do_create_article(
        actor=agent, key="deposit-missing", category=kb_cat, language="en",
        data=kb_services.TranslationInput(title="Deposit missing", body="Wait for confirmations."),
    )  # fmt: skip
    kb_services.do_set_status(actor=agent, translation=tr, status="published")
    question, _reply = _answered(
        account, category,
        "USDT deposit on Tron missing after two hours",
        "I sent USDT on Tron two hours ago and my deposit is still missing.",
        "Check the memo. Mine arrived once support added the missing memo.",
    )  # fmt: skip
    unanswered = ask(member(account, 1), category, title="Deposit missing on BSC network")

    html = _search(client, "en", "deposit missing")
    assert "Deposit missing" in html
    assert html.index("/help/en/deposits/deposit-missing/") < html.index("Community answer")
    assert f'href="/community/en/q/{question.pk}/"' in html
    assert "USDT deposit on Tron missing after two hours" in html
    assert "Check the memo." in html  # the accepted answer is the snippet
    assert f"/community/en/q/{unanswered.pk}/" not in html

    data = client.get("/help/en/search.json", {"q": "deposit missing"}).json()
    kinds = [(r["kind"], r.get("label")) for r in data["results"]]
    assert kinds == [("article", None), ("community", "Community answer")]
    assert data["results"][1]["url"] == f"/community/en/q/{question.pk}/"


def test_chinese_search_finds_chinese_answers_only(
    client: Client, account: Account, category: Category, zh_category: Category
) -> None:
    zh_question, _ = _answered(
        account, zh_category,
        "充值三个小时了还没有到账",
        "我在波场上充值了USDT，三个小时了还没有到账。",
        "要等区块确认，我的大约四个小时后就到账了。",
    )  # fmt: skip
    en_question, _ = _answered(
        account, category,
        "My deposit has not arrived after three hours",
        "I sent USDT and the deposit has not arrived.",
        "Wait for the confirmations, mine arrived later.",
    )  # fmt: skip

    zh_html = _search(client, "zh-hans", "充值没有到账")
    assert f"/community/zh-hans/q/{zh_question.pk}/" in zh_html
    assert "社区回答" in zh_html or "Community answer" in zh_html
    assert f"/q/{en_question.pk}/" not in zh_html
    en_html = _search(client, "en", "deposit not arrived")
    assert f"/community/en/q/{en_question.pk}/" in en_html
    assert f"/q/{zh_question.pk}/" not in en_html


def test_held_removed_and_unaccepted_posts_never_appear(
    client: Client, account: Account, category: Category, agent: User
) -> None:
    def thread(title: str) -> Any:
        return _answered(account, category, title, "Withdrawal frozen since Monday.", "Wait.")

    held, _ = thread("Withdrawal frozen held question")
    removed_q, _ = thread("Withdrawal frozen removed question")
    removed_a, answer = thread("Withdrawal frozen removed answer")
    Question.objects.filter(pk=held.pk).update(status=Status.HELD)
    services.do_moderate(actor=agent, post=removed_q, status=Status.REMOVED)
    services.do_moderate(actor=agent, post=answer, status=Status.REMOVED)
    # Answered by a customer but not accepted: not listed; answered by staff: listed.
    open_q = ask(member(account, 1), category, title="Withdrawal frozen open question")
    services.do_answer(question=open_q, author=member(account, 1), body="Same here, no idea.")
    staff_q = ask(member(account, 1), category, title="Withdrawal frozen staff question")
    services.do_answer(question=staff_q, agent=agent, body="We unfroze it, please check again.")

    html = _search(client, "en", "withdrawal frozen")
    for hidden in (held, removed_q, removed_a, open_q):
        assert f"/q/{hidden.pk}/" not in html
    assert f"/community/en/q/{staff_q.pk}/" in html
    assert "We unfroze it" in html


def test_hostile_titles_are_escaped_and_the_registry_survives_a_failing_source(
    client: Client, account: Account, category: Category
) -> None:
    question, _ = _answered(
        account, category,
        "Deposit <script>alert(1)</script> missing",
        "My deposit is missing <img src=x onerror=alert(1)>.",
        "Deposit arrived <b>later</b>.",
    )  # fmt: skip

    def broken(query: SourceQuery) -> list[Any]:
        raise RuntimeError("down")

    from blockdesk.kb import sources

    sources.register_search_source(broken)
    try:
        html = _search(client, "en", "deposit missing")
        hits = search_sources(
            SourceQuery(account_id=account.pk, query="deposit missing", language="en", limit=5)
        )
    finally:
        sources.unregister_search_source(broken)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert f"/community/en/q/{question.pk}/" in html
    assert [h.kind for h in hits] == ["community"]


def test_ranking_prefers_the_thread_that_holds_the_query(
    account: Account, category: Category
) -> None:
    weak, _ = _answered(
        account, category,
        "Which network for deposit tokens", "Asking about networks.", "Use the deposit page.",
    )  # fmt: skip
    strong, _ = _answered(
        account, category,
        "Deposit on wrong network TRC20", "Sent my deposit on the wrong network.", "Send the hash.",
    )  # fmt: skip
    rows = knowledge.answered_questions(
        account_id=account.pk, query="deposit on the wrong network", language="en"
    )
    assert [r.question.pk for r in rows][:2] == [strong.pk, weak.pk]
    assert rows[0].coverage == 1.0
    assert knowledge.answered_questions(account_id=account.pk, query="   ", language="en") == []
