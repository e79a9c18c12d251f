"""The REST API as an integration would use it: tokens, scopes, account scoping,
filters and cursors, writes through the services, idempotency and one error shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from blockdesk.accounts.models import Account, Team, User
from blockdesk.accounts.services import do_create_agent, do_revoke_api_token
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Conversation, ConversationEvent, Message
from blockdesk.events.models import Event
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def _open(channel, contact, content="help") -> Conversation:
    return services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content=content
    ).message.conversation


@pytest.fixture
def conversation(channel, contact) -> Conversation:
    return _open(channel, contact)


@pytest.fixture
def foreign(other_account: Account) -> dict[str, int]:
    """Objects of another account: every id here must be a 404 to our token."""
    foreign_agent = do_create_agent(
        account=other_account, username="mallory", email="m@example.com", password=PASSWORD
    )
    channel = do_create_web_widget_inbox(account=other_account, name="Other site")
    contact = Contact.objects.create(account=other_account, name="Eve")
    conv = _open(channel, contact)
    team = Team.objects.create(account=other_account, name="Other team")
    return {
        "agent": foreign_agent.pk,
        "inbox": channel.inbox.pk,
        "contact": contact.pk,
        "conversation": conv.pk,
        "team": team.pk,
    }


# --- authentication and scopes ------------------------------------------------------


def test_no_token_unknown_token_and_revoked_token_are_401(api_for, make_token, admin_user):
    assert_error(api_for(None).get(f"{V1}/conversations"), 401, "unauthenticated")
    assert_error(api_for("bd_not-a-real-token").get(f"{V1}/conversations"), 401, "unauthenticated")
    token, plain = make_token()
    assert api_for(plain).get(f"{V1}/conversations").status_code == 200
    do_revoke_api_token(actor=admin_user, token=token)
    assert_error(api_for(plain).get(f"{V1}/conversations"), 401, "unauthenticated")


def test_token_use_is_recorded(api_for, make_token):
    token, plain = make_token()
    assert token.last_used_at is None
    api_for(plain).get(f"{V1}/inboxes")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_use_is_written_at_most_once_per_touch_interval(api_for, make_token):
    """Recording every call was one UPDATE per request, reads included (issue 17)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from blockdesk.accounts.models import ApiToken
    from blockdesk.accounts.services import token_touch_interval

    token, plain = make_token()
    client = api_for(plain)
    client.get(f"{V1}/inboxes")
    token.refresh_from_db()
    first = token.last_used_at
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{V1}/inboxes").status_code == 200
    assert not [q for q in queries if "UPDATE" in q["sql"] and "api" in q["sql"].lower()]
    token.refresh_from_db()
    assert token.last_used_at == first
    # Older than the interval: the next call stamps it again.
    stale = first - token_touch_interval()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    client.get(f"{V1}/inboxes")
    token.refresh_from_db()
    assert token.last_used_at > stale


@pytest.mark.parametrize(
    ("method", "path", "body", "needed"),
    [
        ("get", "/contacts", None, "contacts:read"),
        ("post", "/contacts", {"name": "X"}, "contacts:write"),
        ("get", "/conversations", None, "conversations:read"),
        ("post", "/conversations", {"inbox_id": 1, "contact_id": 1, "content": "x"}, None),
        ("get", "/inboxes", None, "inboxes:read"),
        ("get", "/agents", None, "agents:read"),
    ],
)
def test_missing_scope_is_403(api_for, make_token, method, path, body, needed):
    needed = needed or "conversations:write"
    others = [s for s in ("contacts:read", "conversations:read", "agents:read") if s != needed]
    _token, plain = make_token(scopes=others or ["inboxes:read"])
    client = api_for(plain)
    response = client.get(V1 + path) if method == "get" else client.post(V1 + path, body)
    error = assert_error(response, 403, "missing_scope")
    assert needed in error["message"]


def test_read_scope_does_not_allow_writes(api_for, make_token, conversation):
    _token, plain = make_token(scopes=["conversations:read"])
    client = api_for(plain)
    assert client.get(f"{V1}/conversations/{conversation.pk}").status_code == 200
    response = client.patch(f"{V1}/conversations/{conversation.pk}", {"status": "resolved"})
    assert_error(response, 403, "missing_scope")
    conversation.refresh_from_db()
    assert conversation.status == "open"


# --- account scoping ----------------------------------------------------------------


def test_other_accounts_objects_are_404(api, foreign, conversation, agent):
    for path in (
        f"/conversations/{foreign['conversation']}",
        f"/conversations/{foreign['conversation']}/messages",
        f"/contacts/{foreign['contact']}",
        f"/inboxes/{foreign['inbox']}",
        f"/agents/{foreign['agent']}",
    ):
        assert_error(api.get(V1 + path), 404, "not_found")
    assert_error(
        api.patch(f"{V1}/conversations/{foreign['conversation']}", {"status": "resolved"}),
        404,
        "not_found",
    )
    assert_error(
        api.post(
            f"{V1}/conversations/{foreign['conversation']}/messages",
            {"sender": "contact", "content": "x"},
        ),
        404,
        "not_found",
    )
    # Foreign ids inside a body are 404s too, and say which field.
    error = assert_error(
        api.patch(f"{V1}/conversations/{conversation.pk}", {"assignee_id": foreign["agent"]}),
        404,
        "not_found",
    )
    assert "assignee_id" in error["fields"]
    error = assert_error(
        api.patch(f"{V1}/conversations/{conversation.pk}", {"team_id": foreign["team"]}),
        404,
        "not_found",
    )
    assert "team_id" in error["fields"]
    error = assert_error(
        api.post(
            f"{V1}/conversations",
            {"inbox_id": foreign["inbox"], "contact_id": conversation.contact_id, "content": "x"},
        ),
        404,
        "not_found",
    )
    assert "inbox_id" in error["fields"]
    error = assert_error(
        api.post(
            f"{V1}/conversations/{conversation.pk}/messages",
            {"sender": "agent", "agent_id": foreign["agent"], "content": "x"},
        ),
        404,
        "not_found",
    )
    assert "agent_id" in error["fields"]
    # Lists never leak the other account.
    ids = [c["id"] for c in api.get(f"{V1}/conversations").json()["items"]]
    assert ids == [conversation.pk]
    assert [c["id"] for c in api.get(f"{V1}/contacts").json()["items"]] == [conversation.contact_id]
    assert {a["id"] for a in api.get(f"{V1}/agents").json()} == set(
        User.objects.filter(account_id=conversation.account_id).values_list("pk", flat=True)
    )
    assert Message.objects.filter(conversation_id=foreign["conversation"]).count() == 1


# --- listing, filters, pagination ---------------------------------------------------


def test_conversation_filters(api, channel, contact, agent, account):
    carol = _open(channel, contact, "my deposit is missing")
    dave = Contact.objects.create(account=account, name="Dave", email="dave@example.com")
    other = _open(channel, dave, "withdrawal stuck")
    services.do_assign(actor=agent, conversation=other, assignee=agent)
    services.do_change_priority(actor=agent, conversation=other, priority="urgent")
    services.do_set_tags(actor=agent, conversation=other, names=["kyc"])
    services.do_change_status(actor=agent, conversation=carol, status="pending")
    second_inbox = do_create_web_widget_inbox(account=account, name="App", members=[agent])
    third = _open(second_inbox, dave, "third")

    def ids(**params):
        response = api.get(f"{V1}/conversations", params)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["items"]}

    assert ids() == {carol.pk, other.pk, third.pk}
    assert ids(status="pending") == {carol.pk}
    assert ids(status="open") == {other.pk, third.pk}
    assert ids(assignee_id=agent.pk) == {other.pk}
    assert ids(priority="urgent") == {other.pk}
    assert ids(tag="kyc") == {other.pk}
    assert ids(contact_id=dave.pk) == {other.pk, third.pk}
    assert ids(inbox_id=second_inbox.inbox.pk) == {third.pk}
    assert ids(q="deposit") == {carol.pk}
    assert ids(q="dave@example") == {other.pk, third.pk}
    assert ids(q=f"#{other.display_id}") == {other.pk}


def test_cursor_pagination_has_no_duplicates_or_gaps_while_new_conversations_arrive(
    api, channel, account
):
    originals = []
    for i in range(23):
        contact = Contact.objects.create(account=account, name=f"C{i}")
        originals.append(_open(channel, contact).pk)
    seen: list[int] = []
    response = api.get(f"{V1}/conversations", {"limit": 10})
    page = response.json()
    seen += [c["id"] for c in page["items"]]
    assert len(page["items"]) == 10 and page["next_cursor"]
    # New cases arrive between pages; they are newer, so they belong before page one.
    arrivals = [
        _open(channel, Contact.objects.create(account=account, name=f"N{i}")).pk for i in range(5)
    ]
    while page["next_cursor"]:
        page = api.get(f"{V1}/conversations", {"limit": 10, "cursor": page["next_cursor"]}).json()
        seen += [c["id"] for c in page["items"]]
    assert len(seen) == len(set(seen)), "a conversation was listed twice"
    assert sorted(seen) == sorted(originals), "a conversation was skipped"
    assert not set(arrivals) & set(seen)
    first = api.get(f"{V1}/conversations", {"limit": 5}).json()["items"]
    assert [c["id"] for c in first] == list(reversed(arrivals))


def test_bad_cursor_and_limit_are_validation_errors(api):
    error = assert_error(
        api.get(f"{V1}/conversations", {"cursor": "nonsense"}), 422, "validation_error"
    )
    assert "cursor" in error["fields"]
    error = assert_error(api.get(f"{V1}/conversations", {"limit": 1000}), 422, "validation_error")
    assert "limit" in error["fields"]


def test_messages_page_with_after_id(api, conversation):
    for i in range(4):
        services.do_send_contact_message(
            contact=conversation.contact,
            inbox=conversation.inbox,
            conversation=conversation,
            content=f"m{i}",
        )
    page = api.get(f"{V1}/conversations/{conversation.pk}/messages", {"limit": 3}).json()
    assert [m["content"] for m in page["items"]] == ["help", "m0", "m1"]
    rest = api.get(
        f"{V1}/conversations/{conversation.pk}/messages",
        {"limit": 3, "after_id": page["next_after_id"]},
    ).json()
    assert [m["content"] for m in rest["items"]] == ["m2", "m3"]
    assert rest["next_after_id"] is None


# --- contacts -----------------------------------------------------------------------


def test_contact_create_update_search_and_identities(api, account):
    response = api.post(
        f"{V1}/contacts",
        {
            "name": "Zed",
            "email": "ZED@example.com",
            "attributes": {"tier": "vip", "uid": 7},
            "identities": [{"kind": "external", "value": "user-7"}],
        },
    )
    assert response.status_code == 201, response.content
    contact = response.json()
    assert contact["email"] == "zed@example.com"
    assert contact["identities"] == [{"kind": "external", "value": "user-7"}]
    cid = contact["id"]

    updated = api.patch(f"{V1}/contacts/{cid}", {"attributes": {"tier": None, "kyc": "done"}})
    assert updated.status_code == 200
    assert updated.json()["attributes"] == {"uid": 7, "kyc": "done"}
    assert updated.json()["name"] == "Zed"

    found = api.get(f"{V1}/contacts", {"identity_kind": "external", "identity_value": "user-7"})
    assert [c["id"] for c in found.json()["items"]] == [cid]
    assert [c["id"] for c in api.get(f"{V1}/contacts", {"q": "zed@"}).json()["items"]] == [cid]

    added = api.post(f"{V1}/contacts/{cid}/identities", {"kind": "telegram", "value": "@zed"})
    assert added.status_code == 201
    again = api.post(f"{V1}/contacts/{cid}/identities", {"kind": "telegram", "value": "@zed"})
    assert again.status_code == 200
    other = api.post(f"{V1}/contacts", {"name": "Copy"}).json()["id"]
    assert_error(
        api.post(f"{V1}/contacts/{other}/identities", {"kind": "telegram", "value": "@zed"}),
        409,
        "identity_taken",
    )
    error = assert_error(
        api.patch(f"{V1}/contacts/{cid}", {"email": "not-an-email"}), 422, "validation_error"
    )
    assert "email" in error["fields"]
    # Widget visitor identities are hashed tokens: neither settable nor shown.
    error = assert_error(
        api.post(f"{V1}/contacts/{cid}/identities", {"kind": "web_visitor", "value": "x"}),
        422,
        "validation_error",
    )
    assert "kind" in error["fields"]


def test_contact_pages(api, account):
    made = [api.post(f"{V1}/contacts", {"name": f"P{i}"}).json()["id"] for i in range(7)]
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"{V1}/contacts", params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(made, reverse=True)


# --- conversations and messages -----------------------------------------------------


def test_create_conversation_with_first_message_and_idempotent_retry(api, channel, contact):
    body = {
        "inbox_id": channel.inbox.pk,
        "contact_id": contact.pk,
        "content": "  Hi there ",
        "subject": "Deposit",
        "idempotency_key": "create-1",
    }
    first = api.post(f"{V1}/conversations", body)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["conversation"]["subject"] == "Deposit"
    assert data["conversation"]["status"] == "open"
    assert data["message"]["sender_type"] == "contact"
    assert data["message"]["content"] == "Hi there"
    retry = api.post(f"{V1}/conversations", body)
    assert retry.status_code == 200
    assert retry.json()["message"]["id"] == data["message"]["id"]
    assert Conversation.objects.count() == 1 and Message.objects.count() == 1
    conflict = api.post(f"{V1}/conversations", {**body, "content": "something else"})
    error = assert_error(conflict, 409, "idempotency_conflict")
    assert "idempotency_key" in error["fields"]


def test_messages_as_contact_and_as_agent(api, conversation, agent, outsider):
    url = f"{V1}/conversations/{conversation.pk}/messages"
    as_contact = api.post(url, {"sender": "contact", "content": "still waiting"})
    assert as_contact.status_code == 201
    assert as_contact.json()["sender_type"] == "contact"

    note = api.post(
        url, {"sender": "agent", "agent_id": agent.pk, "content": "checking", "private": True}
    )
    assert note.status_code == 201 and note.json()["private"] is True
    reply = api.post(url, {"sender": "agent", "agent_id": agent.pk, "content": "found it"})
    assert reply.status_code == 201
    assert reply.json()["sender_user_id"] == agent.pk
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None
    assert conversation.assignee_id == agent.pk  # answering an unassigned case takes it

    error = assert_error(
        api.post(url, {"sender": "agent", "content": "who am I"}), 422, "validation_error"
    )
    assert "agent_id" in error["fields"]
    error = assert_error(
        api.post(url, {"sender": "agent", "agent_id": outsider.pk, "content": "x"}),
        422,
        "validation_error",
    )
    assert "agent_id" in error["fields"]
    error = assert_error(
        api.post(url, {"sender": "contact", "content": "x", "private": True}),
        422,
        "validation_error",
    )
    assert "private" in error["fields"]
    listed = api.get(url).json()["items"]
    assert [m["private"] for m in listed] == [False, False, True, False]


def test_message_idempotency_key(api, conversation, agent):
    url = f"{V1}/conversations/{conversation.pk}/messages"
    body = {"sender": "agent", "agent_id": agent.pk, "content": "once", "idempotency_key": "k-1"}
    first = api.post(url, body)
    second = api.post(url, body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.filter(idempotency_key="k-1").count() == 1
    assert_error(api.post(url, {**body, "content": "different"}), 409, "idempotency_conflict")
    contact_body = {"sender": "contact", "content": "dup?", "idempotency_key": "k-2"}
    assert api.post(url, contact_body).status_code == 201
    assert api.post(url, contact_body).status_code == 200
    assert Message.objects.filter(idempotency_key="k-2").count() == 1


def test_status_assignee_team_priority_tags(api, conversation, agent, account, make_token):
    url = f"{V1}/conversations/{conversation.pk}"
    team = Team.objects.create(account=account, name="Payments")
    response = api.patch(
        url,
        {
            "assignee_id": agent.pk,
            "team_id": team.pk,
            "priority": "high",
            "tags": ["Deposit", "kyc"],
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["assignee_id"], data["team_id"], data["priority"]) == (agent.pk, team.pk, "high")
    assert data["tags"] == ["deposit", "kyc"]

    until = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    snoozed = api.patch(url, {"status": "snoozed", "snoozed_until": until}).json()
    assert snoozed["status"] == "snoozed" and snoozed["snoozed_until"]
    resolved = api.patch(url, {"status": "resolved"}).json()
    assert resolved["status"] == "resolved" and resolved["snoozed_until"] is None
    assert resolved["resolved_at"]

    unassigned = api.patch(url, {"assignee_id": None})
    assert unassigned.json()["assignee_id"] is None
    assert unassigned.json()["team_id"] == team.pk  # untouched: not sent

    # The timeline records which token acted, since no agent did.
    status_event = conversation.events.filter(kind=ConversationEvent.Kind.STATUS_CHANGED).last()
    assert status_event.actor is None
    assert status_event.data["via"] == "api"
    assert status_event.data["api_token_name"] == "Integration"


def test_validation_errors_name_the_field(api, conversation, agent, outsider, settings):
    url = f"{V1}/conversations/{conversation.pk}"
    cases = [
        ({"status": "closed"}, "status"),
        ({"priority": "critical"}, "priority"),
        ({"status": "snoozed"}, "snoozed_until"),
        ({"status": "snoozed", "snoozed_until": "2001-01-01T00:00:00Z"}, "snoozed_until"),
        ({"snoozed_until": "2999-01-01T00:00:00"}, "snoozed_until"),  # no time zone
        ({"tags": ["not a tag!"]}, "tags"),
        ({"assignee_id": outsider.pk}, "assignee_id"),  # no access to the inbox
    ]
    for body, field in cases:
        error = assert_error(api.patch(url, body), 422, "validation_error")
        assert field in error["fields"], (body, error)
    conversation.refresh_from_db()
    assert conversation.status == "open" and conversation.assignee_id is None

    msgs = f"{url}/messages"
    too_long = "x" * (settings.MESSAGE_MAX_LENGTH + 1)
    error = assert_error(
        api.post(msgs, {"sender": "contact", "content": too_long}), 422, "validation_error"
    )
    assert "content" in error["fields"]
    error = assert_error(
        api.post(msgs, {"sender": "contact", "content": "   "}), 422, "validation_error"
    )
    assert "content" in error["fields"]
    error = assert_error(
        api.post(msgs, {"sender": "robot", "content": "x"}), 422, "validation_error"
    )
    assert "sender" in error["fields"]
    error = assert_error(api.post(msgs, {"content": "x"}), 422, "validation_error")
    assert "sender" in error["fields"]


def test_an_empty_contact_is_refused_and_nothing_is_stored(api, account):
    from blockdesk.conversations.models import Contact

    before = Contact.objects.filter(account=account).count()
    for body in ({}, {"name": "  ", "email": "", "notes": " "}, {"attributes": {}}):
        error = assert_error(api.post(f"{V1}/contacts", body), 422, "validation_error")
        assert "name" in error["message"] or "identity" in error["message"], error
    assert Contact.objects.filter(account=account).count() == before
    assert api.post(f"{V1}/contacts", {"email": "dana@example.com"}).status_code == 201


def test_changes_are_all_or_nothing(api, conversation, agent):
    response = api.patch(
        f"{V1}/conversations/{conversation.pk}", {"assignee_id": agent.pk, "tags": ["bad tag!"]}
    )
    assert_error(response, 422, "validation_error")
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


def test_every_failure_has_the_error_shape(api):
    client = api.client
    headers = api._headers()
    assert_error(api.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(api.get(f"{V1}/conversations/not-a-number"), 422, "validation_error")
    bad_json = client.post(
        f"{V1}/contacts", "{nope", content_type="application/json", headers=headers
    )
    assert bad_json.status_code == 400
    assert set(bad_json.json()) == {"error"}


def test_inboxes_and_agents(api, channel, agent, admin_user):
    inboxes = api.get(f"{V1}/inboxes").json()
    assert [(i["id"], i["member_ids"]) for i in inboxes] == [(channel.inbox.pk, [agent.pk])]
    one = api.get(f"{V1}/agents/{agent.pk}").json()
    assert one["role"] == "agent" and one["email"] == "alice@example.com"
    assert "password" not in one


# --- docs ---------------------------------------------------------------------------


def test_openapi_schema_and_docs_render(client):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    doc = schema.json()
    assert "/api/v1/conversations" in doc["paths"]
    assert "/api/v1/conversations/{conversation_id}/messages" in doc["paths"]
    assert "/api/v1/agents" in doc["paths"]
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    create = doc["paths"]["/api/v1/conversations"]["post"]
    assert "201" in create["responses"] and "422" in create["responses"]
    assert "ConversationCreateIn" in doc["components"]["schemas"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Served from our own static files, as the CSP requires; nothing from a CDN.
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html


def test_contacts_and_identities_created_through_the_api_are_events(api, make_token):
    token, _plain = make_token()  # a second token: the events name the one that acted
    before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    created = api.post(
        f"{V1}/contacts", {"name": "Ada", "identities": [{"kind": "external", "value": "u-1"}]}
    ).json()
    api.post(f"{V1}/contacts/{created['id']}/identities", {"kind": "email", "value": "a@x.io"})
    api.post(f"{V1}/contacts/{created['id']}/identities", {"kind": "email", "value": "a@x.io"})
    events = list(Event.objects.filter(pk__gt=before).order_by("id"))
    assert [e.name for e in events] == [
        "contact.created",
        "contact.identity_linked",
        "contact.identity_linked",  # the repeated identity is a no-op: no third event
    ]
    assert events[0].payload == {"contact_id": created["id"], "source": "api"}
    assert [(e.payload["kind"], e.payload["value"]) for e in events[1:]] == [
        ("external", "u-1"),
        ("email", "a@x.io"),
    ]
    assert {e.actor_kind for e in events} == {"api_token"}
    assert token.pk not in {e.actor_id for e in events}
    assert {e.subject_id for e in events} == {created["id"]}


def test_a_contact_the_api_fails_to_create_leaves_no_event(api):
    before = Event.objects.count()
    taken = {"kind": "external", "value": "dup"}
    api.post(f"{V1}/contacts", {"name": "A", "identities": [taken]})
    after_first = Event.objects.count()
    response = api.post(f"{V1}/contacts", {"name": "B", "identities": [taken]})
    assert response.status_code == 409
    assert Event.objects.count() == after_first == before + 2
