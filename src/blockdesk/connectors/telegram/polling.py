"""Long polling (getUpdates) for installs without a public URL: `manage.py telegram poll`
holds a long poll per bot; without that worker, the periodic job asks each polling bot
once per pass without waiting. The offset only moves past an update once it is handled,
so a crash re-reads it and the update_id record makes that a no-op."""

from __future__ import annotations

import logging
import time

from django.db import close_old_connections

from blockdesk.common.errors import BlockdeskError
from blockdesk.connectors.telegram import api
from blockdesk.connectors.telegram.inbound import handle_update, mark_polled
from blockdesk.connectors.telegram.models import TelegramChannel

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message"]
BATCH = 100


def poll_once(channel: TelegramChannel, *, wait: int = 0) -> int:
    """One getUpdates call (waiting up to `wait` seconds for the first update); returns
    how many updates were handled. Raises ApiFailure when Telegram cannot be reached."""

    async def fetch(bot: api.Bot) -> list[dict[str, object]]:
        updates = await bot.get_updates(
            offset=channel.last_update_id + 1 if channel.last_update_id else None,
            limit=BATCH,
            timeout=wait,
            allowed_updates=ALLOWED_UPDATES,
        )
        # The raw dicts: the same path as the webhook's JSON.
        return [u.to_dict() for u in updates]

    try:
        payloads = api.call(channel.bot_token, fetch, read_timeout=wait + 10.0)
    except api.ApiFailure as exc:
        mark_polled(channel, last_update_id=channel.last_update_id, error=exc.reason)
        raise
    handled = 0
    for payload in payloads:
        update_id = int(payload["update_id"])  # type: ignore[call-overload]
        try:
            handle_update(channel=channel, payload=payload)
        except BlockdeskError as exc:
            logger.warning("telegram update %s refused: %s", update_id, exc.message)
        channel.last_update_id = max(channel.last_update_id, update_id)
        mark_polled(channel, last_update_id=update_id)
        handled += 1
    if not payloads:
        mark_polled(channel, last_update_id=channel.last_update_id)
    return handled


def polling_channels() -> list[TelegramChannel]:
    return list(
        TelegramChannel.objects.filter(mode=TelegramChannel.Mode.POLLING)
        .exclude(bot_id=0)
        .select_related("inbox")
    )


def poll_due_bots() -> int:
    """The periodic fallback: every polling bot once, without waiting."""
    total = 0
    for channel in polling_channels():
        try:
            total += poll_once(channel, wait=0)
        except api.ApiFailure as exc:
            logger.warning("telegram poll of inbox %s failed: %s", channel.inbox_id, exc.reason)
    return total


def watch(*, inbox_id: int | None = None, wait: int = 25, rounds: int | None = None) -> None:
    """The `telegram poll` worker: long polls in turn until stopped (`rounds` for tests)."""
    done = 0
    while rounds is None or done < rounds:
        close_old_connections()
        channels = [c for c in polling_channels() if inbox_id in (None, c.inbox_id)]
        # With several bots, each waits a share so none is starved.
        share = max(1, wait // max(1, len(channels)))
        for channel in channels:
            try:
                poll_once(channel, wait=share)
            except api.ApiFailure as exc:
                logger.warning("telegram poll of inbox %s: %s", channel.inbox_id, exc.reason)
        if not channels:
            time.sleep(min(wait, 5))  # nothing to poll yet
        done += 1
