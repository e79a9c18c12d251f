"""The agent console over HTTP: lists, filters, authorisation and every action, through
the same form endpoints a browser without JavaScript uses (and their JSON variant)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from blockdesk.accounts.models import Team
from blockdesk.conversations import selectors, services
from blockdesk.conversations.models import CannedReply, Contact, Conversation, Message
from tests.workspace.conftest import open_conversation

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def url(conv: Conversation, action: str = "") -> str:
    base = f"/app/c/{conv.display_id}/"
    return base + (f"{action}/" if action else "")


def row_ids(client: Client, query: str = "") -> list[int]:
    response = client.get("/app/list.json" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return [row["id"] for row in response.json()["rows"]]


# --- lists and filters -------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get("/app/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/app/list.json", **JSON).status_code == 401


def test_inbox_lists_conversations_with_views(agent_client, agent, conv, channel, account):
    other = open_conversation(channel, Contact.objects.create(account=account, name="Dave"), "q2")
    services.do_assign(actor=agent, conversation=other, assignee=agent)

    page = agent_client.get("/app/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "My USDT deposit has not arrived" in html
    assert f'data-conversation-id="{conv.pk}"' in html

    assert set(row_ids(agent_client, "view=all")) == {conv.pk, other.pk}
    assert row_ids(agent_client, "view=mine") == [other.pk]
    assert row_ids(agent_client, "view=unassigned") == [conv.pk]


def test_filters_status_priority_tag_inbox_and_search(agent_client, agent, conv, channel, account):
    dave = Contact.objects.create(account=account, name="Dave Miller", email="dave@example.com")
    other = open_conversation(channel, dave, "withdrawal stuck")
    services.do_change_priority(actor=agent, conversation=other, priority="urgent")
    services.do_set_tags(actor=agent, conversation=conv, names=["deposit"])
    services.do_change_status(actor=agent, conversation=other, status="pending")

    assert row_ids(agent_client) == [conv.pk]  # open by default
    assert row_ids(agent_client, "status=pending") == [other.pk]
    assert set(row_ids(agent_client, "status=any")) == {conv.pk, other.pk}
    assert row_ids(agent_client, "status=any&priority=urgent") == [other.pk]
    assert row_ids(agent_client, "status=any&tag=deposit") == [conv.pk]
    assert row_ids(agent_client, "status=any&q=stuck") == [other.pk]
    assert row_ids(agent_client, "status=any&q=dave%40example") == [other.pk]
    assert row_ids(agent_client, "status=any&q=Miller") == [other.pk]
    assert row_ids(agent_client, f"status=any&q=%23{conv.display_id}") == [conv.pk]
    assert set(row_ids(agent_client, f"status=any&inbox={channel.inbox_id}")) == {
        conv.pk,
        other.pk,
    }
    # Nonsense values fall back to defaults rather than failing.
    assert row_ids(agent_client, "view=bogus&status=bogus&priority=x") == [conv.pk]


def test_list_json_with_id_tells_whether_the_row_still_matches(agent_client, agent, conv):
    assert row_ids(agent_client, f"id={conv.pk}") == [conv.pk]
    services.do_change_status(actor=agent, conversation=conv, status="resolved")
    assert row_ids(agent_client, f"id={conv.pk}") == []
    rows = agent_client.get(f"/app/list.json?status=resolved&id={conv.pk}").json()["rows"]
    assert rows[0]["status"] == "resolved"
    assert rows[0]["url"].startswith(f"/app/c/{conv.display_id}/?")


def test_pagination_with_cursor(agent_client, channel, account):
    convs = [
        open_conversation(channel, Contact.objects.create(account=account, name=f"C{i}"), "x")
        for i in range(30)
    ]
    first = agent_client.get("/app/list.json").json()
    assert len(first["rows"]) == 25 and first["next_cursor"]
    second = agent_client.get(f"/app/list.json?cursor={first['next_cursor']}").json()
    ids = [r["id"] for r in first["rows"]] + [r["id"] for r in second["rows"]]
    assert sorted(ids) == sorted(c.pk for c in convs)


@pytest.mark.parametrize(
    "pair",
    [
        ["not a date", 1],
        ["2026-13-40T00:00:00+00:00", 1],  # impossible day
        ["2026-01-01T00:00:00", 1],  # no time zone
        ["2026-01-01T00:00:00+00:00", 2**70],  # past a 64-bit id
        ["2026-01-01T00:00:00+00:00", -1],
        ["2026-01-01T00:00:00+00:00", "1"],
        [1, 1],
    ],
)
def test_a_forged_cursor_is_a_clear_error_not_a_crash(agent_client, conv, pair):
    forged = base64.urlsafe_b64encode(json.dumps(pair).encode()).decode().rstrip("=")
    response = agent_client.get(
        f"/app/list.json?cursor={forged}", headers={"Accept": "application/json"}
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"]["cursor"]


def test_unread_flags_and_viewing_marks_read(agent_client, agent, conv):
    rows = agent_client.get("/app/list.json").json()["rows"]
    assert rows[0]["unread"] is True
    assert selectors.unread_counts(user=agent)["all"] == 1
    html = agent_client.get("/app/").content.decode()
    # The tab counts its rows (tests/workspace/test_view_counts.py); unread rows are bold.
    assert re.search(r'data-view-count="all"\s*>1<', html)
    assert 'class="conv-row unread' in html

    assert agent_client.get(url(conv)).status_code == 200
    assert selectors.unread_counts(user=agent)["all"] == 0
    assert agent_client.get("/app/list.json").json()["rows"][0]["unread"] is False

    services.do_send_contact_message(
        contact=conv.contact, inbox=conv.inbox, conversation=conv, content="again"
    )
    assert selectors.unread_counts(user=agent)["all"] == 1
    response = agent_client.post(url(conv, "read"), **JSON)
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert selectors.unread_counts(user=agent)["all"] == 0


# --- authorisation ----------------------------------------------------------------


def test_agent_without_inbox_access_sees_nothing(outsider_client, conv):
    assert conv.pk not in row_ids(outsider_client, "status=any")
    assert "My USDT deposit" not in outsider_client.get("/app/?status=any").content.decode()
    assert outsider_client.get(url(conv)).status_code == 404
    assert outsider_client.get(url(conv) + "updates.json").status_code == 404
    for action, data in [
        ("reply", {"content": "hi"}),
        ("status", {"status": "resolved"}),
        ("priority", {"priority": "urgent"}),
        ("assign", {"assignee": "me"}),
        ("tags", {"op": "add", "tag": "x"}),
        ("contact-notes", {"notes": "x"}),
        ("read", {}),
    ]:
        response = outsider_client.post(url(conv, action), data)
        assert response.status_code == 404, action
        json_response = outsider_client.post(url(conv, action), data, **JSON)
        assert json_response.status_code == 404
        assert json_response.json()["error"]["code"] == "not_found"
    assert Message.objects.filter(conversation=conv).count() == 1
    conv.refresh_from_db()
    assert conv.status == "open" and conv.assignee_id is None


def test_other_account_admin_cannot_open_conversation(conv, other_account):
    from blockdesk.accounts.models import User
    from blockdesk.accounts.services import do_create_agent

    stranger = do_create_agent(
        account=other_account,
        username="eve",
        email="eve@example.com",
        password="correct-horse-battery-9",
        role=User.Role.ADMIN,
    )
    client = Client()
    client.force_login(stranger)
    assert client.get(url(conv)).status_code == 404
    assert conv.pk not in row_ids(client, "status=any")


# --- actions ----------------------------------------------------------------------


def test_reply_without_javascript_redirects_back(agent_client, agent, conv):
    response = agent_client.post(
        url(conv, "reply") + "?view=mine", {"content": "Looking into it", "idempotency_key": "k1"}
    )
    assert response.status_code == 302
    assert response["Location"] == url(conv) + "?view=mine"
    msg = Message.objects.get(conversation=conv, sender_type="agent")
    assert msg.content == "Looking into it" and not msg.is_private
    conv.refresh_from_db()
    assert conv.assignee_id == agent.pk  # answering takes the case
    # The same form posted twice (double click, reload) stores one message.
    agent_client.post(url(conv, "reply"), {"content": "Looking into it", "idempotency_key": "k1"})
    assert Message.objects.filter(conversation=conv, sender_type="agent").count() == 1


def test_private_note_is_private_and_does_not_assign(agent_client, conv):
    response = agent_client.post(
        url(conv, "reply"), {"content": "check wallet", "note": "1"}, **JSON
    )
    assert response.status_code == 200
    body = response.json()
    assert body["message"]["private"] is True
    assert body["message"]["content"] == "check wallet"
    conv.refresh_from_db()
    assert conv.assignee_id is None
    assert Message.objects.get(pk=body["message"]["id"]).is_private


def test_empty_reply_shows_the_service_error(agent_client, conv):
    response = agent_client.post(url(conv, "reply"), {"content": "   "}, follow=True)
    assert "A message cannot be empty." in response.content.decode()
    json_response = agent_client.post(url(conv, "reply"), {"content": ""}, **JSON)
    assert json_response.status_code == 422
    assert json_response.json()["error"]["fields"]["content"]


def test_csrf_is_enforced(agent, conv):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(url(conv, "reply"), {"content": "no token"}).status_code == 403
    page = client.get(url(conv))
    token = page.cookies["csrftoken"].value
    response = client.post(
        url(conv, "reply"), {"content": "with token", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    # The script sends the token in a header instead.
    response = client.post(
        url(conv, "priority"), {"priority": "high"}, HTTP_X_CSRFTOKEN=token, **JSON
    )
    assert response.status_code == 200
    assert Message.objects.filter(conversation=conv, content="with token").exists()
    assert not Message.objects.filter(content="no token").exists()


def test_assign_to_me_other_agent_team_and_nobody(agent_client, agent, admin_user, conv, account):
    team = Team.objects.create(account=account, name="Tier 2")
    response = agent_client.post(url(conv, "assign"), {"assignee": "me"}, **JSON)
    assert response.json()["conversation"]["assignee_id"] == agent.pk

    agent_client.post(url(conv, "assign"), {"assignee": str(admin_user.pk)})
    conv.refresh_from_db()
    assert conv.assignee_id == admin_user.pk

    # A team-only form leaves the assignee alone.
    agent_client.post(url(conv, "assign"), {"team": str(team.pk)})
    conv.refresh_from_db()
    assert conv.team_id == team.pk and conv.assignee_id == admin_user.pk

    agent_client.post(url(conv, "assign"), {"assignee": ""})
    conv.refresh_from_db()
    assert conv.assignee_id is None and conv.team_id == team.pk
    kinds = list(conv.events.values_list("kind", flat=True))
    assert kinds.count("assigned") == 2 and "unassigned" in kinds and "team_changed" in kinds


def test_assign_to_agent_without_access_is_refused(agent_client, outsider, conv):
    response = agent_client.post(url(conv, "assign"), {"assignee": str(outsider.pk)}, **JSON)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["assignee"]
    page = agent_client.post(url(conv, "assign"), {"assignee": str(outsider.pk)}, follow=True)
    assert "no access to this inbox" in page.content.decode()
    conv.refresh_from_db()
    assert conv.assignee_id is None


def test_status_changes_and_snooze(agent_client, conv):
    agent_client.post(url(conv, "status"), {"status": "pending"})
    conv.refresh_from_db()
    assert conv.status == "pending"

    before = timezone.now()
    response = agent_client.post(url(conv, "status"), {"status": "snoozed", "snooze": "4h"}, **JSON)
    assert response.status_code == 200
    conv.refresh_from_db()
    assert conv.status == "snoozed"
    assert before + dt.timedelta(hours=4) <= conv.snoozed_until
    assert conv.snoozed_until <= timezone.now() + dt.timedelta(hours=4)

    # A datetime-local value is read in the browser's zone (tz_offset, minutes east of UTC).
    local = (timezone.now() + dt.timedelta(days=2)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    agent_client.post(
        url(conv, "status"),
        {
            "status": "snoozed",
            "snoozed_until": local.strftime("%Y-%m-%dT%H:%M"),
            "tz_offset": "480",
        },
    )
    conv.refresh_from_db()
    assert abs((conv.snoozed_until - local.replace(second=0, microsecond=0)).total_seconds()) < 1

    past = agent_client.post(
        url(conv, "status"),
        {"status": "snoozed", "snoozed_until": "2001-01-01T10:00", "tz_offset": "0"},
        **JSON,
    )
    assert past.status_code == 422
    assert past.json()["error"]["fields"]["snoozed_until"]
    missing = agent_client.post(url(conv, "status"), {"status": "snoozed"}, **JSON)
    assert missing.status_code == 422

    response = agent_client.post(url(conv, "status"), {"status": "resolved"}, **JSON)
    assert response.json()["conversation"]["status"] == "resolved"
    conv.refresh_from_db()
    assert conv.status == "resolved" and conv.resolved_at is not None and conv.snoozed_until is None


def test_priority(agent_client, conv):
    response = agent_client.post(url(conv, "priority"), {"priority": "urgent"}, **JSON)
    assert response.json()["conversation"]["priority"] == "urgent"
    conv.refresh_from_db()
    assert conv.priority == Conversation.Priority.URGENT
    bad = agent_client.post(url(conv, "priority"), {"priority": "critical"}, **JSON)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "validation_error"


def test_tags_add_and_remove(agent_client, conv):
    agent_client.post(url(conv, "tags"), {"op": "add", "tag": "Deposit, usdt"})
    assert sorted(conv.tags.values_list("name", flat=True)) == ["deposit", "usdt"]
    response = agent_client.post(url(conv, "tags"), {"op": "remove", "tag": "usdt"}, **JSON)
    assert response.json()["conversation"]["tags"] == ["deposit"]
    bad = agent_client.post(url(conv, "tags"), {"op": "add", "tag": "no/slash"}, **JSON)
    assert bad.status_code == 422
    assert list(conv.tags.values_list("name", flat=True)) == ["deposit"]


def test_contact_notes(agent_client, conv):
    response = agent_client.post(url(conv, "contact-notes"), {"notes": "VIP, verified KYC"}, **JSON)
    assert response.json() == {"ok": True, "notes": "VIP, verified KYC"}
    conv.contact.refresh_from_db()
    assert conv.contact.notes == "VIP, verified KYC"
    assert "VIP, verified KYC" in agent_client.get(url(conv)).content.decode()


def test_conversation_page_shows_timeline_sidebar_and_other_conversations(
    agent_client, agent, conv, channel
):
    services.do_send_agent_message(
        agent=agent, conversation=conv, content="secret note", private=True
    )
    services.do_change_priority(actor=agent, conversation=conv, priority="high")
    services.do_change_status(actor=agent, conversation=conv, status="resolved")
    newer = open_conversation(channel, conv.contact, "another question")
    html = agent_client.get(url(newer)).content.decode()
    assert "another question" in html
    assert f'href="/app/c/{conv.display_id}/' in html  # the contact's other conversation
    html = agent_client.get(url(conv)).content.decode()
    assert "msg-note" in html and "secret note" in html
    assert "set the priority to High" in html
    assert "changed the status to Resolved" in html
    assert "carol@example.com" in html


def test_updates_json_returns_only_newer_items(agent_client, agent, conv):
    page_items = agent_client.get(url(conv) + "updates.json").json()["items"]
    last_id = max(i["id"] for i in page_items if i["type"] == "message")
    services.do_send_agent_message(agent=agent, conversation=conv, content="new reply")
    body = agent_client.get(url(conv) + "updates.json" + f"?after_message={last_id}").json()
    messages = [i for i in body["items"] if i["type"] == "message"]
    assert [m["content"] for m in messages] == ["new reply"]
    assert any(
        i["type"] == "event" and "took this conversation" in i["text"] for i in body["items"]
    )
    assert body["conversation"]["assignee_id"] == agent.pk


def test_canned_replies_endpoint(agent_client, account, other_account):
    CannedReply.objects.create(account=account, shortcut="greeting", content="Hi!")
    CannedReply.objects.create(account=account, shortcut="gas", content="Gas is…")
    CannedReply.objects.create(account=account, shortcut="txid", content="Your TxID?")
    CannedReply.objects.create(account=other_account, shortcut="gone", content="not ours")
    replies = agent_client.get("/app/canned-replies.json?q=g").json()["replies"]
    assert [r["shortcut"] for r in replies] == ["gas", "greeting"]
    everything = agent_client.get("/app/canned-replies.json").json()["replies"]
    assert {r["shortcut"] for r in everything} == {"gas", "greeting", "txid"}
    assert agent_client.get("/app/canned-replies.json?q=/tx").json()["replies"][0]["content"] == (
        "Your TxID?"
    )


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_content_is_escaped(agent_client, agent, channel, account):
    evil = Contact.objects.create(account=account, name=HOSTILE, email="evil@example.com")
    conv = open_conversation(channel, evil, HOSTILE)
    services.do_send_agent_message(agent=agent, conversation=conv, content=HOSTILE, private=True)
    services.do_set_tags(actor=agent, conversation=conv, names=["safe"])
    evil.notes = HOSTILE
    evil.attributes = {"wallet": HOSTILE}
    evil.save()
    for page in (agent_client.get("/app/"), agent_client.get(url(conv))):
        html = page.content.decode()
        assert "<script>alert" not in html
        assert "<img src=x onerror" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    # JSON carries the raw text; the script renders it with textContent.
    row = agent_client.get("/app/list.json").json()["rows"][0]
    assert row["contact_name"] == HOSTILE
    # The console config is a JSON script block that cannot close its tag early.
    html = agent_client.get(url(conv)).content.decode()
    config = re.search(
        r'<script id="console-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert config and "<" not in config.group(1)


def test_pages_have_no_inline_scripts_or_styles(agent_client, admin_client, conv):
    pages = [agent_client.get("/app/"), agent_client.get(url(conv))]
    pages += [admin_client.get(p) for p in ("/app/settings/agents/", "/app/settings/inboxes/")]
    for page in pages:
        html = page.content.decode()
        assert " style=" not in html
        assert " onclick=" not in html and " onchange=" not in html
        for match in re.finditer(r"<script([^>]*)>", html):
            attrs = match.group(1)
            assert "src=" in attrs or 'type="application/json"' in attrs, attrs
