from __future__ import annotations

import pytest
from django.test import Client

from blockdesk.accounts.models import User
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Conversation


def open_conversation(channel, contact: Contact, content: str = "hello") -> Conversation:
    return services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content=content
    ).message.conversation


@pytest.fixture
def conv(channel, contact) -> Conversation:
    return open_conversation(channel, contact, "My USDT deposit has not arrived")


@pytest.fixture
def agent_client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    client = Client()
    client.force_login(outsider)
    return client
