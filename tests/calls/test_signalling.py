"""Call signalling over the real sockets: who may ring, answer and signal into a
conversation (its customer and its assignee only), what passes through (only WebRTC's
fields, size-limited), and that nothing of the signalling is stored."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from blockdesk.asgi import application
from blockdesk.calls import signalling
from blockdesk.calls.models import Call
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import ConversationEvent
from blockdesk.events.models import Event
from tests.calls.conftest import session_cookie
from tests.support.ws import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


async def visitor_socket(channel, token: str) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(application, f"/ws/widget/{channel.public_token}/", [ORIGIN])
    connected, _ = await comm.connect()
    assert connected
    await comm.send_json_to({"type": "auth", "token": token})
    assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
    return comm


async def agent_socket(user, *, online: bool = True) -> WebsocketCommunicator:
    cookie = await database_sync_to_async(session_cookie)(user)
    comm = WebsocketCommunicator(application, "/ws/agent/", [ORIGIN, (b"cookie", cookie.encode())])
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
    if online:
        await comm.send_json_to({"type": "call.presence"})
        await asked(comm, {"type": "ping"}, "pong")  # the presence frame was handled
    return comm


async def until(comm: WebsocketCommunicator, kind: str, limit: int = 20) -> dict[str, Any]:
    for _ in range(limit):
        frame = await comm.receive_json_from(timeout=5)
        if frame.get("type") == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


async def asked(comm: WebsocketCommunicator, frame: dict[str, Any], kind: str) -> dict[str, Any]:
    await comm.send_json_to(frame)
    return await until(comm, kind)


async def calls_frames(comm: WebsocketCommunicator) -> list[dict[str, Any]]:
    """The call.* frames that arrive within a short wait (others are skipped)."""
    frames = []
    while not await comm.receive_nothing(timeout=0.3):
        frame = await comm.receive_json_from()
        if str(frame.get("type", "")).startswith("call."):
            frames.append(frame)
    return frames


async def ring_and_accept(customer, agent_ws, conv_id: int) -> int:
    ringing = await asked(
        customer, {"type": "call.ring", "conversation_id": conv_id, "video": True}, "call.ringing"
    )
    ring = await until(agent_ws, "call.ring")
    assert ring["call_id"] == ringing["call_id"] and ring["video"] is True
    await agent_ws.send_json_to({"type": "call.accept", "call_id": ring["call_id"]})
    assert (await until(agent_ws, "call.accepted"))["call_id"] == ring["call_id"]
    assert (await until(customer, "call.accepted"))["call_id"] == ring["call_id"]
    return int(ring["call_id"])


async def test_customer_calls_the_assigned_agent_end_to_end(channel, agent, visitor, conversation):
    agent_ws = await agent_socket(agent)
    customer = await visitor_socket(channel, visitor.token)
    offer_frame = {"type": "call.availability", "conversation_id": conversation.pk}
    available = await asked(customer, offer_frame, "call.availability")
    assert available["available"] is True and available["recording"] is False

    call_id = await ring_and_accept(customer, agent_ws, conversation.pk)
    await customer.send_json_to(
        {"type": "call.offer", "call_id": call_id, "sdp": SDP, "extra": "dropped"}
    )
    offer = await until(agent_ws, "call.offer")
    assert offer == {"type": "call.offer", "call_id": call_id, "sdp": SDP}
    await agent_ws.send_json_to({"type": "call.answer", "call_id": call_id, "sdp": SDP + "a=x\r\n"})
    assert (await until(customer, "call.answer"))["sdp"] == SDP + "a=x\r\n"
    await customer.send_json_to({"type": "call.ice", "call_id": call_id, "candidate": CANDIDATE})
    assert (await until(agent_ws, "call.ice"))["candidate"] == CANDIDATE
    await agent_ws.send_json_to({"type": "call.ice", "call_id": call_id, "candidate": CANDIDATE})
    assert (await until(customer, "call.ice"))["candidate"] == CANDIDATE

    await customer.send_json_to({"type": "call.hangup", "call_id": call_id})
    ended = await until(agent_ws, "call.ended")
    assert ended["outcome"] == "completed" and ended["call_id"] == call_id
    assert (await until(customer, "call.ended"))["outcome"] == "completed"

    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert call.status == "ended" and call.started_by == "customer" and call.video
    kinds = await database_sync_to_async(
        lambda: list(
            ConversationEvent.objects.filter(conversation=conversation)
            .filter(kind__startswith="call_")
            .values_list("kind", flat=True)
        )
    )()
    assert kinds == ["call_started", "call_ended"]
    names = await database_sync_to_async(
        lambda: list(Event.objects.filter(name__startswith="call.").values_list("name", flat=True))
    )()
    assert sorted(names) == ["call.ended", "call.started"]
    # Signalling is never stored: no SDP or candidate in any row written for the call.
    stored = await database_sync_to_async(
        lambda: (
            str(list(Call.objects.values()))
            + str(list(ConversationEvent.objects.values("data")))
            + str(list(Event.objects.values("payload")))
        )
    )()
    assert "v=0" not in stored and "typ host" not in stored
    await customer.disconnect()
    await agent_ws.disconnect()


async def test_a_strangers_socket_cannot_signal_into_a_conversation(
    channel, agent, visitor, other_visitor, conversation
):
    agent_ws = await agent_socket(agent)
    customer = await visitor_socket(channel, visitor.token)
    stranger = await visitor_socket(channel, other_visitor.token)

    # Not their conversation: no button, no ring.
    frame = {"type": "call.availability", "conversation_id": conversation.pk}
    assert (await asked(stranger, frame, "call.availability"))["available"] is False
    ring = {"type": "call.ring", "conversation_id": conversation.pk}
    assert (await asked(stranger, ring, "call.error"))["code"] == "not_found"
    assert await calls_frames(agent_ws) == []

    # Nor can they join, answer or inject into a call between the two parties.
    call_id = await ring_and_accept(customer, agent_ws, conversation.pk)
    for hostile in (
        {"type": "call.offer", "call_id": call_id, "sdp": SDP},
        {"type": "call.ice", "call_id": call_id, "candidate": CANDIDATE},
        {"type": "call.accept", "call_id": call_id},
        {"type": "call.hangup", "call_id": call_id},
        {"type": "call.decline", "call_id": call_id},
    ):
        assert (await asked(stranger, hostile, "call.error"))["code"] == "not_found"
    assert await calls_frames(agent_ws) == []
    assert await calls_frames(customer) == []
    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert call.status == "active"
    for comm in (customer, stranger, agent_ws):
        await comm.disconnect()


async def test_an_unassigned_agent_cannot_call_or_signal(
    channel, agent, colleague, visitor, conversation
):
    assignee_ws = await agent_socket(agent)
    other_ws = await agent_socket(colleague)
    customer = await visitor_socket(channel, visitor.token)

    frame = {"type": "call.availability", "conversation_id": conversation.pk}
    assert (await asked(other_ws, frame, "call.availability"))["available"] is False
    assert (await asked(assignee_ws, frame, "call.availability"))["available"] is True
    ring = {"type": "call.ring", "conversation_id": conversation.pk}
    assert (await asked(other_ws, ring, "call.error"))["code"] == "not_found"
    assert await calls_frames(customer) == []

    # The customer's ring reaches the assignee only, and only the assignee can answer.
    ringing = await asked(customer, ring, "call.ringing")
    await until(assignee_ws, "call.ring")
    assert await calls_frames(other_ws) == []
    accept = {"type": "call.accept", "call_id": ringing["call_id"]}
    assert (await asked(other_ws, accept, "call.error"))["code"] == "not_found"
    await assignee_ws.send_json_to(accept)
    await until(customer, "call.accepted")
    offer = {"type": "call.offer", "call_id": ringing["call_id"], "sdp": SDP}
    assert (await asked(other_ws, offer, "call.error"))["code"] == "not_found"
    assert await calls_frames(customer) == []
    for comm in (customer, other_ws, assignee_ws):
        await comm.disconnect()


async def test_no_call_when_the_assignee_is_offline_or_the_case_unassigned(
    channel, agent, visitor, conversation
):
    agent_ws = await agent_socket(agent, online=False)
    customer = await visitor_socket(channel, visitor.token)
    frame = {"type": "call.availability", "conversation_id": conversation.pk}
    assert (await asked(customer, frame, "call.availability"))["available"] is False
    ring = {"type": "call.ring", "conversation_id": conversation.pk}
    assert (await asked(customer, ring, "call.error"))["code"] == "conflict"

    await agent_ws.send_json_to({"type": "call.presence"})
    await asked(agent_ws, {"type": "ping"}, "pong")  # handled in order: presence first
    assert (await asked(customer, frame, "call.availability"))["available"] is True
    await database_sync_to_async(conv_services.do_assign)(
        actor=agent, conversation=conversation, assignee=None
    )
    assert (await asked(customer, frame, "call.availability"))["available"] is False
    # The agent's console closes: offline again.
    await database_sync_to_async(conv_services.do_assign)(
        actor=agent, conversation=conversation, assignee=agent
    )
    await agent_ws.disconnect()
    assert (await asked(customer, frame, "call.availability"))["available"] is False
    await customer.disconnect()


async def test_signalling_frames_are_shape_and_size_checked(channel, agent, visitor, conversation):
    agent_ws = await agent_socket(agent)
    customer = await visitor_socket(channel, visitor.token)
    call_id = await ring_and_accept(customer, agent_ws, conversation.pk)
    too_big = "a" * (signalling.MAX_SDP_CHARS + 1)
    for bad in (
        {"type": "call.offer", "call_id": call_id, "sdp": too_big},
        {"type": "call.offer", "call_id": call_id, "sdp": {"nested": 1}},
        {"type": "call.ice", "call_id": call_id, "candidate": "x" * 10},
        {"type": "call.ice", "call_id": call_id, "candidate": {**CANDIDATE, "sdpMLineIndex": 99}},
        {
            "type": "call.ice",
            "call_id": call_id,
            "candidate": {**CANDIDATE, "candidate": "c" * (signalling.MAX_CANDIDATE_CHARS + 1)},
        },
        {"type": "call.offer", "call_id": "1; drop", "sdp": SDP},
        {"type": "call.offer", "call_id": True, "sdp": SDP},
    ):
        assert (await asked(customer, bad, "call.error"))["code"] == "invalid"
    assert await calls_frames(agent_ws) == []
    await customer.disconnect()
    await agent_ws.disconnect()


async def test_a_closed_socket_ends_the_call_and_tells_the_other_side(
    channel, agent, visitor, conversation
):
    agent_ws = await agent_socket(agent)
    customer = await visitor_socket(channel, visitor.token)
    call_id = await ring_and_accept(customer, agent_ws, conversation.pk)
    await customer.disconnect()
    ended = await until(agent_ws, "call.ended")
    assert ended["call_id"] == call_id and ended["outcome"] == "completed"
    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert call.status == "ended"
    await agent_ws.disconnect()


async def test_agent_calls_and_the_customer_declines(channel, agent, visitor, conversation):
    agent_ws = await agent_socket(agent)
    customer = await visitor_socket(channel, visitor.token)
    ring = {"type": "call.ring", "conversation_id": conversation.pk, "video": False}
    ringing = await asked(agent_ws, ring, "call.ringing")
    incoming = await until(customer, "call.ring")
    assert incoming["agent_name"] == agent.public_name and incoming["video"] is False
    # A second ring while one is live is refused.
    assert (await asked(customer, ring, "call.error"))["code"] == "conflict"
    await customer.send_json_to({"type": "call.decline", "call_id": ringing["call_id"]})
    ended = await until(agent_ws, "call.ended")
    assert ended["outcome"] == "declined" and ended["duration"] == 0
    await customer.disconnect()
    await agent_ws.disconnect()


async def test_a_socket_that_never_rang_or_answered_closes_without_a_query(
    channel, agent, visitor, conversation, monkeypatch
):
    """10,000 widget sockets closing at once must not each query the calls table: only a
    socket that rang or answered can be a party to a call."""
    looked_up: list[str] = []
    real = signalling.services.do_end_calls_of_socket

    def spy(*, channel_name: str):
        looked_up.append(channel_name)
        return real(channel_name=channel_name)

    monkeypatch.setattr(signalling.services, "do_end_calls_of_socket", spy)
    bystander = await visitor_socket(channel, visitor.token)
    await bystander.send_json_to({"type": "ping"})
    assert (await bystander.receive_json_from(timeout=5))["type"] == "pong"
    await bystander.disconnect()
    agent_ws = await agent_socket(agent)
    customer = await visitor_socket(channel, visitor.token)
    call_id = await ring_and_accept(customer, agent_ws, conversation.pk)
    assert looked_up == []
    # The agent's side hangs up by closing: its socket answered, so its calls end.
    await agent_ws.disconnect()
    ended = await until(customer, "call.ended")
    assert ended["call_id"] == call_id
    assert len(looked_up) == 1
    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert call.status == "ended"
    await customer.disconnect()
    assert len(looked_up) == 2  # the customer rang: looked up too (nothing left to end)
