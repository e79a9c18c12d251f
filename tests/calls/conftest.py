"""Call tests: a widget visitor, the assigned agent, a second member of the inbox who is
not assigned, over the project's real ASGI application (WebsocketCommunicator)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from blockdesk.accounts.models import User
from blockdesk.accounts.services import do_create_agent
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation
from tests.widget.conftest import Visitor, other_visitor, visitor  # noqa: F401  (fixtures)

PASSWORD = "a-long-test-password-1"


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> Iterator[None]:
    # Agent presence lives in the cache: each test its own, never a shared Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"calls-tests-{uuid.uuid4().hex}",
        }
    }
    settings.PUBLIC_RATE_LIMIT = 1000
    settings.PUBLIC_RATE_WINDOW = 3600
    yield


@pytest.fixture
def colleague(account, channel) -> User:
    """A member of the same inbox who is not the assignee."""
    user = do_create_agent(
        account=account, username="dave", email="dave@example.com", password=PASSWORD
    )
    channel.inbox.members.add(user)
    return user


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def conversation(channel, agent, visitor) -> Conversation:  # noqa: F811
    conv_id = visitor.send("Can we talk?").json()["conversation"]["id"]
    conv = Conversation.objects.get(pk=conv_id)
    conv_services.do_assign(actor=agent, conversation=conv, assignee=agent)
    conv.refresh_from_db()
    return conv
