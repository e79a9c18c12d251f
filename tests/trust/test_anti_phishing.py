"""A customer's anti-phishing code: set from the widget, stored encrypted, shown on
our side's messages to that customer only."""

from __future__ import annotations

import pytest
from django.db import connection

from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.trust.models import AntiPhishingCode
from blockdesk.trust.selectors import anti_phishing_code_for
from blockdesk.widget.consumers import visitor_event
from blockdesk.widget.serializers import widget_message_dict

from ..widget.conftest import Visitor

pytestmark = pytest.mark.django_db


def _code_url(channel) -> str:
    return f"/verify/widget/{channel.public_token}/anti-phishing-code"


def _set(visitor: Visitor, code: str):
    return visitor.client.post(
        _code_url(visitor.channel),
        {"code": code},
        content_type="application/json",
        headers={"Authorization": f"Bearer {visitor.token}"},
    )


def _get(visitor: Visitor):
    return visitor.client.get(
        _code_url(visitor.channel), headers={"Authorization": f"Bearer {visitor.token}"}
    )


def _conversation_with_reply(visitor: Visitor, agent) -> Conversation:
    sent = visitor.send("Is this email from you?")
    assert sent.status_code == 201
    conv = Conversation.objects.get(pk=sent.json()["conversation"]["id"])
    conv_services.do_send_agent_message(agent=agent, conversation=conv, content="Yes, it is.")
    return conv


def test_set_read_and_clear_the_code(channel):
    visitor = Visitor(channel).start()
    assert _get(visitor).json() == {"code": None}
    saved = _set(visitor, "  blue-tiger  ")
    assert saved.status_code == 200, saved.content
    assert saved.json() == {"code": "blue-tiger"}
    assert _get(visitor).json() == {"code": "blue-tiger"}
    assert _get(visitor)["Cache-Control"] == "no-store"
    cleared = visitor.client.delete(
        _code_url(channel), headers={"Authorization": f"Bearer {visitor.token}"}
    )
    assert cleared.json() == {"code": None}
    assert not AntiPhishingCode.objects.exists()


@pytest.mark.parametrize(
    "code",
    ["abc", "x" * 21, "see example.com", "https://x", "www.x", "me@x", "<b>hi</b>"],
)
def test_invalid_codes_are_refused_in_the_error_shape(channel, code):
    visitor = Visitor(channel).start()
    response = _set(visitor, code)
    assert response.status_code == 422
    assert "code" in response.json()["error"]["fields"]
    assert not AntiPhishingCode.objects.exists()


def test_chinese_codes_are_fine(channel):
    visitor = Visitor(channel).start()
    assert _set(visitor, "蓝色老虎 88").json() == {"code": "蓝色老虎 88"}


def test_endpoint_needs_the_visitor_token(channel):
    anonymous = Visitor(channel)
    response = anonymous.client.post(
        _code_url(channel), {"code": "BLUE-TIGER"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert anonymous.client.get("/verify/widget/nope/anti-phishing-code").status_code == 404


def test_code_is_encrypted_at_rest(channel):
    visitor = Visitor(channel).start()
    _set(visitor, "BLUE-TIGER")
    row = AntiPhishingCode.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT code FROM {AntiPhishingCode._meta.db_table} WHERE contact_id = %s",  # noqa: S608
            [row.contact_id],
        )
        (raw,) = cursor.fetchone()
    assert "BLUE-TIGER" not in raw and "blue" not in raw.lower()
    assert anti_phishing_code_for(row.contact) == "BLUE-TIGER"


def test_code_rides_on_our_messages_to_that_customer_only(channel, agent):
    alice, bob = Visitor(channel).start(), Visitor(channel, ip="198.51.100.9").start()
    _set(alice, "BLUE-TIGER")
    conv_a = _conversation_with_reply(alice, agent)
    conv_b = _conversation_with_reply(bob, agent)

    messages = alice.get("messages", conversation_id=conv_a.pk).json()["messages"]
    mine, reply = messages
    assert mine["verified"] is False and "anti_phishing_code" not in mine
    assert reply["verified"] is True and reply["verified_as"] == "agent"
    assert reply["anti_phishing_code"] == "BLUE-TIGER"

    others = bob.get("messages", conversation_id=conv_b.pk).json()["messages"]
    assert others[1]["verified"] is True and others[1]["anti_phishing_code"] is None
    assert "BLUE-TIGER" not in str(bob.get("messages").content)


def test_assistant_and_system_messages_are_verified_with_their_own_label(channel, agent):
    visitor = Visitor(channel).start()
    conv = _conversation_with_reply(visitor, agent)
    for kind in ("assistant", "system"):
        message = Message.objects.create(conversation=conv, sender_type=kind, content="hi")
        data = widget_message_dict(message)
        assert data["verified"] is True and data["verified_as"] == kind


def test_internal_notes_never_reach_the_widget_even_verified(channel, agent):
    visitor = Visitor(channel).start()
    conv = _conversation_with_reply(visitor, agent)
    conv_services.do_send_agent_message(
        agent=agent, conversation=conv, content="secret note", private=True
    )
    payload = visitor.get("messages", conversation_id=conv.pk).json()["messages"]
    assert all(m["content"] != "secret note" for m in payload)


def test_live_messages_are_marked_verified_without_a_query():
    event = {
        "type": "message.created",
        "message": {"id": 1, "sender_type": "agent", "content": "hi", "attachments": []},
    }
    out = visitor_event(event)
    assert out is not None
    assert out["message"]["verified"] is True
    customer = visitor_event(
        {"type": "message.created", "message": {"id": 2, "sender_type": "contact"}}
    )
    assert customer is not None and customer["message"]["verified"] is False


def test_frame_carries_the_panel_and_its_config(client, channel):
    html = client.get(f"/widget/frame/{channel.public_token}/").content.decode()
    assert 'id="bdw-apc"' in html and 'id="bdw-apc-open"' in html
    assert 'id="bdw-trust"' in html
    assert f"/verify/widget/{channel.public_token}/anti-phishing-code" in html
    assert "trust/widget.css" in html
