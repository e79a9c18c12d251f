"""Answer and mention emails, through the event consumer: anti-phishing code, once each."""

from __future__ import annotations

import pytest
from django.core import mail

from blockdesk.accounts.models import Account
from blockdesk.forum import services
from blockdesk.forum.event_consumers import CONSUMER
from blockdesk.forum.models import Category
from blockdesk.trust.models import AntiPhishingCode
from tests.support.event_log import drain

from .conftest import ask, member

# The consumer reads committed events only (on PostgreSQL, once no older transaction runs).
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_asker_and_mentioned_members_are_mailed_once(
    account: Account, category: Category
) -> None:
    asker = member(account, name="Asker One")
    AntiPhishingCode.objects.create(account=account, contact=asker.contact, code="RED-KITE")
    friend = member(account, name="friendly.fox")
    helper = member(account, level=1)
    q = ask(asker, category)
    services.do_answer(question=q, body="@friendly.fox knows this one well.", author=helper)
    drain(CONSUMER)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [asker.contact.email, friend.contact.email]
    )
    to_asker = next(m for m in mail.outbox if m.to[0] == asker.contact.email)
    assert "RED-KITE" in str(to_asker.body)
    assert f"/community/en/q/{q.pk}/" in str(to_asker.body)
    drain(CONSUMER)  # nothing new, nothing twice
    assert len(mail.outbox) == 2


def test_held_answers_notify_nobody(account: Account, category: Category) -> None:
    asker = member(account)
    q = ask(asker, category)
    services.do_answer(question=q, body="Official support here, DM me.", author=member(account, 1))
    drain(CONSUMER)
    assert mail.outbox == []
