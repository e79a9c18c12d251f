"""The visitor's WebSocket, over real ASGI connections (channels' WebsocketCommunicator
against the project's application, with its auth and origin checks)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blockdesk.asgi import application
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation
from tests.support.ws import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")


async def visitor_socket(channel, token: str | None) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(application, f"/ws/widget/{channel.public_token}/", [ORIGIN])
    connected, _ = await comm.connect()
    assert connected
    if token is not None:
        await comm.send_json_to({"type": "auth", "token": token})
        assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
    return comm


async def agent_socket(cookie: str) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(application, "/ws/agent/", [ORIGIN, (b"cookie", cookie.encode())])
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
    return comm


async def until(comm: WebsocketCommunicator, kind: str, limit: int = 10) -> dict[str, Any]:
    """Reads frames until one of `kind` arrives (other events may come first)."""
    for _ in range(limit):
        frame = await comm.receive_json_from(timeout=5)
        if frame.get("type") == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


async def drain(comm: WebsocketCommunicator) -> list[dict[str, Any]]:
    frames = []
    while not await comm.receive_nothing(timeout=0.3):
        frames.append(await comm.receive_json_from())
    return frames


@pytest.fixture
def agent_cookie(agent) -> str:
    client = Client()
    client.force_login(agent)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def test_agent_reply_reaches_the_visitor_live(channel, agent, visitor):
    conv_id = (await sync_to_async(visitor.send)("hello")).json()["conversation"]["id"]
    conv = await database_sync_to_async(Conversation.objects.get)(pk=conv_id)
    comm = await visitor_socket(channel, visitor.token)

    await database_sync_to_async(conv_services.do_send_agent_message)(
        agent=agent, conversation=conv, content="We are on it", private=False
    )
    frame = await until(comm, "message.created")
    message = frame["message"]
    assert message["content"] == "We are on it" and message["mine"] is False
    assert "private" not in message and "sender_user_id" not in message

    await database_sync_to_async(conv_services.do_send_agent_message)(
        agent=agent, conversation=conv, content="internal only", private=True
    )
    await database_sync_to_async(conv_services.do_set_tags)(
        actor=agent, conversation=conv, names=["whale"]
    )
    frames = await drain(comm)
    assert "internal only" not in str(frames) and "whale" not in str(frames)
    await comm.disconnect()


async def test_live_attachments_and_events_are_visitor_safe(channel, agent, visitor):
    conv_id = (await sync_to_async(visitor.send)("hi")).json()["conversation"]["id"]
    conv = await database_sync_to_async(Conversation.objects.get)(pk=conv_id)
    comm = await visitor_socket(channel, visitor.token)
    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16, content_type="image/png")
    await database_sync_to_async(conv_services.do_send_agent_message)(
        agent=agent, conversation=conv, content="see", attachments=[png]
    )
    frames = await drain(comm)
    message = next(f for f in frames if f["type"] == "message.created")["message"]
    url = message["attachments"][0]["url"]
    assert url.count("/") == 4 and url != f"/attachments/{message['attachments'][0]['id']}/"
    assigned = next(f for f in frames if f["type"] == "conversation.event")["event"]
    assert assigned == {
        "id": assigned["id"],
        "kind": "assigned",
        "created_at": assigned["created_at"],
        "assignee_name": agent.public_name,
    }
    updated = next(f for f in frames if f["type"] == "conversation.updated")["conversation"]
    assert "last_message_id" not in updated and updated["id"] == conv_id

    await database_sync_to_async(conv_services.do_change_status)(
        actor=agent, conversation=conv, status="pending"
    )
    event = (await until(comm, "conversation.event"))["event"]
    assert event["kind"] == "status_changed" and event["status"] == "pending"
    await comm.disconnect()


async def test_visitor_message_reaches_agents_of_the_inbox(channel, agent_cookie, visitor):
    agent_ws = await agent_socket(agent_cookie)
    response = await sync_to_async(visitor.send)("<script>alert(1)</script>")
    assert response.status_code == 201
    frame = await until(agent_ws, "message.created")
    assert frame["message"]["content"] == "<script>alert(1)</script>"
    assert frame["message"]["sender_type"] == "contact"
    await agent_ws.disconnect()


async def test_typing_both_ways(channel, agent_cookie, visitor):
    conv_id = (await sync_to_async(visitor.send)("hi")).json()["conversation"]["id"]
    visitor_ws = await visitor_socket(channel, visitor.token)
    agent_ws = await agent_socket(agent_cookie)

    await visitor_ws.send_json_to({"type": "typing", "conversation_id": conv_id, "on": True})
    typing = await until(agent_ws, "typing")
    assert typing == {"type": "typing", "conversation_id": conv_id, "actor": "contact", "on": True}
    # Throttled: a burst of "still typing" is forwarded once; "stopped" always goes through.
    await visitor_ws.send_json_to({"type": "typing", "conversation_id": conv_id, "on": True})
    await visitor_ws.send_json_to({"type": "typing", "conversation_id": conv_id, "on": False})
    stopped = await until(agent_ws, "typing")
    assert stopped["on"] is False

    await agent_ws.send_json_to({"type": "typing", "conversation_id": conv_id, "on": True})
    typing = await until(visitor_ws, "typing")
    assert typing == {"type": "typing", "conversation_id": conv_id, "actor": "agent", "on": True}
    # A note being written is not announced to the customer.
    await agent_ws.send_json_to(
        {"type": "typing", "conversation_id": conv_id, "on": True, "private": True}
    )
    assert await visitor_ws.receive_nothing(timeout=0.3)
    await visitor_ws.disconnect()
    await agent_ws.disconnect()


async def test_socket_needs_a_valid_token_first(channel, visitor):
    comm = await visitor_socket(channel, None)
    await comm.send_json_to({"type": "ping"})
    assert (await comm.receive_json_from(timeout=5)) == {
        "type": "error",
        "code": "unauthenticated",
    }
    assert (await comm.receive_output(timeout=5))["code"] == 4401

    comm = await visitor_socket(channel, None)
    await comm.send_json_to({"type": "auth", "token": "bdv_" + uuid.uuid4().hex})
    assert (await comm.receive_json_from(timeout=5))["code"] == "unauthenticated"
    assert (await comm.receive_output(timeout=5))["code"] == 4401


async def test_unknown_widget_socket_is_refused(db):
    comm = WebsocketCommunicator(application, "/ws/widget/no-such-widget/", [ORIGIN])
    connected, code = await comm.connect()
    assert not connected and code == 4404


async def test_foreign_origin_is_refused(channel):
    comm = WebsocketCommunicator(
        application, f"/ws/widget/{channel.public_token}/", [(b"origin", b"https://evil.example")]
    )
    connected, _ = await comm.connect()
    assert not connected


async def test_visitor_socket_hears_only_its_own_conversations(
    channel, agent, agent_cookie, visitor, other_visitor
):
    mine = (await sync_to_async(visitor.send)("mine")).json()["conversation"]["id"]
    theirs = (await sync_to_async(other_visitor.send)("theirs")).json()["conversation"]["id"]
    their_conv = await database_sync_to_async(Conversation.objects.get)(pk=theirs)
    my_ws = await visitor_socket(channel, visitor.token)
    agent_ws = await agent_socket(agent_cookie)

    await database_sync_to_async(conv_services.do_send_agent_message)(
        agent=agent, conversation=their_conv, content="for the other visitor"
    )
    await sync_to_async(other_visitor.send)("their follow-up", theirs)
    assert "for the other visitor" not in str(await drain(my_ws))
    await drain(agent_ws)

    # Typing into someone else's case goes nowhere.
    await my_ws.send_json_to({"type": "typing", "conversation_id": theirs, "on": True})
    assert await agent_ws.receive_nothing(timeout=0.3)
    # Authenticating as another visitor needs their token, not their ids.
    await my_ws.send_json_to({"type": "auth", "token": f"bdv_{theirs}"})
    assert (await my_ws.receive_json_from(timeout=5))["code"] == "unauthenticated"
    assert mine != theirs
    await agent_ws.disconnect()


async def test_ping_pong(channel, visitor):
    comm = await visitor_socket(channel, visitor.token)
    await comm.send_json_to({"type": "ping"})
    assert await comm.receive_json_from(timeout=5) == {"type": "pong"}
    await comm.disconnect()


async def test_seen_frames_move_the_customers_read_mark_of_their_own_case_only(
    channel, agent, visitor, other_visitor
):
    conv_id = (await sync_to_async(visitor.send)("hello")).json()["conversation"]["id"]
    other_id = (await sync_to_async(other_visitor.send)("hi")).json()["conversation"]["id"]
    conv = await database_sync_to_async(Conversation.objects.get)(pk=conv_id)
    sent = await database_sync_to_async(conv_services.do_send_agent_message)(
        agent=agent, conversation=conv, content="Answer"
    )
    comm = await visitor_socket(channel, visitor.token)
    await comm.send_json_to({"type": "seen", "conversation_id": other_id, "message_id": 10**9})
    await comm.send_json_to({"type": "seen", "conversation_id": "x", "message_id": None})
    await comm.send_json_to(
        {"type": "seen", "conversation_id": conv_id, "message_id": sent.message.pk}
    )
    await comm.send_json_to({"type": "ping"})  # frames are handled in order
    assert (await until(comm, "pong"))["type"] == "pong"
    read = database_sync_to_async(
        lambda pk: Conversation.objects.values_list("contact_read_message_id", flat=True).get(pk=pk)
    )
    assert await read(conv_id) == sent.message.pk
    assert await read(other_id) == 0
    await comm.disconnect()
