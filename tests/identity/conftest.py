from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from blockdesk.accounts.models import Account, User
from blockdesk.connectors.email.models import EmailChannel
from blockdesk.connectors.email.services import do_create_email_inbox
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Conversation, Inbox
from tests.support.live_server import fresh_cache_namespace


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> Iterator[None]:
    # Link-token redemptions and rate limits count in a namespace of this test only.
    fresh_cache_namespace(settings)
    yield


@pytest.fixture
def email_channel(account: Account, agent: User) -> EmailChannel:
    return do_create_email_inbox(
        account=account,
        name="Support mail",
        members=[agent],
        from_address="support@demo-exchange.example",
    )


def open_case(inbox: Inbox, contact: Contact, content: str = "hello") -> Conversation:
    """A case with one customer message (as a channel would store it)."""
    conversation = services.do_create_conversation(inbox=inbox, contact=contact)
    services.do_send_contact_message(
        contact=contact, inbox=inbox, conversation=conversation, content=content
    )
    conversation.refresh_from_db()
    return conversation


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
