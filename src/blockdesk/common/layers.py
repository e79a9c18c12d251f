"""The embedded (single-process) channel layer.

Channels' InMemoryChannelLayer scans every channel and group on every send and receive to
expire old entries, which costs O(open sockets) per event (a quarter of the server's CPU
with 1,000 widget sockets, bench/widget_load.py), and it drops events for a full channel
without a word. This subclass expires at most once a second and logs drops; clients
recover a dropped event through their catch-up fetch by message id."""

from __future__ import annotations

import logging
import time
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)


class LocalChannelLayer(InMemoryChannelLayer):
    clean_interval = 1.0

    def __init__(self, **kwargs: Any) -> None:
        # A socket stays in its groups until it disconnects; the upstream default of one
        # day would silently cut off an agent console left open overnight.
        kwargs.setdefault("group_expiry", 10 * 365 * 24 * 3600)
        super().__init__(**kwargs)
        self._last_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < self.clean_interval:
            return
        self._last_clean = now
        super()._clean_expired()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, {})):
            try:
                await self.send(channel, message)
            except ChannelFull:
                logger.warning("channel layer: dropped an event for a full channel (%s)", group)

