"""`agent_can_access_inbox` is SQL written once: it must give the same answer as the ORM's
`visible_inboxes` for every kind of user and inbox (an authorisation check)."""

from __future__ import annotations

import pytest

from blockdesk.accounts.models import User
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations.selectors import agent_can_access_inbox, visible_inboxes
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_same_answers_as_visible_inboxes(
    account, other_account, admin_user, agent, outsider, channel, django_assert_num_queries
):
    second = do_create_web_widget_inbox(account=account, name="Second site", members=[outsider])
    foreign = do_create_web_widget_inbox(account=other_account, name="Elsewhere")
    foreign_admin = do_create_agent(
        account=other_account, username="mallory", email="m@example.com",
        password=PASSWORD, role=User.Role.ADMIN,
    )  # fmt: skip
    inboxes = [channel.inbox.pk, second.inbox.pk, foreign.inbox.pk, 10**12]
    answers = {}
    for user in (admin_user, agent, outsider, foreign_admin):
        for inbox_id in inboxes:
            with django_assert_num_queries(1):
                answer = agent_can_access_inbox(user=user, inbox_id=inbox_id)
            assert answer == visible_inboxes(user=user).filter(pk=inbox_id).exists()
            answers[user.username, inbox_id] = answer
    # Spelled out, so the test cannot pass by both sides being wrong alike.
    assert [k for k, v in answers.items() if v] == [
        ("root", channel.inbox.pk),
        ("root", second.inbox.pk),
        ("alice", channel.inbox.pk),
        ("bob", second.inbox.pk),
        ("mallory", foreign.inbox.pk),
    ]
