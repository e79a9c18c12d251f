"""Questions, answers, comments, accepting, official answers, safety holds, pages."""

from __future__ import annotations

import pytest
from django.test import Client

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import Forbidden, RateLimited, ValidationFailed
from blockdesk.events.models import Event
from blockdesk.forum import services
from blockdesk.forum.models import Answer, Category, MemberStats, Question
from blockdesk.forum.models.posts import Status
from blockdesk.trust.models import OfficialChannel

from .conftest import ask, client_for, member

SEED = "abandon " * 11 + "about"


def test_ask_answer_accept_with_events_and_reputation(account: Account, category: Category) -> None:
    asker, helper = member(account), member(account)
    q = ask(asker, category)
    assert q.status == Status.PUBLISHED
    a = services.do_answer(
        question=q, body="Check the network: Tron deposits need 20 confirmations.", author=helper
    )
    services.do_accept(question=q, answer=a, by=asker)
    services.do_accept(question=q, answer=a, by=asker)  # a replay changes nothing
    q.refresh_from_db()
    assert q.accepted_answer_id == a.pk and q.answer_count == 1
    stats = MemberStats.objects.get(member=helper)
    assert stats.reputation == 15 and stats.accepted == 1
    names = list(Event.objects.values_list("name", flat=True))
    for name in ("forum.question_created", "forum.answer_created", "forum.answer_accepted"):
        assert names.count(name) == 1


def test_only_the_asker_accepts(account: Account, category: Category) -> None:
    asker, helper, other = member(account), member(account), member(account)
    q = ask(asker, category)
    a = services.do_answer(question=q, body="Try again later please.", author=helper)
    with pytest.raises(Forbidden):
        services.do_accept(question=q, answer=a, by=other)


def test_a_seed_phrase_is_never_published(account: Account, category: Category) -> None:
    asker = member(account)
    q = ask(asker, category, body=f"My wallet words are {SEED} please help")
    assert "abandon abandon" not in q.body and "abandon abandon" not in q.body_html
    page = Client().get(f"/community/en/q/{q.pk}/")
    assert b"abandon abandon" not in page.content


def test_xss_is_escaped(account: Account, category: Category) -> None:
    asker = member(account)
    q = ask(
        asker,
        category,
        title="<script>alert(1)</script> deposit stuck",
        body="<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(2)</script>",
    )
    html = Client().get(f"/community/en/q/{q.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "<img" not in html  # shown as text, never as a tag
    assert 'href="javascript' not in html


def test_huge_posts_are_refused(account: Account, category: Category) -> None:
    with pytest.raises(ValidationFailed):
        ask(member(account), category, body="x" * 20_001)
    with pytest.raises(ValidationFailed):
        ask(member(account), category, title="t" * 151)


def test_a_lookalike_link_holds_the_post(account: Account, category: Category) -> None:
    OfficialChannel.objects.create(
        account=account, kind="domain", value="exchange.example", display="exchange.example"
    )
    asker = member(account, level=2)
    q = ask(asker, category, body="Claim your refund at https://exchanqe.example/refund quickly")
    assert q.status == Status.HELD and "lookalike_link" in q.hold_reasons
    assert Client().get(f"/community/en/q/{q.pk}/").status_code == 404  # not public
    assert client_for(asker).get(f"/community/en/q/{q.pk}/").status_code == 200  # author sees it


def test_posing_as_support_is_held(account: Account, category: Category) -> None:
    asker, scammer = member(account), member(account, level=2)
    q = ask(asker, category)
    a = services.do_answer(
        question=q, body="Official support here, DM me on Telegram to fix it.", author=scammer
    )
    assert a.status == Status.HELD and "poses_as_support" in a.hold_reasons
    q.refresh_from_db()
    assert q.answer_count == 0


def test_a_customer_asking_for_a_seed_is_held(account: Account, category: Category) -> None:
    q = ask(member(account), category)
    a = services.do_answer(
        question=q,
        body="Send me your seed phrase and I will recover it.",
        author=member(account, 2),
    )
    assert a.status == Status.HELD and "asks_for_secret" in a.hold_reasons


def test_staff_answers_are_official_and_guarded(
    account: Account, category: Category, agent: User
) -> None:
    q = ask(member(account), category)
    with pytest.raises(ValidationFailed):
        services.do_answer(question=q, body="Please send us your seed phrase.", agent=agent)
    a = services.do_answer(question=q, body="We credited it; please refresh.", agent=agent)
    assert a.is_official and a.status == Status.PUBLISHED
    html = Client().get(f"/community/en/q/{q.pk}/").content.decode()
    assert "Official · verified staff" in html


def test_new_members_are_rate_limited(account: Account, category: Category) -> None:
    newbie = member(account)
    for i in range(services.POSTS_PER_HOUR_NEW):
        ask(newbie, category, title=f"Question number {i} about deposits")
    with pytest.raises(RateLimited):
        ask(newbie, category, title="One question too many today")


def test_new_members_links_wait_for_review(account: Account, category: Category) -> None:
    q = ask(member(account), category, body="See https://example.org/guide for details please")
    assert q.status == Status.HELD and "new_member_links" in q.hold_reasons


def test_moderation_publishes_and_removes(
    account: Account, category: Category, agent: User
) -> None:
    q = ask(member(account), category, body="See https://example.org/guide for details please")
    client = Client()
    client.force_login(agent)
    assert "example.org" in client.get("/app/community/").content.decode()
    client.post(f"/app/community/moderate/q/{q.pk}/", {"status": "published"})
    q.refresh_from_db()
    assert q.status == Status.PUBLISHED
    assert Client().get(f"/community/en/q/{q.pk}/").status_code == 200


def test_the_queue_is_for_agents_only(account: Account, category: Category) -> None:
    response = client_for(member(account)).get("/app/community/")
    assert response.status_code == 302  # a customer session is not an agent login


def test_pages_render_with_canonical_and_hreflang(account: Account, category: Category) -> None:
    q = ask(member(account), category)
    home = Client().get("/community/en/").content.decode()
    assert 'rel="canonical"' in home and 'hreflang="zh-Hans"' in home
    page = Client().get(f"/community/en/c/{category.slug}/").content.decode()
    assert q.title in page
    assert Client().get(f"/community/en/c/{category.slug}/feed.atom").status_code == 200
    rss = Client().get(f"/community/en/c/{category.slug}/feed.rss").content.decode()
    assert q.title in rss
    assert Client().get("/community/en/leaderboard/?period=month").status_code == 200
    assert Client().get("/community/xx/").status_code == 404


def test_ask_requires_sign_in(account: Account, category: Category) -> None:
    response = Client().get(f"/community/en/c/{category.slug}/ask/")
    assert response.status_code == 302 and "/customer/sign-in/" in response["Location"]


def test_ask_through_the_form(account: Account, category: Category) -> None:
    client = client_for(member(account))
    response = client.post(
        f"/community/en/c/{category.slug}/ask/",
        {
            "title": "Withdrawal pending for a day",
            "body": "My withdrawal is pending since yesterday.",
            "tags": "withdrawal usdt",
        },
    )
    assert response.status_code == 302
    q = Question.objects.get()
    assert sorted(t.name for t in q.tags.all()) == ["usdt", "withdrawal"]


def test_search_finds_answered_questions(account: Account, category: Category) -> None:
    q = ask(member(account), category, title="Deposit on the wrong network")
    services.do_answer(question=q, body="Contact support with the hash.", author=member(account))
    html = Client().get("/community/en/search/?q=wrong network").content.decode()
    assert q.title in html
    related = Client().get("/community/en/related.json?q=wrong network").json()
    assert related["results"][0]["title"] == q.title


def test_agents_turn_a_question_into_a_conversation_and_an_answer_into_a_draft(
    account: Account, category: Category, agent: User, channel: object
) -> None:
    from blockdesk.forum import agent_services

    asker = member(account)
    q = ask(asker, category)
    conversation = agent_services.do_open_conversation(agent=agent, question=q)
    assert conversation.contact_id == asker.contact_id
    a = services.do_answer(
        question=q, body="Tron deposits need 20 confirmations.", author=member(account)
    )
    draft = agent_services.do_draft_article(agent=agent, answer=Answer.objects.get(pk=a.pk))
    assert draft.status == "draft"
    assert a.author is not None and a.author.display_name in draft.body  # attribution
