"""Settings → Audit log: administrators of the account see its events, filtered; nobody
else does, and no other account's event ever shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from blockdesk.accounts.models import Account, ApiToken, User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.conversations.models import Contact
from blockdesk.events.models import Event
from blockdesk.events.registry import Actor, Subject
from tests.audit.conftest import URL, event_ids, record, token_payload, two_factor, wallet
from tests.conftest import PASSWORD
from tests.workspace.conftest import open_conversation

pytestmark = pytest.mark.django_db


def _row(html: str, event_id: int) -> str:
    match = re.search(rf'<tr data-event-id="{event_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, html
    return match.group(1)


def _cell(row: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">(.*?)</td>', row, re.S)
    assert match, row
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _get(client: Client, **params: object) -> tuple[int, str, list[int]]:
    response = client.get(URL, params)
    html = response.content.decode()
    return response.status_code, html, event_ids(html)


def test_newest_first_with_actors_named_and_user_text_escaped(
    account: Account, admin_user: User, admin_client: Client
) -> None:
    token = ApiToken.objects.create(
        account=account, name="<b>Deploy</b> bot", prefix="bd_x1", token_hash="h1", scopes=[]
    )
    visitor = Contact.objects.create(account=account)
    carol = Contact.objects.create(account=account, name="Carol")
    by_admin = two_factor(account, actor=Actor.agent(admin_user.pk))
    by_token = record(
        account,
        "api_token.revoked",
        token_payload(token.pk, name="<script>alert(1)</script>"),
        actor=Actor.api_token(token.pk),
        subject=Subject("api_token", token.pk),
    )
    by_visitor = wallet(account, visitor.pk)
    by_carol = wallet(account, carol.pk)
    by_assistant = two_factor(account, actor=Actor.assistant())
    by_system = two_factor(account)

    status, html, ids = _get(admin_client)
    assert status == 200
    assert ids == [
        by_system.pk,
        by_assistant.pk,
        by_carol.pk,
        by_visitor.pk,
        by_token.pk,
        by_admin.pk,
    ]
    assert _cell(_row(html, by_admin.pk), "actor") == "root"
    assert _cell(_row(html, by_token.pk), "actor") == "&lt;b&gt;Deploy&lt;/b&gt; bot (bd_x1…)"
    assert _cell(_row(html, by_visitor.pk), "actor") == f"Visitor #{visitor.pk}"
    assert _cell(_row(html, by_carol.pk), "actor") == "Carol"
    assert _cell(_row(html, by_assistant.pk), "actor") == "Assistant"
    assert _cell(_row(html, by_system.pk), "actor") == "System"
    token_row = _row(html, by_token.pk)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in token_row
    assert _cell(token_row, "what").startswith("API token revoked")
    assert "security" in _cell(token_row, "what")
    assert "security" not in _cell(_row(html, by_carol.pk), "what")
    assert "0x52908400098527886E0F7030069857D2E4169EE7" in _cell(_row(html, by_carol.pk), "detail")
    # Strict CSP: no inline script or style on the page.
    assert "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    # The settings nav links the page.
    assert (
        'href="/app/settings/audit/"' in admin_client.get("/app/settings/events/").content.decode()
    )


def test_each_filter(account: Account, admin_user: User, admin_client: Client) -> None:
    now = timezone.now()
    alice = do_create_agent(
        account=account, username="alice2", email="a2@example.com", password=PASSWORD
    )
    Event.objects.filter(name="agent.added").delete()  # only the events below are counted
    contact = Contact.objects.create(account=account, name="Dan")
    old = two_factor(account, actor=Actor.agent(alice.pk), at=now - dt.timedelta(days=10))
    mid = wallet(account, contact.pk, at=now - dt.timedelta(days=5))
    tok = record(
        account,
        "api_token.created",
        token_payload(7),
        actor=Actor.agent(admin_user.pk),
        subject=Subject("api_token", 7),
    )
    sys_event = record(
        account,
        "webhook.created",
        {"webhook_id": 3, "host": "hooks.example", "events": [], "active": True},
        subject=Subject("webhook", 3),
    )

    assert _get(admin_client, actor_kind="agent")[2] == [tok.pk, old.pk]
    assert _get(admin_client, actor_kind="agent", actor_id=alice.pk)[2] == [old.pk]
    assert _get(admin_client, actor_kind="contact", actor_id=contact.pk)[2] == [mid.pk]
    assert _get(admin_client, actor_kind="system")[2] == [sys_event.pk]
    assert _get(admin_client, event="api_token.created")[2] == [tok.pk]
    assert _get(admin_client, event="group:security")[2] == [sys_event.pk, tok.pk, old.pk]
    assert _get(admin_client, subject_type="contact")[2] == [mid.pk]
    assert _get(admin_client, subject_type="api_token", subject_id=7)[2] == [tok.pk]
    assert _get(admin_client, subject_type="api_token", subject_id=8)[2] == []
    day = lambda d: timezone.localdate(now - dt.timedelta(days=d)).isoformat()  # noqa: E731
    assert _get(admin_client, date_from=day(6))[2] == [sys_event.pk, tok.pk, mid.pk]
    assert _get(admin_client, date_to=day(5))[2] == [mid.pk, old.pk]  # the whole last day
    assert _get(admin_client, date_from=day(10), date_to=day(6))[2] == [old.pk]
    # Filters combine.
    assert _get(admin_client, event="group:security", actor_kind="agent", date_from=day(1))[2] == [
        tok.pk
    ]


def test_keyset_pages_keep_the_filter(account: Account, admin_client: Client) -> None:
    ids = [two_factor(account).pk for _ in range(57)]
    noise = wallet(account, Contact.objects.create(account=account).pk)
    status, html, first = _get(admin_client, event="group:security")
    assert status == 200 and first == ids[::-1][:50] and noise.pk not in first
    older = re.search(r'href="\?([^"]+)" rel="next"', html)
    assert older, html
    query = older.group(1).replace("&amp;", "&")
    assert "event=group%3Asecurity" in query and f"before={first[-1]}" in query
    second = event_ids(admin_client.get(URL + "?" + query).content.decode())
    assert second == ids[::-1][50:]
    assert 'rel="next"' not in admin_client.get(URL + "?" + query).content.decode()


def test_agents_and_strangers_are_refused(agent: User, account: Account) -> None:
    two_factor(account)
    client = Client()
    assert client.get(URL).status_code == 302  # to the login page
    assert client.get(URL + "export.csv").status_code == 302
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "export.csv").status_code == 403
    assert client.get(URL, HTTP_ACCEPT="application/json").status_code == 403
    assert client.post(URL).status_code == 403
    # No nav link for agents.
    assert "/app/settings/audit/" not in client.get("/app/settings/profile/").content.decode()


def test_another_accounts_events_never_show(
    account: Account, other_account: Account, admin_user: User, admin_client: Client, channel
) -> None:
    stranger = do_create_agent(
        account=other_account,
        username="eve",
        email="eve@example.com",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )
    theirs = two_factor(other_account, actor=Actor.agent(stranger.pk))
    their_contact = Contact.objects.create(account=other_account, name="Mallory")
    their_conv = open_conversation(
        _other_channel(other_account), their_contact, "their secret case"
    )
    # An event of ours naming their agent and their conversation (ids are global): no name,
    # no link leaks.
    ours = two_factor(
        account, actor=Actor.agent(stranger.pk), subject=Subject("conversation", their_conv.pk)
    )
    for params in (
        {},
        {"actor_kind": "agent", "actor_id": stranger.pk},
        {"subject_type": "conversation", "subject_id": their_conv.pk},
        {"event": "group:security"},
    ):
        status, html, ids = _get(admin_client, **params)
        assert status == 200
        assert theirs.pk not in ids
        assert all(i not in ids for i in _event_ids_of(other_account))
    html = _get(admin_client)[1]
    row = _row(html, ours.pk)
    assert "eve" not in row and f"Agent #{stranger.pk}" in _cell(row, "actor")
    assert "/app/c/" not in row


def _other_channel(account: Account):  # type: ignore[no-untyped-def]
    from blockdesk.connectors.services import do_create_web_widget_inbox

    return do_create_web_widget_inbox(account=account, name="Theirs", members=[])


def _event_ids_of(account: Account) -> list[int]:
    from blockdesk.events.models import Event

    return list(Event.objects.filter(account=account).values_list("pk", flat=True))


def test_conversation_objects_link_to_the_conversation(
    account: Account, admin_client: Client, channel, contact: Contact
) -> None:
    conv = open_conversation(channel, contact, "where is my deposit")
    status, html, ids = _get(admin_client, subject_type="conversation")
    assert status == 200 and ids
    created = _row(html, ids[-1])
    assert f'href="/app/c/{conv.display_id}/"' in created
    # A message event links to its conversation too.
    message_ids = _get(admin_client, event="message.created")[2]
    assert message_ids
    html = _get(admin_client)[1]
    assert f'href="/app/c/{conv.display_id}/"' in _row(html, message_ids[0])
    assert "where is my deposit" not in _cell(_row(html, message_ids[0]), "detail")


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"actor_kind": "robot"}, "actor_kind", "Select a valid choice"),
        ({"actor_kind": "agent", "actor_id": "abc"}, "actor_id", "Enter a whole number"),
        ({"actor_kind": "agent", "actor_id": "99999999999999999999"}, "actor_id", "less than"),
        ({"actor_kind": "agent", "actor_id": "0"}, "actor_id", "greater than"),
        ({"actor_id": "5"}, "actor_id", "Choose the kind of actor too."),
        ({"actor_kind": "assistant", "actor_id": "5"}, "actor_id", "This kind of actor has no id."),
        ({"event": "nope.nothing"}, "event", "Select a valid choice"),
        ({"subject_type": "planet"}, "subject_type", "Select a valid choice"),
        ({"subject_id": "4"}, "subject_id", "Choose the kind of object too."),
        ({"date_from": "2026-13-40"}, "date_from", "Enter a valid date"),
        ({"date_from": "0001-01-01"}, "date_from", "Choose a date between"),
        ({"date_to": "9999-12-31"}, "date_to", "Choose a date between"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to", "before the start"),
        ({"before": "-3"}, "before", "greater than"),
        ({"before": "x"}, "before", "Enter a whole number"),
    ],
)
def test_invalid_filters_are_a_form_error(
    account: Account, admin_client: Client, params: dict[str, str], field: str, text: str
) -> None:
    two_factor(account)
    for url in (URL, URL + "export.csv"):
        response = admin_client.get(url, params)
        html = response.content.decode()
        assert response.status_code == 400, html
        assert f'data-testid="error-{field}"' in html
        assert text in html
        assert event_ids(html) == []


def test_an_api_token_made_through_the_service_shows_as_security_relevant(
    account: Account, admin_user: User, admin_client: Client, channel, contact: Contact
) -> None:
    open_conversation(channel, contact, "hello")  # not security-relevant
    token, _plain = do_create_api_token(
        actor=admin_user, name="Ledger sync", scopes=["contacts:read"]
    )
    status, html, ids = _get(admin_client, event="group:security")
    assert status == 200 and len(ids) == 1
    row = _row(html, ids[0])
    assert _cell(row, "actor") == "root"
    assert _cell(row, "what").startswith("API token created")
    assert "Ledger sync" in _cell(row, "detail") and token.prefix in _cell(row, "detail")
    assert _plain not in html  # the token itself is never in the log
