"""The audit log page: a page of 50 rows with every kind of actor (agents, customers, API
tokens, the assistant, the system) and conversation links costs a fixed number of
statements, however many distinct actors and conversations it names."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from blockdesk.accounts.models import Account, ApiToken, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.events.registry import Actor, Subject
from tests.audit.conftest import URL, event_ids, record, token_payload
from tests.conftest import PASSWORD
from tests.workspace.conftest import open_conversation

# Measured 9 on SQLite: session, user, two-factor device, account (the console's own), the
# events page, then one read each for agents, customers, API tokens and conversations:
# 10 for the page, + 2 that every console page now pays in its layout: the open status
# incidents (statuspage) and the agent's presence (routing). Candidates for a short cache.
PAGE_MAX_QUERIES = 12

pytestmark = pytest.mark.django_db


def _mixed_events(account: Account, channel: object, count: int, *, distinct: bool) -> None:
    n = 8 if distinct else 1
    agents = [
        User.objects.create(account=account, username=f"{account.pk}-agent{i}") for i in range(n)
    ]
    contacts = [Contact.objects.create(account=account, name=f"C{i}") for i in range(n)]
    tokens = [
        ApiToken.objects.create(
            account=account,
            name=f"T{i}",
            prefix=f"bd_{i}",
            token_hash=f"{account.pk}-{i}",
            scopes=[],
        )
        for i in range(n)
    ]
    conversations: list[Conversation] = [
        open_conversation(channel, c, f"case {i}") for i, c in enumerate(contacts)
    ]
    actors = [
        *(Actor.agent(a.pk) for a in agents),
        *(Actor.contact(c.pk) for c in contacts),
        *(Actor.api_token(t.pk) for t in tokens),
        Actor.assistant(),
        Actor.system(),
    ]
    for i in range(count):
        conv = conversations[i % len(conversations)]
        record(
            account,
            "conversation.assigned",
            {
                "conversation": {
                    "id": conv.pk,
                    "number": conv.display_id,
                    "inbox_id": conv.inbox_id,
                    "contact_id": conv.contact_id,
                    "status": "open",
                    "priority": "normal",
                },
                "old_assignee_id": None,
                "new_assignee_id": agents[i % len(agents)].pk,
            },
            actor=actors[i % len(actors)],
            subject=Subject("conversation", conv.pk),
        )
    record(account, "api_token.created", token_payload(tokens[0].pk), actor=actors[0])


def _page(admin: User) -> tuple[str, int]:
    """The first page's HTML and its statement count (after a warm-up request)."""
    client = Client()
    client.force_login(admin)
    client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode(), len(captured.captured_queries)


def test_a_page_of_50_mixed_rows_stays_within_budget(
    account: Account, admin_user: User, channel
) -> None:
    _mixed_events(account, channel, 60, distinct=True)
    html, count = _page(admin_user)
    assert len(event_ids(html)) == 50 and 'rel="next"' in html
    # Every kind of actor and a conversation link made it onto the page.
    for text in ("agent1", "C1", "T1 (bd_1…)", "Assistant", "System", "/app/c/"):
        assert text in html, text
    assert count <= PAGE_MAX_QUERIES, count


def test_distinct_actors_do_not_add_queries(
    account: Account, other_account: Account, admin_user: User, channel
) -> None:
    _mixed_events(account, channel, 60, distinct=True)
    many = _page(admin_user)[1]
    # Another account's page naming one agent, one customer, one token, one conversation.
    other_admin = do_create_agent(
        account=other_account,
        username="root2",
        email="r2@example.com",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )
    other_channel = do_create_web_widget_inbox(account=other_account, name="W2", members=[])
    _mixed_events(other_account, other_channel, 60, distinct=False)
    html, few = _page(other_admin)
    assert len(event_ids(html)) == 50
    assert many == few
