"""Suggestions through the real services: idempotent votes (replays, many tabs, two at
once), vote budgets, one address's sock puppets, statuses and voters' emails, merging
duplicates without double counting, demand from linked conversations, authorisation
across accounts, the secret guard and hostile input."""

from __future__ import annotations

import pytest
from django.db.models import Count

from blockdesk.common.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.events.models import Event
from blockdesk.feedback import services
from blockdesk.feedback.models import DemandLink, Suggestion, Vote, VoterNotice

pytestmark = pytest.mark.django_db(transaction=True)

SEED = "abandon ability able about above absent absorb abstract absurd abuse access accident"


def idea(account, author=None, title="Dark mode", **kw):  # type: ignore[no-untyped-def]
    return services.do_post_suggestion(account_id=account.pk, author=author, title=title, **kw)


def test_posting_redacts_a_seed_phrase_and_emits_an_event(account, contact):
    s = idea(account, contact, title="Recovery help", body=f"my words are {SEED}")
    assert "abandon ability" not in s.body
    assert Event.objects.filter(name="suggestion.created", account_id=account.pk).count() == 1


def test_hostile_input_is_bounded_and_escaped(account, contact, client):
    from tests.feedback.conftest import sign_in

    with pytest.raises(ValidationFailed):
        idea(account, contact, title="x" * 161)
    with pytest.raises(ValidationFailed):
        idea(account, contact, title="   ")
    with pytest.raises(ValidationFailed):
        idea(account, contact, title="ok", body="y" * 5001)
    s = idea(account, contact, title="<script>alert(1)</script>")
    sign_in(client, contact)
    page = client.get(f"/feedback/{s.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_posting_is_rate_limited_per_customer(account, contact, settings):
    settings.FEEDBACK_POSTS_PER_HOUR = 2
    idea(account, contact, title="a")
    idea(account, contact, title="b")
    with pytest.raises(RateLimited):
        idea(account, contact, title="c")


def test_a_replayed_vote_is_the_same_vote(account, contact):
    s = idea(account, contact)
    _vote, created = services.do_vote(suggestion_id=s.pk, contact=contact, address="10.0.0.1")
    assert created
    for _ in range(5):  # replays and other tabs
        _again, created = services.do_vote(suggestion_id=s.pk, contact=contact, address="10.0.0.1")
        assert not created
    s.refresh_from_db()
    assert s.vote_count == 1 == Vote.objects.filter(suggestion=s).count()


def test_replayed_votes_over_http_count_once(account, contact, client):
    from tests.feedback.conftest import sign_in

    s = idea(account, contact)
    sign_in(client, contact)
    for _ in range(4):
        response = client.post(f"/feedback/{s.pk}/vote", {"action": "vote"})
        assert response.status_code == 302
    s.refresh_from_db()
    assert s.vote_count == 1
    client.post(f"/feedback/{s.pk}/vote", {"action": "unvote"})
    client.post(f"/feedback/{s.pk}/vote", {"action": "unvote"})
    s.refresh_from_db()
    assert s.vote_count == 0


def test_anonymous_cannot_vote_or_post(account, contact, client):
    s = idea(account, contact)
    response = client.post(f"/feedback/{s.pk}/vote")
    assert response.status_code == 302 and "/customer/" in response["Location"]
    response = client.post("/feedback/new", {"title": "x"})
    assert response.status_code == 302 and "/customer/" in response["Location"]
    assert Suggestion.objects.count() == 1
    s.refresh_from_db()
    assert s.vote_count == 0


def test_vote_budget_is_enforced_and_a_vote_taken_back_is_returned(account, contact):
    config = services.settings_for(account.pk)
    config.vote_budget = 2
    config.save()
    by = _agent(account)
    ideas = [
        services.do_post_suggestion(account_id=account.pk, by=by, title=f"i{n}") for n in range(3)
    ]
    services.do_vote(suggestion_id=ideas[0].pk, contact=contact)
    services.do_vote(suggestion_id=ideas[1].pk, contact=contact)
    with pytest.raises(Conflict):
        services.do_vote(suggestion_id=ideas[2].pk, contact=contact)
    services.do_unvote(suggestion_id=ideas[0].pk, contact=contact)
    services.do_vote(suggestion_id=ideas[2].pk, contact=contact)
    # A trust level (the forum) adds votes through the registry.
    saved = list(services._budget_providers)
    services.register_budget_provider(lambda c: 1 if c.pk == contact.pk else None)
    try:
        assert services.vote_budget(contact) == 3
    finally:
        services._budget_providers[:] = saved


def _agent(account):  # type: ignore[no-untyped-def]
    from blockdesk.accounts.models import User

    return User.objects.filter(account=account).first() or _make_agent(account)


def _make_agent(account):  # type: ignore[no-untyped-def]
    from blockdesk.accounts.services import do_create_agent

    return do_create_agent(
        account=account, username="fb-agent", email="fb@example.com", password="x-pass-2026-ok"
    )


def test_sock_puppets_from_one_address_are_limited(account, customers):
    s = idea(account, customers[0])
    config = services.settings_for(account.pk)
    config.votes_per_address = 3
    config.save()
    for puppet in customers[:3]:
        services.do_vote(suggestion_id=s.pk, contact=puppet, address="203.0.113.9")
    with pytest.raises(Forbidden):
        services.do_vote(suggestion_id=s.pk, contact=customers[3], address="203.0.113.9")
    # Another network still counts.
    services.do_vote(suggestion_id=s.pk, contact=customers[4], address="198.51.100.1")
    s.refresh_from_db()
    assert s.vote_count == 4
    # The address is never stored in clear.
    assert not Vote.objects.filter(address_hash__contains="203.0").exists()


def test_vote_flood_is_rate_limited(account, contact, settings):
    settings.FEEDBACK_VOTES_PER_MINUTE = 3
    s = idea(account, contact)
    for _ in range(3):
        services.do_vote(suggestion_id=s.pk, contact=contact)
    with pytest.raises(RateLimited):
        services.do_vote(suggestion_id=s.pk, contact=contact)


def test_a_customer_cannot_vote_in_another_account(account, other_account, contact):
    foreign = Contact.objects.create(account=other_account, name="x")
    s = idea(account, contact)
    with pytest.raises(NotFound):
        services.do_vote(suggestion_id=s.pk, contact=foreign)
    with pytest.raises(NotFound):
        services.do_post_suggestion(account_id=account.pk, author=foreign, title="x")


def test_status_change_emails_every_voter_once(account, agent, customers, mailoutbox):
    s = idea(account, customers[0])
    for c in customers[:3]:
        services.do_vote(suggestion_id=s.pk, contact=c)
    change = services.do_change_status(
        actor=agent, suggestion_id=s.pk, status="planned", note="Coming in Q3"
    )
    assert change is not None
    assert sorted(m.to[0] for m in mailoutbox) == sorted(c.email for c in customers[:3])
    assert "Coming in Q3" in mailoutbox[0].body
    # The task running again (a retried worker) sends nothing more.
    from blockdesk.feedback.notify import do_notify_voters

    assert do_notify_voters(change_id=change.pk) == 0
    assert len(mailoutbox) == 3
    assert VoterNotice.objects.filter(change=change, status="sent").count() == 3
    event = Event.objects.get(name="suggestion.status_changed")
    assert event.payload["new"] == "planned" and event.payload["voters"] == 3
    # Same status again: no change, no email.
    assert services.do_change_status(actor=agent, suggestion_id=s.pk, status="planned") is None
    assert len(mailoutbox) == 3


def test_closed_suggestions_take_no_votes(account, agent, contact, customers):
    s = idea(account, contact)
    services.do_change_status(actor=agent, suggestion_id=s.pk, status="declined")
    with pytest.raises(Conflict):
        services.do_vote(suggestion_id=s.pk, contact=customers[1])


def test_agents_cannot_touch_another_accounts_suggestions(account, other_account, contact):
    from blockdesk.accounts.services import do_create_agent

    stranger = do_create_agent(
        account=other_account, username="eve", email="eve@example.com", password="x-pass-2026-ok"
    )
    s = idea(account, contact)
    with pytest.raises(NotFound):
        services.do_change_status(actor=stranger, suggestion_id=s.pk, status="planned")
    with pytest.raises(NotFound):
        services.do_merge(actor=stranger, duplicate_id=s.pk, into_id=s.pk + 1)
    with pytest.raises(NotFound):
        services.do_set_hidden(actor=stranger, suggestion_id=s.pk, hidden=True)


def test_merging_moves_votes_without_double_counting(account, agent, customers, mailoutbox):
    original = idea(account, customers[0], title="Dark mode")
    duplicate = idea(account, customers[1], title="Night theme")
    # c0, c1 vote for both; c2, c3 only the duplicate; c4 only the original.
    for c in customers[:2]:
        services.do_vote(suggestion_id=original.pk, contact=c)
        services.do_vote(suggestion_id=duplicate.pk, contact=c)
    for c in customers[2:4]:
        services.do_vote(suggestion_id=duplicate.pk, contact=c)
    services.do_vote(suggestion_id=original.pk, contact=customers[4])
    services.do_merge(actor=agent, duplicate_id=duplicate.pk, into_id=original.pk)
    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert original.vote_count == 5 == Vote.objects.filter(suggestion=original).count()
    assert duplicate.vote_count == 0 and duplicate.status == "duplicate"
    assert duplicate.merged_into_id == original.pk
    dupes = Vote.objects.values("suggestion", "contact").annotate(n=Count("id")).filter(n__gt=1)
    assert not dupes.exists()
    # The duplicate's voters hear where their vote went.
    assert {m.to[0] for m in mailoutbox} == {c.email for c in customers[:4]}
    # Merging again, into itself, or into a duplicate is refused.
    with pytest.raises(Conflict):
        services.do_merge(actor=agent, duplicate_id=duplicate.pk, into_id=original.pk)
    with pytest.raises(ValidationFailed):
        services.do_merge(actor=agent, duplicate_id=original.pk, into_id=original.pk)
    third = idea(account, customers[5], title="Darker")
    with pytest.raises(Conflict):
        services.do_merge(actor=agent, duplicate_id=third.pk, into_id=duplicate.pk)
    # A duplicate's page leads to the original.
    from django.test import Client

    response = Client().get(f"/feedback/{duplicate.pk}/")
    assert response.status_code == 302 and response["Location"].endswith(f"/{original.pk}/")


def test_demand_counts_distinct_customers(account, agent, channel, customers):
    s = idea(account, customers[0])
    cases = []
    for c in (customers[0], customers[0], customers[1]):  # c0 wrote twice
        sent = conv_services.do_send_contact_message(
            contact=c, inbox=channel.inbox, conversation=None, content="dark mode please"
        )
        conv = Conversation.objects.get(pk=sent.message.conversation_id)
        if conv not in cases:
            cases.append(conv)
        conv_services.do_change_status(actor=agent, conversation=conv, status="resolved")
    for conv in cases:
        services.do_link_conversation(actor=agent, suggestion_id=s.pk, conversation_id=conv.pk)
        services.do_link_conversation(actor=agent, suggestion_id=s.pk, conversation_id=conv.pk)
    assert DemandLink.objects.filter(suggestion=s).count() == len(cases) == 3
    assert services.demand(s) == 2
    event = Event.objects.filter(name="suggestion.conversation_linked").order_by("-pk").first()
    assert event is not None and event.payload["customers"] == 2


def test_agent_without_inbox_access_cannot_link(account, outsider, channel, contact):
    s = idea(account, contact)
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hello"
    )
    with pytest.raises(NotFound):
        services.do_link_conversation(
            actor=outsider, suggestion_id=s.pk, conversation_id=sent.message.conversation_id
        )


def test_public_pages_show_only_visible_suggestions(account, agent, contact, client):
    shown = idea(account, contact, title="Shown idea")
    hidden = idea(account, contact, title="Spam idea")
    services.do_set_hidden(actor=agent, suggestion_id=hidden.pk, hidden=True)
    services.do_change_status(actor=agent, suggestion_id=shown.pk, status="in_progress")
    page = client.get("/feedback/").content.decode()
    assert "Shown idea" in page and "Spam idea" not in page
    assert 'rel="canonical"' in page and "<script>" not in page.split("</main>")[0]
    board = client.get("/feedback/roadmap/").content.decode()
    assert "Shown idea" in board
    assert client.get(f"/feedback/{hidden.pk}/").status_code == 404


@pytest.mark.usefixtures("steady_rate_window")
def test_public_pages_are_rate_limited(account, client, settings):
    settings.FEEDBACK_PUBLIC_RATE_LIMIT = 2
    assert client.get("/feedback/").status_code == 200
    assert client.get("/feedback/").status_code == 200
    response = client.get("/feedback/")
    assert response.status_code == 429 and response["Retry-After"]


def test_console_pages(account, agent, contact, client):
    from tests.conftest import PASSWORD

    s = idea(account, contact, title="Console idea")
    client.login(username=agent.username, password=PASSWORD)
    assert "Console idea" in client.get("/app/feedback/").content.decode()
    assert client.get(f"/app/feedback/{s.pk}/").status_code == 200
    response = client.post(f"/app/feedback/{s.pk}/status", {"status": "under_review"})
    assert response.status_code == 302
    assert Suggestion.objects.get(pk=s.pk).status == "under_review"
    # Not an administrator: no settings.
    assert client.get("/app/feedback/settings/").status_code == 403
