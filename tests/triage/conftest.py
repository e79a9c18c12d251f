from __future__ import annotations

import pytest
from django.test import Client

from blockdesk.accounts.models import User
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Conversation


def write(channel, contact: Contact, content: str, conversation: Conversation | None = None):
    return services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=conversation, content=content
    ).message


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    return client


@pytest.fixture
def agent_client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client
