"""The embedded (single-process) channel layer.

Channels' InMemoryChannelLayer scans every channel and group on every send and receive to
expire old entries, which costs O(open sockets) per event (a quarter of the server's CPU
with 1,000 widget sockets, bench/widget_load.py), and it drops events for a full channel
without a word. This subclass expires at most once a second, and then looks only at the
channels sent something since (upstream walks every channel and every group: with 10,000
idle widget sockets that walk held the event loop ~36 ms a second, 7 % of the server's
samples, docs/benchmarks/idle-sockets.md); it logs drops, and clients recover a dropped
event through their catch-up fetch by message id. Every receiver still
gets its own copy of a message, made by a copier for the JSON-like payloads we send that
is several times cheaper than upstream's `deepcopy`."""

from __future__ import annotations

import asyncio
import logging
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)

_SHARED = (str, int, float, bool, type(None))  # immutable: safe to share between receivers


def copy_message(value: Any) -> Any:
    """A copy as deep as `deepcopy` for dicts, lists and scalars (what realtime events
    are made of); anything else falls back to `deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {key: copy_message(item) for key, item in value.items()}
    if kind is list:
        return [copy_message(item) for item in value]
    if kind in _SHARED:
        return value
    return deepcopy(value)


# The default group expiry (ten years): memberships last until the socket leaves, so the
# expiry never walks the groups for them.
_NEVER = 10 * 365 * 24 * 3600


class LocalChannelLayer(InMemoryChannelLayer):
    clean_interval = 1.0

    def __init__(self, **kwargs: Any) -> None:
        # A socket stays in its groups until it disconnects; the upstream default of one
        # day would silently cut off an agent console left open overnight.
        kwargs.setdefault("group_expiry", _NEVER)
        super().__init__(**kwargs)
        self._last_clean = 0.0
        # Channels sent a message since the last clean: only these can hold an expired one
        # (a socket's idle receive keeps an empty queue in self.channels).
        self._sent_to: set[str] = set()
        # The server's event loop, which owns every queue. The embedded task worker runs
        # in a thread of the same process with a loop of its own; its events are handed
        # over to this loop instead of touching the queues from the wrong thread.
        self._loop: asyncio.AbstractEventLoop | None = None

    async def group_add(self, group: str, channel: str) -> None:
        self._loop = asyncio.get_running_loop()
        await super().group_add(group, channel)

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < self.clean_interval:
            return
        self._last_clean = now
        if self.group_expiry < _NEVER:  # configured to expire memberships: upstream's walk
            super()._clean_expired()
            return
        pending, self._sent_to = self._sent_to, set()
        for channel in pending:
            queue = self.channels.get(channel)
            if queue is None:
                continue
            # As upstream: an expired message means nobody reads the channel, so it
            # leaves its groups, and goes once it is empty.
            while not queue.empty() and queue._queue[0][0] < time.time():
                queue.get_nowait()
                self._remove_from_groups(channel)
                if queue.empty():
                    self.channels.pop(channel, None)
            if not queue.empty():
                self._sent_to.add(channel)  # not yet expired: looked at again next time

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        owner = self._loop
        if owner is not None and owner.is_running() and owner is not asyncio.get_running_loop():
            handed = asyncio.run_coroutine_threadsafe(self.group_send(group, message), owner)
            await asyncio.wrap_future(handed)
            return
        self._clean_expired()
        for channel in list(self.groups.get(group, {})):
            try:
                await self.send(channel, message)
            except ChannelFull:
                logger.warning("channel layer: dropped an event for a full channel (%s)", group)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        # Upstream's send, with copy_message instead of deepcopy.
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait((time.time() + self.expiry, copy_message(message)))
        except asyncio.QueueFull as exc:
            raise ChannelFull(channel) from exc
        self._sent_to.add(channel)
