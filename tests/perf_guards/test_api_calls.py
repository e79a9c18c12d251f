"""The REST API's hot calls: their statement counts (whole requests, on-commit work
included), that a read writes nothing, that lists cost the same for 2 rows as for 12
(no N+1), and that what the create call now answers without reading the case back is
what a fresh read says. Figures and the peer comparison: docs/benchmarks.md, "REST API
cost" (bench/api_cost.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blockdesk.accounts.models import ApiToken, User
from blockdesk.accounts.services import do_create_api_token, do_revoke_api_token
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Conversation
from tests.api.conftest import ALL_SCOPES, ApiClient

# Measured on both databases (bench/api_cost.py prints them, writes apart). Before this
# work: create 23, follow-up 9, messages 5 (issue 17). SQLite numbers the case inline
# (one statement more); PostgreSQL bumps the counter on a second pooled connection when
# there is a pool, which these counts do not see: the budget is SQLite's.
# create: token, inbox, contact, BEGIN, assistant-on check, conversation, its "opened"
# event, conversation.created, message, the case's last-message columns, message.created,
# contact last seen, COMMIT (+ the display number).
CREATE_MAX = 14
# follow-up: token, conversation, BEGIN, message, case columns, event, contact, COMMIT.
FOLLOW_UP_MAX = 8
# reads: token + the rows + one prefetch (tags, or attachments for messages).
LIST_CONVERSATIONS_MAX = 3
GET_CONVERSATION_MAX = 3
LIST_MESSAGES_MAX = 4

pytestmark = pytest.mark.django_db(transaction=True)
V1 = "/api/v1"
_WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def _statements() -> Iterator[list[str]]:
    found: list[str] = []
    with CaptureQueriesContext(connection) as ctx:
        yield found
    found.extend(q["sql"] for q in ctx.captured_queries)


def _listing(sqls: list[str]) -> str:
    return f"{len(sqls)} statements:\n" + "\n".join(s[:120] for s in sqls)


def _writes(sqls: list[str]) -> list[str]:
    return [s for s in sqls if s.lstrip().upper().startswith(_WRITES)]


@pytest.fixture
def token(admin_user: User) -> tuple[ApiToken, str]:
    return do_create_api_token(actor=admin_user, name="Guards", scopes=ALL_SCOPES)


@pytest.fixture
def api(token: tuple[ApiToken, str]) -> ApiClient:
    client = ApiClient(token[1])
    assert client.get(f"{V1}/inboxes").status_code == 200  # the first use is stamped
    return client


def _open(channel: Any, contact: Contact, content: str = "help") -> Conversation:
    return services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content=content
    ).message.conversation


def _more_conversations(channel: Any, account: Any, agent: User, n: int) -> None:
    """`n` cases with a tag, an assignee and a few messages each: what an N+1 would read."""
    for i in range(n):
        contact = Contact.objects.create(account=account, name=f"C{i}")
        conv = _open(channel, contact)
        services.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=conv, content="more"
        )
        services.do_set_tags(actor=agent, conversation=conv, names=[f"t{i}", "vip"])
        services.do_send_agent_message(agent=agent, conversation=conv, content="on it")


def test_create_conversation_stays_within_its_budget_and_answers_what_a_read_says(
    api: ApiClient, channel: Any, contact: Contact
) -> None:
    body = {
        "inbox_id": channel.inbox.pk,
        "contact_id": contact.pk,
        "subject": "Withdrawal",
        "content": "My withdrawal has not arrived",
        "idempotency_key": "guard-create-1",
    }
    api.post(f"{V1}/conversations", {**body, "idempotency_key": "warm-up"})
    with _statements() as sqls:
        response = api.post(f"{V1}/conversations", body)
    assert response.status_code == 201, response.content
    assert len(sqls) <= CREATE_MAX, _listing(sqls)
    created = response.json()
    fresh = api.get(f"{V1}/conversations/{created['conversation']['id']}").json()
    fresh.pop("channel")
    created["conversation"].pop("channel")  # not on the create answer (as before)
    assert created["conversation"] == fresh
    assert created["message"]["id"] == fresh["last_message_id"]
    # The retry is answered from what is stored, and opens no second case.
    retried = api.post(f"{V1}/conversations", body)
    assert retried.status_code == 200
    assert retried.json()["message"]["id"] == created["message"]["id"]
    assert Conversation.objects.filter(contact=contact).count() == 2  # warm-up + this one


def test_follow_up_stays_within_its_budget(api: ApiClient, channel: Any, contact: Contact) -> None:
    conv = _open(channel, contact)
    url = f"{V1}/conversations/{conv.pk}/messages"
    api.post(url, {"sender": "contact", "content": "warm-up"})
    with _statements() as sqls:
        response = api.post(url, {"sender": "contact", "content": "Any news?"})
    assert response.status_code == 201, response.content
    assert len(sqls) <= FOLLOW_UP_MAX, _listing(sqls)


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        ("/conversations", LIST_CONVERSATIONS_MAX),
        ("/conversations/{conv}", GET_CONVERSATION_MAX),
        ("/conversations/{conv}/messages", LIST_MESSAGES_MAX),
    ],
)
def test_reads_cost_the_same_for_2_rows_as_for_12_and_write_nothing(
    api: ApiClient,
    channel: Any,
    contact: Contact,
    account: Any,
    agent: User,
    path: str,
    budget: int,
) -> None:
    conv = _open(channel, contact)
    services.do_send_agent_message(agent=agent, conversation=conv, content="hello")
    _more_conversations(channel, account, agent, 1)
    url = V1 + path.format(conv=conv.pk)

    def count() -> list[str]:
        with _statements() as sqls:
            assert api.get(url).status_code == 200
        return sqls

    few = count()
    _more_conversations(channel, account, agent, 10)
    for i in range(10):
        services.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=conv, content=f"again {i}"
        )
    many = count()
    assert len(few) == len(many) <= budget, _listing(many)
    assert not _writes(many), many


def test_token_use_is_written_once_per_touch_interval_and_never_on_other_reads(
    token: tuple[ApiToken, str], settings: Any
) -> None:
    row, plain = token
    client = ApiClient(plain)
    settings.API_TOKEN_TOUCH_SECONDS = 300
    with _statements() as first:
        client.get(f"{V1}/inboxes")
    assert len(_writes(first)) == 1  # never used: stamped
    for _ in range(3):
        with _statements() as later:
            assert client.get(f"{V1}/inboxes").status_code == 200
        assert not _writes(later), later
    # Just older than the interval: the next call stamps it again, once.
    stale = timezone.now() - dt.timedelta(seconds=301)
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=stale)
    with _statements() as again:
        client.get(f"{V1}/inboxes")
    assert len(_writes(again)) == 1
    row.refresh_from_db()
    assert row.last_used_at is not None and row.last_used_at > stale


def test_a_shorter_touch_interval_is_honoured(token: tuple[ApiToken, str], settings: Any) -> None:
    _row, plain = token
    client = ApiClient(plain)
    settings.API_TOKEN_TOUCH_SECONDS = 0
    client.get(f"{V1}/inboxes")
    with _statements() as sqls:
        client.get(f"{V1}/inboxes")
    assert len(_writes(sqls)) == 1


def test_revocation_takes_effect_on_the_next_call_without_a_write(
    token: tuple[ApiToken, str], admin_user: User
) -> None:
    row, plain = token
    client = ApiClient(plain)
    assert client.get(f"{V1}/inboxes").status_code == 200
    do_revoke_api_token(actor=admin_user, token=row)
    with _statements() as sqls:
        assert client.get(f"{V1}/inboxes").status_code == 401
    assert len(sqls) == 1 and not _writes(sqls)
