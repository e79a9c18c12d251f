"""Extra message types on the live sockets, registered by the apps that speak them.

The agent socket (`conversations/consumers.py`) and the visitor socket
(`widget/consumers.py`) handle their own frames (auth, ping, typing, seen); a frame whose
type they do not know is offered here. An app registers the types it speaks from its
`AppConfig.ready()` (the calls app: `call.*`), so the consumers carry no feature logic and
a lower layer never imports a higher one. A handler gets who is on the socket
(`SocketPeer`, already authenticated by the consumer) and must authorise every frame
itself. Disconnect hooks let an app clean up what a socket held (a call in progress).

Frames for one socket go through the channel layer as `{"type": "relay", "event": ...}`
(`relay_to`): the consumer sends the event as it is, so the handler that built it decides
what each side may see.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from channels.layers import get_channel_layer
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

Surface = Literal["agent", "visitor"]


@dataclass(frozen=True)
class SocketPeer:
    """Who is on a socket: an agent (user_id, account_id) or a visitor (contact_id and the
    inbox of the widget they connected through). channel_name addresses this socket."""

    surface: Surface
    channel_name: str
    user_id: int | None = None
    account_id: int | None = None
    contact_id: int | None = None
    inbox_id: int | None = None


Send = Callable[[dict[str, Any]], Awaitable[None]]
Handler = Callable[[SocketPeer, dict[str, Any], Send], Awaitable[None]]
DisconnectHook = Callable[[SocketPeer], Awaitable[None]]

_HANDLERS: dict[tuple[str, str], Handler] = {}
_DISCONNECT_HOOKS: dict[str, list[DisconnectHook]] = {"agent": [], "visitor": []}


def register_socket_handler(surface: Surface, kind: str, handler: Handler) -> None:
    existing = _HANDLERS.get((surface, kind))
    if existing is not None and existing is not handler:
        raise ImproperlyConfigured(f"socket frame {kind!r} on {surface} is registered twice")
    _HANDLERS[(surface, kind)] = handler


def register_disconnect_hook(surface: Surface, hook: DisconnectHook) -> None:
    if hook not in _DISCONNECT_HOOKS[surface]:
        _DISCONNECT_HOOKS[surface].append(hook)


async def dispatch(peer: SocketPeer, content: dict[str, Any], send: Send) -> bool:
    """Hands a frame the consumer does not know to its registered handler; False when
    there is none (the consumer ignores the frame, as before)."""
    kind = content.get("type")
    if not isinstance(kind, str):
        return False
    handler = _HANDLERS.get((peer.surface, kind))
    if handler is None:
        return False
    await handler(peer, content, send)
    return True


async def disconnected(peer: SocketPeer) -> None:
    for hook in _DISCONNECT_HOOKS[peer.surface]:
        try:
            await hook(peer)
        except Exception:
            # Broad on purpose: hooks are other apps' code (calls end the ringing call
            # here). The socket is gone either way; one app's cleanup must not stop
            # another's. Logged with its traceback.
            logger.exception("socket disconnect hook %r failed", hook)


async def relay_to(channel_name: str, event: dict[str, Any]) -> None:
    """Sends `event` to one socket, on whichever node holds it."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.send(channel_name, {"type": "relay", "event": event})


async def relay_to_group(group: str, event: dict[str, Any], *, exclude: str = "") -> None:
    """Sends `event` to every socket of a group but `exclude` (a channel name)."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, {"type": "relay", "event": event, "exclude": exclude})
