"""Votes, flags, reputation and the leaderboard: idempotent, not inflatable by tabs,
replays or sock puppets from one address; levels gate abilities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client

from blockdesk.accounts.models import Account
from blockdesk.common.errors import Conflict, Forbidden, RateLimited
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import levels, selectors, services, votes
from blockdesk.forum.models import (
    BadgeAward,
    Category,
    MemberStats,
    PeriodPoints,
    Question,
    ReputationEntry,
    Vote,
)
from blockdesk.forum.models.posts import Status

from .conftest import ask, client_for, member


def _rep(customer: CustomerAccount) -> int:
    return MemberStats.objects.get(member=customer).reputation


def test_a_replayed_vote_counts_once(account: Account, category: Category) -> None:
    author, voter = member(account), member(account, level=1)
    q = ask(author, category)
    client = client_for(voter)
    for _ in range(5):  # five tabs / a replayed request
        client.post(f"/community/vote/q/{q.pk}/", {"value": "1"})
    q.refresh_from_db()
    assert q.score == 1
    assert Vote.objects.count() == 1
    assert _rep(author) == levels.UPVOTE_QUESTION


def test_changing_a_vote_moves_its_points(account: Account, category: Category) -> None:
    author, voter = member(account), member(account, level=2)
    q = ask(author, category)
    a = services.do_answer(question=q, body="A helpful answer here.", author=author)
    votes.do_vote(voter=voter, post=a, value=1, ip="10.0.0.1")
    assert _rep(author) == levels.UPVOTE_ANSWER
    assert votes.do_vote(voter=voter, post=a, value=-1, ip="10.0.0.1") == -1
    assert _rep(author) == levels.DOWNVOTE_RECEIVED
    assert votes.do_vote(voter=voter, post=a, value=0, ip="10.0.0.1") == 0
    assert _rep(author) == 0
    assert not ReputationEntry.objects.exists()


def test_the_database_allows_one_vote_per_member_and_post(
    account: Account, category: Category
) -> None:
    from django.db import IntegrityError, transaction

    author, voter = member(account), member(account, level=1)
    q = ask(author, category)
    Vote.objects.create(account=account, voter=voter, question=q, value=1, ip_hash="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(account=account, voter=voter, question=q, value=1, ip_hash="y")


def test_sock_puppets_from_one_address_are_limited(account: Account, category: Category) -> None:
    q = ask(member(account), category)
    puppets = [member(account, level=1) for _ in range(votes.MAX_VOTES_PER_ADDRESS + 2)]
    for puppet in puppets[: votes.MAX_VOTES_PER_ADDRESS]:
        votes.do_vote(voter=puppet, post=q, value=1, ip="203.0.113.9")
    with pytest.raises(Conflict):
        votes.do_vote(voter=puppets[-1], post=q, value=1, ip="203.0.113.9")
    votes.do_vote(voter=puppets[-1], post=q, value=1, ip="198.51.100.1")  # another address
    q.refresh_from_db()
    assert q.score == votes.MAX_VOTES_PER_ADDRESS + 1


def test_vote_floods_are_rate_limited(
    account: Account, category: Category, settings: object
) -> None:
    voter = member(account, level=1)
    author = member(account)
    questions = [
        Question.objects.create(
            account=account, category=category, author=author, title=f"q{i}", body="b"
        )
        for i in range(votes.VOTES_PER_HOUR + 1)
    ]
    for q in questions[:-1]:
        votes.do_vote(voter=voter, post=q, value=1, ip="192.0.2.1")
    with pytest.raises(RateLimited):
        votes.do_vote(voter=voter, post=questions[-1], value=1, ip="192.0.2.1")


def test_levels_gate_voting(account: Account, category: Category) -> None:
    q = ask(member(account), category)
    with pytest.raises(Forbidden):
        votes.do_vote(voter=member(account, level=0), post=q, value=1, ip="1.1.1.1")
    with pytest.raises(Forbidden):
        votes.do_vote(voter=member(account, level=1), post=q, value=-1, ip="1.1.1.1")
    assert votes.do_vote(voter=member(account, level=2), post=q, value=-1, ip="1.1.1.2") == -1


def test_no_voting_on_ones_own_post(account: Account, category: Category) -> None:
    author = member(account, level=3)
    q = ask(author, category)
    with pytest.raises(Forbidden):
        votes.do_vote(voter=author, post=q, value=1, ip="1.1.1.1")


def test_anonymous_votes_go_to_sign_in(account: Account, category: Category) -> None:
    q = ask(member(account), category)
    response = Client().post(f"/community/vote/q/{q.pk}/", {"value": "1"})
    assert response.status_code == 302 and "/customer/sign-in/" in response["Location"]
    assert not Vote.objects.exists()


def test_flags_hide_a_post_once_per_member(account: Account, category: Category) -> None:
    q = ask(member(account), category)
    flaggers = [member(account, level=1) for _ in range(votes.FLAGS_TO_HIDE)]
    assert votes.do_flag(flagger=flaggers[0], post=q, reason="scam")
    assert not votes.do_flag(flagger=flaggers[0], post=q, reason="scam")  # replay: no-op
    for f in flaggers[1:]:
        votes.do_flag(flagger=f, post=q, reason="spam")
    q.refresh_from_db()
    assert q.status == Status.HELD and q.hold_reasons == ["flagged"]


def test_reputation_levels_and_badges(account: Account, category: Category) -> None:
    asker, helper = member(account), member(account)
    q = ask(asker, category)
    a = services.do_answer(question=q, body="Use the right network next time.", author=helper)
    voters = [member(account, level=1) for _ in range(2)]
    for i, v in enumerate(voters):
        votes.do_vote(voter=v, post=a, value=1, ip=f"10.1.0.{i}")
    services.do_accept(question=q, answer=a, by=asker)
    stats = MemberStats.objects.get(member=helper)
    assert stats.reputation == 2 * levels.UPVOTE_ANSWER + levels.ACCEPTED_ANSWER
    assert stats.trust_level == levels.Level.BASIC
    badges = set(BadgeAward.objects.filter(member=helper).values_list("badge", flat=True))
    assert {"first_answer", "accepted"} <= badges


def test_leaderboard_week_month_all_and_category(account: Account, category: Category) -> None:
    from blockdesk.forum import reputation

    other = services.do_create_category(
        account_id=account.pk, language="en", slug="wallets", name="Wallets"
    )
    top, second = member(account, name="Top Helper"), member(account, name="Second Helper")
    reputation.add_points(
        member_id=top.pk, account_id=account.pk, category_id=category.pk, points=30, source="t1"
    )
    assert reputation.add_points(
        member_id=second.pk, account_id=account.pk, category_id=other.pk, points=70, source="t2"
    )
    assert not reputation.add_points(  # the same source again: no points
        member_id=second.pk, account_id=account.pk, category_id=other.pk, points=70, source="t2"
    )
    week = selectors.leaderboard(account_id=account.pk, period="week")
    assert [(r.member.pk, r.points) for r in week] == [(second.pk, 70), (top.pk, 30)]
    # Second's points were earned last week: this week's board has only Top; the month and
    # all time still rank Second first.
    PeriodPoints.objects.filter(member=second, kind="w").update(
        start=F("start") - timedelta(days=7)
    )
    week = selectors.leaderboard(account_id=account.pk, period="week")
    assert [(r.member.pk, r.points) for r in week] == [(top.pk, 30)]
    month = selectors.leaderboard(account_id=account.pk, period="month")
    assert month[0].member.pk == second.pk and month[0].points == 70
    everything = selectors.leaderboard(account_id=account.pk, period="all")
    assert everything[0].member.pk == second.pk
    for period in ("week", "month", "all"):
        by_category = selectors.leaderboard(
            account_id=account.pk, period=period, category_id=category.pk
        )
        assert [r.member.pk for r in by_category] == [top.pk]
    page = Client().get("/community/en/leaderboard/?period=week").content.decode()
    assert "Top Helper" in page
    # Withdrawn points leave the period tables too.
    reputation.remove_points(account_id=account.pk, source="t1")
    assert selectors.leaderboard(account_id=account.pk, period="week") == []
