"""The widget's HTTP API, called the way the frame calls it."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Contact, Conversation, Message
from blockdesk.widget.services import VISITOR_TOKEN_PREFIX

from .conftest import Visitor

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _conversation(visitor: Visitor) -> Conversation:
    response = visitor.send("hello")
    assert response.status_code == 201
    return Conversation.objects.get(pk=response.json()["conversation"]["id"])


def test_session_creates_anonymous_contact_and_hashes_the_token(channel):
    visitor = Visitor(channel).start()
    assert visitor.token and visitor.token.startswith(VISITOR_TOKEN_PREFIX + "_")
    contact = Contact.objects.get()
    assert contact.account_id == channel.inbox.account_id
    assert contact.name == "" and contact.locale == "en"
    identity = contact.identities.get()
    assert identity.value != visitor.token and visitor.token not in identity.value
    me = visitor.get("me")
    assert me.status_code == 200
    assert me.json()["visitor"]["id"] == contact.pk
    assert me["Cache-Control"] == "no-store"


def test_unknown_widget_token_is_not_found_in_the_error_shape(client):
    response = client.post(
        "/widget/api/nope-nope-nope/session", {}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_needs_a_valid_bearer_token(channel, visitor):
    anonymous = Visitor(channel)
    assert anonymous.get("conversations").status_code == 401
    assert anonymous.get("conversations").json()["error"]["code"] == "unauthenticated"
    anonymous.token = VISITOR_TOKEN_PREFIX + "_forged"
    assert anonymous.get("messages").status_code == 401
    anonymous.token = "not-even-a-visitor-token"
    assert anonymous.send("hi").status_code == 401
    assert Message.objects.count() == 0


def test_send_is_idempotent_on_the_client_key(visitor, channel):
    key = str(uuid.uuid4())
    first = visitor.send("Where is my deposit?", key=key)
    again = visitor.send("Where is my deposit?", key=key)
    assert first.status_code == 201 and first.json()["created"] is True
    assert again.status_code == 200 and again.json()["created"] is False
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    assert Message.objects.count() == 1
    conv = first.json()["conversation"]
    assert conv["status"] == "open" and conv["display_id"] == 1
    assert first.json()["message"]["mine"] is True
    # The second message goes to the same case.
    second = visitor.send("TxID 0xabc", conversation_id=conv["id"])
    assert second.json()["conversation"]["id"] == conv["id"]
    assert Conversation.objects.count() == 1


def test_missing_or_malformed_idempotency_key_is_refused(visitor):
    response = visitor.post("messages", {"content": "hi"})
    assert response.status_code == 422
    assert "idempotency_key" in response.json()["error"]["fields"]
    response = visitor.post("messages", {"content": "hi", "idempotency_key": "x y"})
    assert response.status_code == 422


def test_fetch_after_id_returns_only_newer_public_messages(visitor, agent):
    conv = _conversation(visitor)
    conv_services.do_send_agent_message(agent=agent, conversation=conv, content="Looking")
    conv_services.do_send_agent_message(
        agent=agent, conversation=conv, content="internal: VIP", private=True
    )
    conv_services.do_send_agent_message(agent=agent, conversation=conv, content="Found it")
    everything = visitor.get("messages", after_id=0).json()["messages"]
    assert [m["content"] for m in everything] == ["hello", "Looking", "Found it"]
    assert all("private" not in m and "sender_user_id" not in m for m in everything)
    after = visitor.get("messages", after_id=everything[1]["id"]).json()
    assert [m["content"] for m in after["messages"]] == ["Found it"]
    assert after["has_more"] is False
    scoped = visitor.get("messages", conversation_id=conv.pk, after_id=0, limit=2).json()
    assert len(scoped["messages"]) == 2 and scoped["has_more"] is True
    assert visitor.get("messages", after_id="abc").status_code == 422


def test_history_lists_own_conversations_with_status(visitor, agent):
    first = _conversation(visitor)
    conv_services.do_change_status(actor=agent, conversation=first, status="resolved")
    # Writing to a resolved case opens a new one.
    reopened = visitor.send("one more thing", conversation_id=first.pk).json()["conversation"]
    assert reopened["id"] != first.pk
    conv_services.do_send_agent_message(
        agent=agent,
        conversation=Conversation.objects.get(pk=reopened["id"]),
        content="note",
        private=True,
    )
    listing = visitor.get("conversations").json()["conversations"]
    assert {c["id"]: c["status"] for c in listing} == {first.pk: "resolved", reopened["id"]: "open"}
    newest = next(c for c in listing if c["id"] == reopened["id"])
    # The note moved the core's last_message_id; the visitor sees the public one.
    assert newest["preview"] == "one more thing"
    assert newest["last_message_id"] == Message.objects.get(content="one more thing").pk


def test_timeline_shows_public_events_only(visitor, agent, channel):
    conv = _conversation(visitor)
    conv_services.do_send_agent_message(agent=agent, conversation=conv, content="hi")  # assigns
    conv_services.do_change_priority(actor=agent, conversation=conv, priority="urgent")
    conv_services.do_set_tags(actor=agent, conversation=conv, names=["vip"])
    conv_services.do_send_agent_message(
        agent=agent, conversation=conv, content="secret note", private=True
    )
    conv_services.do_change_status(actor=agent, conversation=conv, status="pending")
    conv_services.do_change_status(actor=agent, conversation=conv, status="resolved")
    body = visitor.get(f"conversations/{conv.pk}").json()
    kinds = [(e["kind"], e.get("status"), e.get("assignee_name")) for e in body["timeline"]]
    assert kinds == [
        ("opened", None, None),
        ("assigned", None, agent.public_name),
        ("status_changed", "pending", None),
        ("status_changed", "resolved", None),
    ]
    text = str(body)
    assert "urgent" not in text and "vip" not in text and "secret note" not in text
    assert "assignee_id" not in text and "actor" not in text
    assert body["conversation"]["status"] == "resolved"


def test_followup_email(visitor):
    conv = _conversation(visitor)
    bad = visitor.post(f"conversations/{conv.pk}/followup", {"email": "not-an-email"})
    assert bad.status_code == 422 and "email" in bad.json()["error"]["fields"]
    ok = visitor.post(f"conversations/{conv.pk}/followup", {"email": "me@example.com"})
    assert ok.status_code == 200
    conv.refresh_from_db()
    assert conv.followup_email == "me@example.com"
    assert conv.contact.email == "me@example.com"
    timeline = visitor.get(f"conversations/{conv.pk}").json()["timeline"]
    assert timeline[-1]["kind"] == "followup_email"


def test_other_visitors_conversation_is_not_found(visitor, other_visitor):
    conv = _conversation(visitor)
    visitor.send("my secret wallet question", conversation_id=conv.pk)
    # Guessing the id through every route: 404, and nothing leaks.
    for response in (
        other_visitor.get(f"conversations/{conv.pk}"),
        other_visitor.get("messages", conversation_id=conv.pk),
        other_visitor.post(f"conversations/{conv.pk}/followup", {"email": "x@example.com"}),
        other_visitor.send("injected", conversation_id=conv.pk),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    assert other_visitor.get("conversations").json()["conversations"] == []
    assert other_visitor.get("messages", after_id=0).json()["messages"] == []
    assert not Message.objects.filter(content="injected").exists()


def test_token_of_another_widget_sees_nothing_there(visitor, account, agent):
    from blockdesk.connectors.services import do_create_web_widget_inbox

    _conversation(visitor)
    other = do_create_web_widget_inbox(account=account, name="Other site", members=[agent])
    stranger = Visitor(other)
    stranger.token = visitor.token
    assert stranger.get("conversations").json()["conversations"] == []
    assert stranger.get("messages").json()["messages"] == []


def test_overlong_message_is_refused_with_a_clear_error(visitor, settings):
    settings.MESSAGE_MAX_LENGTH = 50
    response = visitor.send("x" * 51)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "50" in error["message"] and "content" in error["fields"]
    assert Message.objects.count() == 0


def test_hostile_markup_is_stored_and_returned_as_plain_text(visitor):
    payload = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    visitor.send(payload)
    assert visitor.get("messages").json()["messages"][0]["content"] == payload


def test_attachment_upload_returns_a_signed_link(visitor, client):
    upload = SimpleUploadedFile("receipt.png", PNG, content_type="image/png")
    response = visitor.post_form(
        "messages",
        {"content": "screenshot", "idempotency_key": str(uuid.uuid4()), "attachments": upload},
    )
    assert response.status_code == 201, response.content
    att = response.json()["message"]["attachments"][0]
    assert att["filename"] == "receipt.png" and att["content_type"] == "image/png"
    assert att["url"].startswith(f"/attachments/{att['id']}/") and att["url"] != (
        f"/attachments/{att['id']}/"
    )
    # The signed link works without a login; the agent link does not.
    assert client.get(att["url"]).status_code == 200
    assert client.get(f"/attachments/{att['id']}/").status_code == 302
    fetched = visitor.get("messages").json()["messages"][0]["attachments"][0]
    assert fetched["id"] == att["id"]
    assert client.get(fetched["url"]).status_code == 200
    assert client.get(fetched["url"].replace(":", ":x", 1)).status_code == 404


def test_disallowed_and_oversized_attachments_are_refused(visitor, settings):
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    response = visitor.post_form(
        "messages", {"content": "", "idempotency_key": str(uuid.uuid4()), "attachments": exe}
    )
    assert response.status_code == 422
    assert "attachments" in response.json()["error"]["fields"]
    fake = SimpleUploadedFile("fake.pdf", b"<html>", content_type="application/pdf")
    response = visitor.post_form(
        "messages", {"content": "x", "idempotency_key": str(uuid.uuid4()), "attachments": fake}
    )
    assert response.status_code == 422
    settings.ATTACHMENT_MAX_BYTES = 32
    big = SimpleUploadedFile("big.png", PNG, content_type="image/png")
    response = visitor.post_form(
        "messages", {"content": "x", "idempotency_key": str(uuid.uuid4()), "attachments": big}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert Message.objects.count() == 0


@pytest.mark.usefixtures("steady_rate_window")
def test_message_endpoint_is_rate_limited_per_visitor(visitor, channel, settings):
    settings.PUBLIC_RATE_LIMIT = 3
    for i in range(3):
        assert visitor.send(f"m{i}").status_code == 201
    limited = visitor.send("one too many")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert not Message.objects.filter(content="one too many").exists()
    # Reading is not limited.
    assert visitor.get("messages").status_code == 200


@pytest.mark.usefixtures("steady_rate_window")
def test_rate_limit_per_visitor_holds_across_ips(visitor, channel, settings):
    settings.PUBLIC_RATE_LIMIT = 2
    assert visitor.send("a").status_code == 201
    assert visitor.send("b").status_code == 201
    moved = Visitor(channel, ip="192.0.2.55")
    moved.token = visitor.token
    assert moved.send("c").status_code == 429


@pytest.mark.usefixtures("steady_rate_window")
def test_session_creation_is_rate_limited_per_ip(channel, settings):
    settings.PUBLIC_RATE_LIMIT = 2
    Visitor(channel, ip="192.0.2.1").start()
    Visitor(channel, ip="192.0.2.1").start()
    third = Visitor(channel, ip="192.0.2.1").client.post(
        f"/widget/api/{channel.public_token}/session", {}, content_type="application/json"
    )
    assert third.status_code == 429 and "Retry-After" in third
    assert Visitor(channel, ip="192.0.2.2").start().token


def test_wrong_method_and_unknown_path_use_the_error_shape(visitor):
    response = visitor.client.delete(visitor.base + "messages", headers=visitor._headers())
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    response = visitor.get("no/such/thing")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_visitor_can_set_language(visitor):
    response = visitor.post("me", {"locale": "zh-hans"})
    assert response.status_code == 200
    assert Contact.objects.get().locale == "zh-hans"
