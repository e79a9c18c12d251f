"""Fixtures for the OpenAPI fuzz stage: a seeded account and the API served in-process.

The schema is loaded from the running app (`/api/openapi.json`), so the fuzzer tests what
the docs promise, not a copy of it."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from blockdesk.accounts.models import ApiToken, User
from blockdesk.accounts.services import do_create_api_token
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact
from blockdesk.trust.services import do_create_official_channel


def examples_per_operation() -> int:
    return int(os.environ.get("BLOCKDESK_FUZZ_EXAMPLES", "25"))


def time_budget() -> float:
    return float(os.environ.get("BLOCKDESK_FUZZ_SECONDS", "120"))


@dataclass
class Budget:
    """The whole stage's time budget, shared by every operation's test: only time inside
    them counts, wherever the other tests of a run happen to fall."""

    used: float = 0.0
    since: float | None = None
    cut_short: int = 0

    def spent(self) -> bool:
        running = time.monotonic() - self.since if self.since is not None else 0.0
        return self.used + running > time_budget()

    @contextmanager
    def running(self) -> Iterator[None]:
        self.since = time.monotonic()
        try:
            yield
        finally:
            self.used += time.monotonic() - self.since
            self.since = None


@dataclass
class Seeded:
    """Real rows of the token's account: ids in paths, queries and bodies are swapped
    for these in about half of the cases."""

    token: str
    ids: dict[str, int]
    budget: Budget


@pytest.fixture(scope="session")
def fuzz_budget() -> Iterator[Budget]:
    budget = Budget()
    yield budget
    if budget.cut_short:
        warnings.warn(
            f"fuzz stage: time budget of {time_budget():.0f}s spent, "
            f"{budget.cut_short} generated cases were not sent",
            stacklevel=1,
        )


@pytest.fixture
def seeded(
    admin_user: User,
    channel: WebWidgetChannel,
    contact: Contact,
    agent: User,
    fuzz_budget: Budget,
    _requests_keep_test_connection: None,
) -> Iterator[Seeded]:
    conversation = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="help"
    ).message.conversation
    official = do_create_official_channel(
        account_id=admin_user.account_id, actor=admin_user, kind="domain", value="example.com"
    )
    _token, plain = do_create_api_token(
        actor=admin_user, name="Fuzz", scopes=list(ApiToken.Scope.values)
    )
    seeded = Seeded(
        token=plain,
        budget=fuzz_budget,
        ids={
            "contact_id": contact.pk,
            "conversation_id": conversation.pk,
            "inbox_id": channel.inbox.pk,
            "agent_id": agent.pk,
            "assignee_id": agent.pk,
            "channel_id": official.pk,
        },
    )
    with fuzz_budget.running():
        yield seeded


@pytest.fixture
def _requests_keep_test_connection() -> Iterator[None]:
    """Like Django's test client: in-process requests must not close the test's database
    connection (it holds the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def load_schema() -> Any:
    """The OpenAPI as /api/openapi.json serves it, from the in-process WSGI app."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
