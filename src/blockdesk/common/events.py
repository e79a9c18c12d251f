"""Domain events: named facts ("conversation.created") that other apps react to
(webhooks now; analytics and records later). Sent only after the transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

# Receivers get: account_id: int, name: str, payload: dict
domain_event = Signal()

EVENT_NAMES = (
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "message.created",
    "contact.wallet_verified",
    "contact.merged",
)


def emit_on_commit(*, account_id: int, name: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(
        lambda: domain_event.send(sender=None, account_id=account_id, name=name, payload=payload)
    )
