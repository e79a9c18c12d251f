"""The call.* frames of the agent and visitor sockets (registered in
common/socket_handlers.py from CallsConfig.ready()).

Client → server: call.presence (agent heartbeat), call.availability, call.ring,
call.accept, call.decline, call.hangup, call.recording_withdraw (the customer), and
call.offer / call.answer / call.ice, which are checked for shape and size and passed to
the other party's socket — never stored or logged. Server → client: call.availability,
call.ringing (to the caller, with its ICE servers), call.ring (to the callee's sockets),
call.accepted, call.taken (to the callee's other tabs), call.offer / call.answer /
call.ice, call.recording_withdrawn, call.ended, call.error."""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async

from blockdesk.calls import ice, presence, recordings, services
from blockdesk.calls.models import Call
from blockdesk.common.errors import BlockdeskError
from blockdesk.common.realtime import contact_group, user_group
from blockdesk.common.socket_handlers import (
    Handler,
    Send,
    SocketPeer,
    Surface,
    register_disconnect_hook,
    register_socket_handler,
    relay_to,
    relay_to_group,
)

# An SDP offer with audio and video is 3-8 kB; a candidate line about 100-200 bytes.
MAX_SDP_CHARS = 20_000
MAX_CANDIDATE_CHARS = 1_000
MAX_MID_CHARS = 64
# Signalling frames per socket: a burst covers one call setup (offer, answer and a few
# dozen candidates); then a steady trickle. More is dropped with an error frame.
BUCKET_SIZE = 120
BUCKET_RATE = 10.0  # frames per second

_buckets: dict[str, tuple[float, float]] = {}

# Sockets of this process that rang or answered: a call row names a socket only through
# `do_ring` or `do_accept`, which run here for the socket that sent the frame. Any other
# socket closes without a database query; with 10,000 widget sockets open, a query per
# close kept the server's database thread busy for minutes after a mass disconnect.
_call_sockets: set[str] = set()


def _allow(channel_name: str, now: float | None = None) -> bool:
    now = time.monotonic() if now is None else now
    tokens, at = _buckets.get(channel_name, (float(BUCKET_SIZE), now))
    tokens = min(float(BUCKET_SIZE), tokens + (now - at) * BUCKET_RATE)
    if tokens < 1:
        _buckets[channel_name] = (tokens, now)
        return False
    _buckets[channel_name] = (tokens - 1, now)
    return True


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


async def _error(send: Send, code: str, call_id: int | None = None) -> None:
    await send({"type": "call.error", "code": code, "call_id": call_id})


def _ended_event(call: Call) -> dict[str, Any]:
    return {
        "type": "call.ended",
        "call_id": call.pk,
        "conversation_id": call.conversation_id,
        "outcome": call.outcome,
        "duration": call.duration_seconds,
    }


async def _tell_parties(call: Call, event: dict[str, Any], *, exclude: str = "") -> None:
    """Both sides: the recorded sockets, and while it rang every tab of the callee."""
    if call.customer_channel:
        if call.customer_channel != exclude:
            await relay_to(call.customer_channel, event)
    else:
        await relay_to_group(contact_group(call.contact_id), event, exclude=exclude)
    if call.agent_channel:
        if call.agent_channel != exclude:
            await relay_to(call.agent_channel, event)
    elif call.agent_id is not None:
        await relay_to_group(user_group(call.agent_id), event, exclude=exclude)


# --- handlers -------------------------------------------------------------------------


async def on_presence(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    if peer.user_id is not None:
        await database_sync_to_async(presence.mark_online)(
            user_id=peer.user_id, channel_name=peer.channel_name
        )


async def on_availability(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    conversation_id = _int(content.get("conversation_id"))
    if conversation_id is None:
        return
    try:
        found = await database_sync_to_async(services.availability)(
            peer=peer, conversation_id=conversation_id
        )
    except BlockdeskError:
        found = services.Availability(available=False, recording=False)
    await send(
        {
            "type": "call.availability",
            "conversation_id": conversation_id,
            "available": found.available,
            "recording": found.recording,
        }
    )


async def on_ring(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    conversation_id = _int(content.get("conversation_id"))
    if conversation_id is None:
        return await _error(send, "invalid")
    video = content.get("video") is True
    _call_sockets.add(peer.channel_name)
    try:
        call = await database_sync_to_async(services.do_ring)(
            peer=peer,
            conversation_id=conversation_id,
            video=video,
            consent=content.get("record_consent") is True,
        )
        conv_info = await database_sync_to_async(_ring_info)(call)
    except BlockdeskError as exc:
        return await _error(send, exc.code)
    servers = await database_sync_to_async(ice.ice_servers)(label=f"call-{call.pk}")
    await send(
        {
            "type": "call.ringing",
            "call_id": call.pk,
            "conversation_id": conversation_id,
            "video": video,
            "ice_servers": servers,
        }
    )
    ring = {
        "type": "call.ring",
        "call_id": call.pk,
        "conversation_id": conversation_id,
        "video": video,
        "recording": call.recording_allowed,
        "ice_servers": servers,
    }
    if peer.surface == "visitor":
        assert call.agent_id is not None
        ring.update(conv_info)
        await relay_to_group(user_group(call.agent_id), ring)
    else:
        ring["agent_name"] = conv_info["agent_name"]
        await relay_to_group(contact_group(call.contact_id), ring)


def _ring_info(call: Call) -> dict[str, Any]:
    conv = call.conversation
    return {
        "display_id": conv.display_id,
        "contact_name": conv.contact.display_name,
        "agent_name": call.agent.public_name if call.agent else "",
        "recording_consent": call.recording_consent_at is not None,
    }


async def on_accept(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    call_id = _int(content.get("call_id"))
    if call_id is None:
        return await _error(send, "invalid")
    _call_sockets.add(peer.channel_name)
    try:
        call = await database_sync_to_async(services.do_accept)(
            peer=peer, call_id=call_id, consent=content.get("record_consent") is True
        )
    except BlockdeskError as exc:
        return await _error(send, exc.code, call_id)
    accepted = {
        "type": "call.accepted",
        "call_id": call.pk,
        "conversation_id": call.conversation_id,
        "recording_consent": call.recording_consent_at is not None,
    }
    await send(accepted)
    caller = call.agent_channel if peer.surface == "visitor" else call.customer_channel
    await relay_to(caller, accepted)
    # The callee's other tabs stop ringing.
    group = (
        contact_group(call.contact_id)
        if peer.surface == "visitor"
        else (user_group(peer.user_id or 0))
    )
    await relay_to_group(
        group, {"type": "call.taken", "call_id": call.pk}, exclude=peer.channel_name
    )


async def _finish(peer: SocketPeer, content: dict[str, Any], send: Send, *, decline: bool) -> None:
    call_id = _int(content.get("call_id"))
    if call_id is None:
        return await _error(send, "invalid")
    action = services.do_decline if decline else services.do_hang_up
    try:
        call = await database_sync_to_async(action)(peer=peer, call_id=call_id)
    except BlockdeskError as exc:
        return await _error(send, exc.code, call_id)
    event = _ended_event(call)
    await send(event)
    await _tell_parties(call, event, exclude=peer.channel_name)
    if decline:  # the callee's other tabs stop ringing too
        group = (
            contact_group(call.contact_id)
            if peer.surface == "visitor"
            else (user_group(peer.user_id or 0))
        )
        await relay_to_group(group, event, exclude=peer.channel_name)


async def on_decline(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    await _finish(peer, content, send, decline=True)


async def on_hangup(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    await _finish(peer, content, send, decline=False)


def _clean_signal(content: dict[str, Any]) -> dict[str, Any] | None:
    """Only the fields WebRTC needs, of the right type and size; None if anything is off."""
    kind = content.get("type")
    if kind in ("call.offer", "call.answer"):
        sdp = content.get("sdp")
        if not isinstance(sdp, str) or not sdp or len(sdp) > MAX_SDP_CHARS:
            return None
        return {"sdp": sdp}
    candidate = content.get("candidate")
    if not isinstance(candidate, dict):
        return None
    line = candidate.get("candidate")
    mid = candidate.get("sdpMid")
    index = candidate.get("sdpMLineIndex")
    if not isinstance(line, str) or len(line) > MAX_CANDIDATE_CHARS:
        return None
    if mid is not None and (not isinstance(mid, str) or len(mid) > MAX_MID_CHARS):
        return None
    if index is not None and (
        isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 64
    ):
        return None
    return {"candidate": {"candidate": line, "sdpMid": mid, "sdpMLineIndex": index}}


async def on_signal(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    call_id = _int(content.get("call_id"))
    if call_id is None:
        return await _error(send, "invalid")
    if not _allow(peer.channel_name):
        return await _error(send, "rate_limited", call_id)
    fields = _clean_signal(content)
    if fields is None:
        return await _error(send, "invalid", call_id)
    try:
        target = await database_sync_to_async(services.counterpart_channel)(
            peer=peer, call_id=call_id
        )
    except BlockdeskError as exc:
        return await _error(send, exc.code, call_id)
    await relay_to(target, {"type": content["type"], "call_id": call_id, **fields})


async def on_withdraw_consent(peer: SocketPeer, content: dict[str, Any], send: Send) -> None:
    """The customer takes back their consent: the agent's console stops and discards its
    recording (the server refuses any upload for this call from now on)."""
    call_id = _int(content.get("call_id"))
    if call_id is None:
        return await _error(send, "invalid")
    try:
        call = await database_sync_to_async(recordings.do_withdraw_consent)(
            peer=peer, call_id=call_id
        )
    except BlockdeskError as exc:
        return await _error(send, exc.code, call_id)
    event = {"type": "call.recording_withdrawn", "call_id": call.pk}
    await send(event)
    await _tell_parties(call, event, exclude=peer.channel_name)


async def on_disconnect(peer: SocketPeer) -> None:
    _buckets.pop(peer.channel_name, None)
    if peer.surface == "agent" and peer.user_id is not None:
        await database_sync_to_async(presence.mark_offline)(
            user_id=peer.user_id, channel_name=peer.channel_name
        )
    if peer.channel_name not in _call_sockets:
        return  # never a party to a call (see _call_sockets)
    _call_sockets.discard(peer.channel_name)
    ended = await database_sync_to_async(services.do_end_calls_of_socket)(
        channel_name=peer.channel_name
    )
    for call in ended:
        await _tell_parties(call, _ended_event(call), exclude=peer.channel_name)


def register() -> None:
    from blockdesk.common.periodic import register_periodic_job

    both: tuple[Surface, ...] = ("agent", "visitor")
    handlers: dict[str, Handler] = {
        "call.availability": on_availability,
        "call.ring": on_ring,
        "call.accept": on_accept,
        "call.decline": on_decline,
        "call.hangup": on_hangup,
        "call.offer": on_signal,
        "call.answer": on_signal,
        "call.ice": on_signal,
    }
    for surface in both:
        for kind, handler in handlers.items():
            register_socket_handler(surface, kind, handler)
        register_disconnect_hook(surface, on_disconnect)
    register_socket_handler("agent", "call.presence", on_presence)
    register_socket_handler("visitor", "call.recording_withdraw", on_withdraw_consent)
    register_periodic_job(services.do_end_stale_calls)
    register_periodic_job(recordings.do_purge_expired_recordings)
