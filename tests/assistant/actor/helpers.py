"""Helpers for the assistant-as-actor tests: the real widget socket and buttons."""

from __future__ import annotations

from typing import Any

from blockdesk.asgi import application
from blockdesk.connectors.models import WebWidgetChannel
from tests.support.ws import WebsocketCommunicator
from tests.widget.conftest import Visitor

ORIGIN = (b"origin", b"http://testserver")


async def visitor_socket(channel: WebWidgetChannel, token: str) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(application, f"/ws/widget/{channel.public_token}/", [ORIGIN])
    connected, _ = await comm.connect()
    assert connected
    await comm.send_json_to({"type": "auth", "token": token})
    assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
    return comm


async def next_assistant_message(comm: WebsocketCommunicator, limit: int = 30) -> dict[str, Any]:
    """Reads frames until an assistant message arrives; returns the message."""
    for _ in range(limit):
        frame = await comm.receive_json_from(timeout=10)
        if frame.get("type") == "message.created":
            message = frame["message"]
            if message.get("sender_type") == "assistant":
                return message
    raise AssertionError("no assistant message")


async def drain(comm: WebsocketCommunicator) -> list[dict[str, Any]]:
    frames = []
    while not await comm.receive_nothing(timeout=0.3):
        frames.append(await comm.receive_json_from())
    return frames


def quick_reply(visitor: Visitor, message_id: int, choice: str) -> Any:
    return visitor.client.post(
        f"/assistant/widget/{visitor.channel.public_token}/quick-reply",
        {"message_id": message_id, "choice": choice},
        content_type="application/json",
        headers={"Authorization": f"Bearer {visitor.token}"},
    )
