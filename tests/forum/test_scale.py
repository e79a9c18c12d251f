"""What keeps the forum fast at the issue's size (bench/forum_pages.py measures it): the hot
pages make a fixed number of queries however many rows they show, the most answered
questions are paged, question search matches whole words by prefix (PostgreSQL full text;
a contains-filter on SQLite and for Chinese), and the all-time leaderboard per category is
kept in step with every point."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from blockdesk.accounts.models import Account
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import reputation, selectors, services
from blockdesk.forum.models import Answer, Category, Comment, Question
from tests.forum.conftest import client_for, member

pytestmark = pytest.mark.django_db


def question(
    account: Account, category: Category, author: CustomerAccount, title: str, body: str = ""
) -> Question:
    body = body or "Details of the problem."
    return Question.objects.create(
        account=account,
        category=category,
        author=author,
        title=title,
        body=body,
        body_html=f"<p>{body}</p>",
    )


def answers(q: Question, authors: list[CustomerAccount], n: int, comments: int = 1) -> None:
    rows = Answer.objects.bulk_create(
        [
            Answer(
                account_id=q.account_id,
                question=q,
                author=authors[i % len(authors)],
                body=f"answer {i}",
                body_html=f"<p>answer {i}</p>",
                score=i % 7,
            )
            for i in range(n)
        ]
    )
    Comment.objects.bulk_create(
        [
            Comment(account_id=q.account_id, answer=a, author=authors[0], body=f"c{j}")
            for a in rows
            for j in range(comments)
        ]
    )
    Question.objects.filter(pk=q.pk).update(answer_count=n)


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.fixture
def people(account: Account) -> list[CustomerAccount]:
    return [member(account, level=1) for _ in range(4)]


def test_category_page_queries_do_not_grow_with_rows(account, category, people) -> None:
    for i in range(3):
        question(account, category, people[i % 4], f"First batch {i}")
    url = f"/community/en/c/{category.slug}/"
    few = queries_for(Client(), url)
    for i in range(40):
        question(account, category, people[i % 4], f"Second batch {i}")
    assert queries_for(Client(), url) == few
    for sort in ("votes", "new"):
        assert queries_for(Client(), f"{url}?sort={sort}&page=2") == few
    assert few <= 6


def test_question_page_queries_do_not_grow_with_answers(account, category, people) -> None:
    small = question(account, category, people[0], "Few answers")
    answers(small, people, 2)
    big = question(account, category, people[0], "Many answers")
    answers(big, people, selectors.ANSWER_PAGE_SIZE // 2, comments=3)
    huge = question(account, category, people[0], "Paged answers")
    answers(huge, people, selectors.ANSWER_PAGE_SIZE * 2, comments=2)
    base = queries_for(Client(), f"/community/en/q/{small.pk}/")
    assert queries_for(Client(), f"/community/en/q/{big.pk}/") == base
    # Paged: one narrow read of the sort keys first, whatever the page.
    assert queries_for(Client(), f"/community/en/q/{huge.pk}/") == base + 1
    assert queries_for(Client(), f"/community/en/q/{huge.pk}/?page=2") == base + 1
    # Signed in: the viewer's votes and level on top, still not per answer.
    reader = client_for(people[1])
    signed = queries_for(reader, f"/community/en/q/{small.pk}/")
    assert queries_for(reader, f"/community/en/q/{big.pk}/") == signed
    assert base <= 8 and signed <= 12


def test_tag_member_search_and_leaderboard_queries_are_fixed(account, category, people) -> None:
    tag = services.check_tags(account_id=account.pk, names="usdt")[0]
    for i in range(12):
        q = question(account, category, people[i % 4], f"Withdrawal of usdt number {i}")
        q.tags.add(tag)
        answers(q, people, 1)
        reputation.add_points(
            member_id=people[i % 4].pk,
            account_id=account.pk,
            category_id=category.pk,
            points=10,
            source=f"test:{i}",
        )
    client = Client()
    counts = {
        "tag": queries_for(client, "/community/en/t/usdt/"),
        "member": queries_for(client, f"/community/en/u/{people[0].pk}/"),
        "search": queries_for(client, "/community/en/search/?q=usdt+withdrawal"),
        "related": queries_for(client, "/community/en/related.json?q=usdt+withdrawal"),
        "leaderboard": queries_for(client, "/community/en/leaderboard/?period=all"),
    }
    # Ten search results on the page: a deferred field would make this 30 more.
    assert counts["search"] <= 8, counts
    assert counts["tag"] <= 5 and counts["member"] <= 8 and counts["related"] <= 4, counts
    assert counts["leaderboard"] <= 7, counts
    assert queries_for(client, "/community/en/t/no-such-tag/") <= counts["tag"]


def test_the_most_answered_questions_are_paged(account, category, people) -> None:
    q = question(account, category, people[0], "Popular question")
    answers(q, people, selectors.ANSWER_PAGE_SIZE + 5)
    best = Answer.objects.filter(question=q).order_by("score", "pk").first()
    assert best is not None
    Question.objects.filter(pk=q.pk).update(accepted_answer=best)
    page1 = Client().get(f"/community/en/q/{q.pk}/")
    page2 = Client().get(f"/community/en/q/{q.pk}/?page=2")
    shown1 = page1.context["answers"]
    shown2 = page2.context["answers"]
    assert len(shown1) == selectors.ANSWER_PAGE_SIZE and len(shown2) == 5
    assert shown1[0].pk == best.pk  # the accepted answer leads, though lowest-voted
    assert {a.pk for a in shown1}.isdisjoint({a.pk for a in shown2})
    assert page1.context["answer_total"] == selectors.ANSWER_PAGE_SIZE + 5
    assert "?page=2#answers" in page1.content.decode()
    assert "?page=2" in page2.context["canonical"]
    # The pages together are exactly the full order.
    q.refresh_from_db()
    everything = selectors.question_answers(question=q, viewer=None)
    assert [a.pk for a in shown1 + shown2] == [a.pk for a in everything]
    assert selectors.answer_page(question=q, viewer=None, page=3) == ([], len(everything))


def _titles(account: Account, query: str, **kw: Any) -> set[str]:
    return {q.title for q in selectors.search_questions(account_id=account.pk, query=query, **kw)}


def test_search_matches_every_word_by_prefix(account, category, people) -> None:
    question(account, category, people[0], "Withdrawal to MetaMask is pending")
    question(account, category, people[0], "USDT-TRC20 deposit missing", body="Sent from Binance")
    question(account, category, people[0], "Staking rewards", body="When are rewards paid?")
    zh = services.do_create_category(
        account_id=account.pk, language="zh-hans", slug="chongzhi", name="充值"
    )
    question(account, zh, people[0], "我的充值还没有到账呢", body="请帮忙")
    assert _titles(account, "withdraw metamask") == {"Withdrawal to MetaMask is pending"}
    assert _titles(account, "WITHDRAWAL pending") == {"Withdrawal to MetaMask is pending"}
    assert _titles(account, "trc20 binance") == {"USDT-TRC20 deposit missing"}
    assert _titles(account, "rewards staking") == {"Staking rewards"}
    assert _titles(account, "withdrawal binance") == set()  # every word must match
    assert _titles(account, "usdt", language="zh-hans") == set()
    # Chinese is not split into words by the full-text parser: the contains-filter answers.
    assert _titles(account, "充值还没有到账") == {"我的充值还没有到账呢"}
    # Punctuation and query syntax are plain words, never tsquery operators.
    assert _titles(account, "pending &&& ||| !!! :*:*") == {"Withdrawal to MetaMask is pending"}
    assert _titles(account, "metamask! (pending)") == {"Withdrawal to MetaMask is pending"}
    assert _titles(account, "metamask:* | staking") == set()
    # Held and removed questions stay out.
    Question.objects.filter(title__startswith="Staking").update(status="held")
    assert _titles(account, "rewards staking") == set()


def test_all_time_leaderboard_per_category_follows_points(account, category, people) -> None:
    other = services.do_create_category(
        account_id=account.pk, language="en", slug="trading", name="Trading"
    )
    a, b = people[0], people[1]
    for n, (who, cat, points) in enumerate(
        [(a, category, 10), (a, category, 15), (b, category, 20), (b, other, 100)]
    ):
        reputation.add_points(
            member_id=who.pk,
            account_id=account.pk,
            category_id=cat.pk,
            points=points,
            source=f"t:{n}",
        )

    def board(cat: Category) -> list[tuple[int, int]]:
        ranked = selectors.leaderboard(account_id=account.pk, period="all", category_id=cat.pk)
        return [(r.member.pk, r.points) for r in ranked]

    assert board(category) == [(a.pk, 25), (b.pk, 20)]
    assert board(other) == [(b.pk, 100)]
    reputation.remove_points(account_id=account.pk, source="t:1")
    assert board(category) == [(b.pk, 20), (a.pk, 10)]
    # The overall all-time board is the running totals (members start at level 1: 15).
    overall = selectors.leaderboard(account_id=account.pk, period="all")
    assert [(r.member.pk, r.points) for r in overall][:2] == [(b.pk, 15 + 120), (a.pk, 15 + 10)]


def test_one_page_questions_keep_the_same_order(account, category, people) -> None:
    q = question(account, category, people[0], "A few answers")
    answers(q, people, 6)
    held = Answer.objects.filter(question=q).order_by("pk").last()
    assert held is not None
    Answer.objects.filter(pk=held.pk).update(status="held", score=99)
    everything = selectors.question_answers(question=q, viewer=None)
    assert selectors.answer_page(question=q, viewer=None) == (everything, 5)
    # Its author still sees the held answer, in its place (highest score first).
    author = CustomerAccount.objects.get(pk=held.author_id)
    shown, total = selectors.answer_page(question=q, viewer=author)
    assert total == 6 and shown[0].pk == held.pk
