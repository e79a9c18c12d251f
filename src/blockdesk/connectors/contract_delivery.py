"""Deliver: one background delivery per public reply in a `delivers_by_task` channel.

The `connectors.deliveries` consumer of `message.created` (event_consumers.py) writes the
`OutboundDelivery` row in the consumer's transaction (exactly once per message: the row
is unique per message) and queues the task after commit. An attempt first claims the row
with a lease (one send even with several workers or a duplicate task), calls
`channel.send(message)`, and stores the platform's message id and the status. A retryable
failure waits the channel's backoff (or the platform's Retry-After); after
`max_attempts`, or at once for a permanent failure, the delivery is failed with its
reason, and agents can retry it (`do_retry_delivery`). Every change is pushed to the
inbox's agents as a `delivery.updated` frame (`delivery_dict`), so the console shows the
status of any channel without knowing which channel it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Conflict
from blockdesk.common.realtime import inbox_group, publish_on_commit
from blockdesk.common.tasks import enqueue_on_commit
from blockdesk.connectors.contract import DeliveryFailed
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.conversations.channel_registry import channel_label
from blockdesk.conversations.models import Inbox, Message
from blockdesk.conversations.services import check_agent_can_access

logger = logging.getLogger(__name__)

Status = OutboundDelivery.Status
LEASE = dt.timedelta(minutes=5)
SWEEP_GRACE = dt.timedelta(minutes=2)
REPLY_SENDERS = frozenset({"agent", "assistant", "system"})


def delivery_dict(delivery: OutboundDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "message_id": delivery.message_id,
        "status": delivery.status,
        "status_label": str(Status(delivery.status).label),
        "reason": delivery.reason,
        "attempts": delivery.attempts,
        "platform_message_id": delivery.platform_message_id,
        # The one channel it goes out on (linked_channels.py: where the customer last wrote).
        "channel": channel_label(delivery.inbox.channel_kind),
        "channel_kind": delivery.inbox.channel_kind,
        "inbox_name": delivery.inbox.name,
        "can_retry": delivery.status == Status.FAILED,
        "retry_url": reverse("connectors:retry_delivery", args=[delivery.pk]),
    }


def _publish(delivery: OutboundDelivery) -> None:
    # The agents of the conversation's inbox watch it; `delivery.inbox` differs for a
    # conversation continued on a linked channel (linked_channels.py).
    inbox_ids = {delivery.message.conversation.inbox_id, delivery.inbox_id}
    publish_on_commit(
        [inbox_group(pk) for pk in sorted(inbox_ids)],
        {"type": "delivery.updated", "delivery": delivery_dict(delivery)},
    )


def _enqueue(delivery_id: int, *, run_after: dt.datetime | None = None) -> None:
    from blockdesk.connectors.tasks import deliver_outbound

    enqueue_on_commit(deliver_outbound, delivery_id, run_after=run_after)


def do_queue_delivery(*, message: Message, inbox: Inbox) -> OutboundDelivery:
    """Called by the consumer, in its transaction. Idempotent per message. `inbox` is the
    one whose channel sends it: the conversation's own, or a linked channel's
    (linked_channels.delivery_inbox)."""
    delivery, created = OutboundDelivery.objects.get_or_create(
        message=message, defaults={"inbox": inbox, "due_at": timezone.now()}
    )
    if created:
        _publish(delivery)
        _enqueue(delivery.pk)
    return delivery


def _claim(delivery_id: int, now: dt.datetime) -> OutboundDelivery | None:
    claimed = OutboundDelivery.objects.filter(
        pk=delivery_id, status=Status.QUEUED, due_at__lte=now + dt.timedelta(seconds=1)
    ).update(due_at=now + LEASE)
    if not claimed:
        return None
    return OutboundDelivery.objects.select_related("message__conversation", "inbox").get(
        pk=delivery_id
    )


def do_attempt_delivery(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """One attempt (the task body). Returns sent, delivered, retry, failed or skipped."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "skipped"  # done, not due, or another worker holds it
    message = delivery.message
    channel = delivery.inbox.channel  # the sending channel: the conversation's or a linked one
    try:
        result = channel.send(message)
    except DeliveryFailed as exc:
        return _failed(delivery, exc, now)
    except Exception as exc:  # a bug or an unexpected library error: retried, then failed
        logger.exception("delivery %s: unexpected error", delivery.pk)
        return _failed(delivery, DeliveryFailed(type(exc).__name__), now)
    with transaction.atomic():
        delivery.status = Status.DELIVERED if result.delivered else Status.SENT
        delivery.attempts += 1
        delivery.platform_message_id = result.platform_message_id[:255]
        delivery.reason = ""
        delivery.due_at = None
        delivery.save()
        _publish(delivery)
    return str(delivery.status)


def _failed(delivery: OutboundDelivery, exc: DeliveryFailed, now: dt.datetime) -> str:
    channel_cls = type(delivery.inbox.channel)
    attempts = delivery.attempts + 1
    with transaction.atomic():
        delivery.attempts = attempts
        delivery.reason = exc.reason
        if not exc.retryable or attempts >= channel_cls.max_attempts:
            delivery.status = Status.FAILED
            delivery.due_at = None
            outcome = "failed"
        else:
            wait = exc.retry_after
            if wait is None:
                base = channel_cls.backoff[min(attempts, len(channel_cls.backoff)) - 1]
                wait = base + random.uniform(0, base * 0.2)
            delivery.due_at = now + dt.timedelta(seconds=wait)
            outcome = "retry"
            _enqueue(delivery.pk, run_after=delivery.due_at)
        delivery.save()
        _publish(delivery)
    logger.warning("delivery %s %s (attempt %d): %s", delivery.pk, outcome, attempts, exc.reason)
    return outcome


def do_retry_delivery(*, actor: User, delivery: OutboundDelivery) -> OutboundDelivery:
    """An agent's retry button: a failed delivery goes out again, with fresh attempts."""
    check_agent_can_access(user=actor, conversation=delivery.message.conversation)
    with transaction.atomic():
        updated = OutboundDelivery.objects.filter(pk=delivery.pk, status=Status.FAILED).update(
            status=Status.QUEUED, attempts=0, due_at=timezone.now(), reason=""
        )
        if not updated:
            raise Conflict(_("Only a failed delivery can be retried."))
        delivery.refresh_from_db()
        _publish(delivery)
        _enqueue(delivery.pk)
    return delivery


def do_record_platform_report(
    *, account_id: int, platform_message_id: str, delivered: bool, reason: str = ""
) -> bool:
    """The platform reported on a sent message: delivered (a read receipt, a DSN
    "delivered"), or failed after all (a bounce), with the reason agents then see."""
    delivery = (
        OutboundDelivery.objects.select_related("message__conversation")
        .filter(
            inbox__account_id=account_id,
            platform_message_id=platform_message_id,
            status__in=[Status.SENT, Status.DELIVERED],
        )
        .first()
    )
    if delivery is None:
        return False
    with transaction.atomic():
        delivery.status = Status.DELIVERED if delivered else Status.FAILED
        delivery.reason = "" if delivered else reason[:300]
        delivery.save(update_fields=["status", "reason", "updated_at"])
        _publish(delivery)
    return True


def do_send_due_deliveries(*, now: dt.datetime | None = None) -> int:
    """Periodic sweep: deliveries whose task was lost, whose lease ran out (a worker died
    mid-send) or whose backend cannot defer. The claim makes overlaps harmless."""
    from blockdesk.connectors.tasks import deliver_outbound

    now = now or timezone.now()
    cutoff = now - SWEEP_GRACE if deliver_outbound.get_backend().supports_defer else now
    ids = list(
        OutboundDelivery.objects.filter(status=Status.QUEUED, due_at__lte=cutoff).values_list(
            "pk", flat=True
        )[:200]
    )
    for pk in ids:
        do_attempt_delivery(delivery_id=pk, now=now)
    return len(ids)
