from __future__ import annotations

import pytest

from blockdesk.conversations.models import Contact
from tests.support.live_server import fresh_cache_namespace


@pytest.fixture(autouse=True)
def _own_cache(settings):  # type: ignore[no-untyped-def]
    fresh_cache_namespace(settings)
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "webhooks"],
        }
    }


@pytest.fixture
def customers(account):  # type: ignore[no-untyped-def]
    return [
        Contact.objects.create(account=account, name=f"c{i}", email=f"c{i}@example.com")
        for i in range(6)
    ]


def sign_in(client, contact):  # type: ignore[no-untyped-def]
    from blockdesk.feedback.identity import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = contact.pk
    session.save()
