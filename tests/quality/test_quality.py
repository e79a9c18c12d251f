"""Agent quality (docs/quality.md): who may review, weighted totals, one review per
reviewer, the database's own checks, model answers and their CSV, weekly averages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Contact, Conversation, ConversationEvent, Message
from blockdesk.events.models import Event
from blockdesk.quality import selectors, services
from blockdesk.quality.models import ModelAnswer, Review, ReviewScore, Scale, Scorecard
from blockdesk.quality.services import CriterionInput
from tests.conftest import PASSWORD


def _case(
    *, account: Account, agent: User, reply: str = "Your deposit is confirmed."
) -> tuple[Conversation, Message]:
    inbox = do_create_web_widget_inbox(
        account=account, name=f"Web {agent.pk}", members=[agent]
    ).inbox
    contact = Contact.objects.create(account=account, name="Carol")
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=inbox, conversation=None, content="Where is my deposit?"
    )
    conversation = Conversation.objects.get(pk=sent.message.conversation_id)
    answer = conv_services.do_send_agent_message(
        agent=agent, conversation=conversation, content=reply
    ).message
    conversation.refresh_from_db()
    return conversation, answer


def _card(lead: User, name: str = "Default") -> Scorecard:
    return services.do_create_scorecard(
        user=lead,
        name=name,
        criteria=[
            CriterionInput(label="Accuracy", weight=3),
            CriterionInput(label="Tone", weight=1),
            CriterionInput(label="Security practice", weight=2, scale=Scale.PASS_FAIL),
        ],
    )


def _values(card: Scorecard, *scores: int) -> dict[int, int]:
    return {c.pk: v for c, v in zip(card.criteria.all(), scores, strict=True)}


def _review(reviewer: User, conversation: Conversation, card: Scorecard, *scores: int) -> Review:
    return services.do_create_review(
        reviewer=reviewer,
        display_id=conversation.display_id,
        scorecard_id=card.pk,
        values=_values(card, *scores),
    )


@pytest.fixture
def lead(admin_user: User) -> User:
    return admin_user


def test_total_is_weighted(lead: User, agent: User, account: Account) -> None:
    conversation, _answer = _case(account=account, agent=agent)
    card = _card(lead)
    # Accuracy 5 -> 1.0 x3, tone 3 -> 0.5 x1, security fail -> 0 x2: 3.5 / 6 = 58.3
    review = services.do_create_review(
        reviewer=lead,
        display_id=conversation.display_id,
        scorecard_id=card.pk,
        values=_values(card, 5, 3, 0),
        comment="Forgot to warn about the seed phrase.",
    )
    assert review.total == Decimal("58.3")
    assert review.agent == agent
    assert ReviewScore.objects.filter(review=review).count() == 3
    best = services.compute_total(
        [(c, 5 if c.scale == Scale.FIVE else 1) for c in card.criteria.all()]
    )
    worst = services.compute_total(
        [(c, 1 if c.scale == Scale.FIVE else 0) for c in card.criteria.all()]
    )
    assert (best, worst) == (Decimal("100.0"), Decimal("0.0"))
    # Registered event, timeline line.
    event = Event.objects.get(name="quality.review_created")
    assert event.payload["total"] == 58.3 and event.payload["agent_id"] == agent.pk
    line = ConversationEvent.objects.get(conversation=conversation, kind="quality_reviewed")
    from blockdesk.conversations.timeline import describe_event

    assert "58.3/100" in describe_event(line) and lead.public_name in describe_event(line)


def test_agent_cannot_review_and_sees_only_own(lead: User, agent: User, account: Account) -> None:
    conversation, _answer = _case(account=account, agent=agent)
    card = _card(lead)
    with pytest.raises(Forbidden):
        _review(agent, conversation, card, 5, 5, 1)
    with pytest.raises(Forbidden):
        _card(agent, name="Mine")
    review = _review(lead, conversation, card, 4, 4, 1)
    other = do_create_agent(
        account=account, username="dave", email="d@example.com", password=PASSWORD
    )
    assert list(selectors.visible_reviews(user=agent)) == [review]
    assert list(selectors.visible_reviews(user=other)) == []
    with pytest.raises(NotFound):
        selectors.get_review(user=other, review_id=review.pk)


def test_cross_account_is_404(
    lead: User, agent: User, account: Account, other_account: Account
) -> None:
    conversation, answer = _case(account=account, agent=agent)
    card = _card(lead)
    stranger = do_create_agent(
        account=other_account,
        username="eve",
        email="e@example.com",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )
    with pytest.raises(NotFound):
        _review(stranger, conversation, card, 5, 5, 1)
    their_conv, _their_answer = _case(account=other_account, agent=stranger)
    with pytest.raises(NotFound):  # their conversation, our scorecard
        _review(stranger, their_conv, card, 5, 5, 1)
    with pytest.raises(NotFound):
        services.do_mark_model_answer(user=stranger, message_id=answer.pk)
    with pytest.raises(NotFound):
        services.do_set_scorecard_active(user=stranger, scorecard_id=card.pk, active=False)
    # Display ids count per account: #2 exists here only.
    ours, _second = _case(account=account, agent=agent, reply="Second case")
    client = Client()
    client.login(username=stranger.username, password=PASSWORD)
    assert client.get(reverse("quality:review", args=[ours.display_id])).status_code == 404


def test_one_review_per_reviewer_and_scores_in_scale(
    lead: User, agent: User, account: Account
) -> None:
    conversation, _answer = _case(account=account, agent=agent)
    card = _card(lead)
    with pytest.raises(ValidationFailed):  # 6 is off the 1-5 scale
        _review(lead, conversation, card, 6, 3, 1)
    with pytest.raises(ValidationFailed):  # a criterion left out
        services.do_create_review(
            reviewer=lead,
            display_id=conversation.display_id,
            scorecard_id=card.pk,
            values={card.criteria.first().pk: 5},
        )
    review = _review(lead, conversation, card, 3, 3, 1)
    with pytest.raises(Conflict):
        _review(lead, conversation, card, 5, 5, 1)
    assert Review.objects.count() == 1
    # Another lead may review the same case.
    second = do_create_agent(
        account=account,
        username="lead2",
        email="l2@example.com",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )
    _review(second, conversation, card, 5, 5, 1)
    # The database itself refuses a second review and an off-scale score.
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            account=account,
            conversation=conversation,
            scorecard=card,
            reviewer=lead,
            agent=agent,
            total=1,
        )
    security = card.criteria.get(label="Security practice")
    ReviewScore.objects.filter(review=review, criterion=security).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewScore.objects.create(
            review=review, criterion=security, scale=Scale.PASS_FAIL, value=2
        )


def test_model_answer_marking(lead: User, agent: User, account: Account) -> None:
    conversation, answer = _case(account=account, agent=agent, reply='=HYPERLINK("http://x")')
    customer = Message.objects.filter(conversation=conversation, sender_type="contact").first()
    with pytest.raises(Forbidden):
        services.do_mark_model_answer(user=agent, message_id=answer.pk)
    with pytest.raises(ValidationFailed):
        services.do_mark_model_answer(user=lead, message_id=customer.pk)
    row = services.do_mark_model_answer(user=lead, message_id=answer.pk, note="Clear and calm")
    assert row.marked_by == lead
    with pytest.raises(Conflict):
        services.do_mark_model_answer(user=lead, message_id=answer.pk)
    # Listed for the agent who can see the case; exported with the formula guarded.
    assert list(selectors.model_answers(user=agent)) == [row]
    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    page = client.get(reverse("quality:model_answers"))
    assert "Clear and calm" in page.content.decode()
    body = b"".join(client.get(reverse("quality:model_answers_csv")).streaming_content).decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    services.do_unmark_model_answer(user=lead, message_id=answer.pk)
    assert not ModelAnswer.objects.exists()


def test_weekly_averages_per_agent(lead: User, agent: User, account: Account) -> None:
    second = do_create_agent(
        account=account, username="frank", email="f@example.com", password=PASSWORD
    )
    card = _card(lead)
    monday = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    plan = [
        (agent, monday, (5, 5, 1)),  # 100
        (agent, monday + dt.timedelta(days=2), (3, 3, 1)),  # 66.7 -> week avg 83.35, shown 83.4
        (agent, monday + dt.timedelta(days=7), (1, 1, 0)),  # 0, next week
        (second, monday + dt.timedelta(days=1), (3, 3, 0)),  # 33.3
    ]
    for who, when, scores in plan:
        conversation, _answer = _case(account=account, agent=who)
        review = _review(lead, conversation, card, *scores)
        Review.objects.filter(pk=review.pk).update(created_at=when)
    since, until = monday - dt.timedelta(days=1), monday + dt.timedelta(days=14)
    weeks, rows = selectors.weekly_averages(user=lead, since=since, until=until)
    assert weeks == [dt.date(2026, 11, 2), dt.date(2026, 11, 9)]
    by_name = {r.agent.username: r.weeks for r in rows}
    assert by_name["alice"] == {
        dt.date(2026, 11, 2): (Decimal("83.4"), 2),
        dt.date(2026, 11, 9): (Decimal("0.0"), 1),
    }
    assert by_name["frank"] == {dt.date(2026, 11, 2): (Decimal("33.3"), 1)}
    # An agent sees their own line only.
    _weeks, own = selectors.weekly_averages(user=second, since=since, until=until)
    assert [r.agent for r in own] == [second]


def test_pages(lead: User, agent: User, account: Account) -> None:
    conversation, _answer = _case(account=account, agent=agent)
    client = Client()
    client.login(username=lead.username, password=PASSWORD)
    created = client.post(
        reverse("quality:scorecards"),
        {
            "name": "Chat",
            "label_0": "Accuracy",
            "weight_0": "2",
            "scale_0": "five",
            "label_1": "Security",
            "weight_1": "1",
            "scale_1": "pass_fail",
        },
    )
    assert created.status_code == 302
    card = Scorecard.objects.get(name="Chat")
    conv_page = client.get(reverse("workspace:conversation", args=[conversation.display_id]))
    assert reverse("quality:review", args=[conversation.display_id]) in conv_page.content.decode()
    crit = {c.label: c.pk for c in card.criteria.all()}
    posted = client.post(
        reverse("quality:review", args=[conversation.display_id]),
        {
            "scorecard": card.pk,
            f"criterion_{crit['Accuracy']}": "4",
            f"criterion_{crit['Security']}": "1",
            "comment": "<b>ok</b>",
        },
    )
    assert posted.status_code == 302
    assert Review.objects.get().total == Decimal("83.3")  # (0.75*2 + 1) / 3
    review_page = client.get(
        reverse("quality:review", args=[conversation.display_id])
    ).content.decode()
    assert "&lt;b&gt;ok&lt;/b&gt;" in review_page
    assert "83.3" in client.get(reverse("quality:agents")).content.decode()
    agent_client = Client()
    agent_client.login(username=agent.username, password=PASSWORD)
    assert (
        agent_client.get(reverse("quality:review", args=[conversation.display_id])).status_code
        == 403
    )
    assert agent_client.get(reverse("quality:scorecards")).status_code == 403
    assert "83.3" in agent_client.get(reverse("quality:agents")).content.decode()


def test_a_team_lead_reviews_only_the_agents_of_their_teams(
    lead: User, agent: User, account: Account
) -> None:
    """Team leads (accounts.TeamMembership.is_lead) are quality leads for their teams;
    scorecards stay with administrators."""
    from blockdesk.accounts.models import Team, TeamMembership

    team_lead = do_create_agent(
        account=account, username="tl", email="tl@example.com", password=PASSWORD, role="agent"
    )
    outsider = do_create_agent(
        account=account, username="out", email="out@example.com", password=PASSWORD, role="agent"
    )
    team = Team.objects.create(account=account, name="Tier 1")
    TeamMembership.objects.create(team=team, user=team_lead, is_lead=True)
    TeamMembership.objects.create(team=team, user=agent)
    card = _card(lead)
    with pytest.raises(Forbidden):
        _card(team_lead, "Mine")
    with pytest.raises(Forbidden):
        services.do_set_scorecard_active(user=team_lead, scorecard_id=card.pk, active=False)

    inbox = do_create_web_widget_inbox(
        account=account, name="Shared", members=[agent, outsider, team_lead]
    ).inbox

    def handled_by(who: User) -> tuple[Conversation, Message]:
        contact = Contact.objects.create(account=account, name=f"Customer of {who.username}")
        sent = conv_services.do_send_contact_message(
            contact=contact, inbox=inbox, conversation=None, content="Where is my deposit?"
        )
        conversation = Conversation.objects.get(pk=sent.message.conversation_id)
        answer = conv_services.do_send_agent_message(
            agent=who, conversation=conversation, content="It is confirmed."
        ).message
        return conversation, answer

    mine, mine_answer = handled_by(agent)
    theirs, theirs_answer = handled_by(outsider)
    review = _review(team_lead, mine, card, 4, 4, 1)
    with pytest.raises(Forbidden):
        _review(team_lead, theirs, card, 4, 4, 1)
    services.do_mark_model_answer(user=team_lead, message_id=mine_answer.pk)
    with pytest.raises(Forbidden):
        services.do_mark_model_answer(user=team_lead, message_id=theirs_answer.pk)
    # What each reads: the admin everything, the team lead their team, agents their own.
    admins = _review(lead, theirs, card, 2, 2, 0)
    assert set(selectors.visible_reviews(user=lead)) == {review, admins}
    assert list(selectors.visible_reviews(user=team_lead)) == [review]
    assert list(selectors.visible_reviews(user=outsider)) == [admins]
