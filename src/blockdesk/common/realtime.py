"""Real-time fan-out. Events go out only after the transaction commits, so a client
never hears about a row it cannot read yet (and never about one that rolled back)."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def inbox_group(inbox_id: int) -> str:
    return f"inbox.{inbox_id}"


def contact_group(contact_id: int) -> str:
    return f"contact.{contact_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def _send(groups: list[str], event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "broadcast", "event": event}
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            # The write has committed; a failed push is recovered by the clients'
            # catch-up fetch, so log it and go on rather than fail the request.
            logger.exception("realtime push to %s failed", group)


def publish_on_commit(groups: list[str], event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(groups, event))
