"""Writes for webhooks: configuration by admins, fan-out of event-log events into
deliveries (the `webhooks.fan_out` consumer, event_consumers.py), and the delivery
attempts themselves (run by the `webhooks` task queue).

Delivery is at-least-once: a delivery row is written before anything is sent, every
attempt is recorded, failures are retried with exponential backoff and jitter, and a
periodic sweep re-enqueues anything whose task went missing. Receivers de-duplicate
on X-Blockdesk-Delivery."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.common.tasks import enqueue_on_commit
from blockdesk.events.models import Event
from blockdesk.events.registry import Actor, Subject, event_types
from blockdesk.events.services import emit, envelope
from blockdesk.webhooks.models import Webhook, WebhookDelivery, new_webhook_secret
from blockdesk.webhooks.signing import sign
from blockdesk.webhooks.targets import (
    UnresolvableHost,
    UnsafeTarget,
    check_url_syntax,
    resolve_target,
)

logger = logging.getLogger(__name__)
ERASURE = "contact.erased"

Status = WebhookDelivery.Status
PING_EVENT = "webhook.ping"
# Backoff: 60 s, 2 min, 4 min … capped at 6 h, each plus up to 25 % jitter so that a
# receiver coming back is not hit by every queued delivery in the same second.
RETRY_BASE_SECONDS = 60.0
RETRY_MAX_SECONDS = 6 * 3600.0
# A task that has not run this long after its delivery fell due is presumed lost.
SWEEP_GRACE = dt.timedelta(minutes=5)
ERROR_MAX_LENGTH = 300
USER_AGENT = "Blockdesk-Webhooks/1"


# --- configuration ----------------------------------------------------------------


def webhook_event_names() -> list[str]:
    """What a webhook can subscribe to: every public event type of the registry."""
    return [t.name for t in event_types() if t.public]


def check_webhook(*, url: str, events: Sequence[str]) -> tuple[str, list[str]]:
    url = url.strip()
    try:
        check_url_syntax(url)
        resolve_target(url)
    except UnsafeTarget as exc:
        raise ValidationFailed.field("url", str(exc)) from exc
    known = set(webhook_event_names())
    unknown = [e for e in events if e not in known]
    if unknown:
        raise ValidationFailed.field(
            "events", _("Unknown events: %(e)s") % {"e": ", ".join(unknown)}
        )
    if not events:
        raise ValidationFailed.field("events", _("Choose at least one event."))
    return url, sorted(set(events))


def _clean_and_save(webhook: Webhook) -> None:
    try:
        webhook.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    webhook.save()


def do_create_webhook(
    *, actor: User, url: str, events: Sequence[str], active: bool = True
) -> Webhook:
    check_admin(actor=actor)
    url, events = check_webhook(url=url, events=events)
    webhook = Webhook(
        account_id=actor.account_pk, url=url, events=events, active=active, created_by=actor
    )
    with transaction.atomic():
        _clean_and_save(webhook)
        emit(
            account_id=webhook.account_id,
            name="webhook.created",
            payload={
                "webhook_id": webhook.pk,
                "host": urlsplit(url).hostname or "",
                "events": list(webhook.events),
                "active": webhook.active,
            },
            actor=Actor.agent(actor.pk),
            subject=Subject("webhook", webhook.pk),
        )
    return webhook


def _own(actor: User, webhook: Webhook) -> None:
    check_admin(actor=actor)
    if webhook.account_id != actor.account_pk:
        raise NotFound()


def do_update_webhook(
    *, actor: User, webhook: Webhook, url: str, events: Sequence[str], active: bool
) -> Webhook:
    _own(actor, webhook)
    webhook.url, webhook.events = check_webhook(url=url, events=events)
    webhook.active = active
    _clean_and_save(webhook)
    return webhook


def do_set_webhook_active(*, actor: User, webhook: Webhook, active: bool) -> Webhook:
    _own(actor, webhook)
    webhook.active = active
    webhook.save(update_fields=["active"])
    return webhook


def do_rotate_webhook_secret(*, actor: User, webhook: Webhook) -> Webhook:
    _own(actor, webhook)
    webhook.secret = new_webhook_secret()
    webhook.save(update_fields=["secret"])
    return webhook


def do_delete_webhook(*, actor: User, webhook: Webhook) -> None:
    _own(actor, webhook)
    webhook.delete()


# --- fan-out ----------------------------------------------------------------------


def _enqueue(delivery_id: int, *, run_after: dt.datetime | None = None) -> None:
    from blockdesk.webhooks.tasks import deliver_webhook

    enqueue_on_commit(deliver_webhook, delivery_id, run_after=run_after)


def _ping_body(webhook: Webhook, *, actor: User) -> dict[str, Any]:
    """A ping looks like any event (same envelope), so receivers can test their parser."""
    return {
        "id": 0,
        "name": PING_EVENT,
        "version": 1,
        "occurred_at": timezone.now().isoformat(),
        "account_id": webhook.account_id,
        "actor": {"kind": "agent", "id": actor.pk},
        "subject": {"type": "webhook", "id": webhook.pk},
        "data": {"webhook_id": webhook.pk, "message": "Hello from Blockdesk."},
    }


# --- which events an account subscribes to (cached) ------------------------------------
# Every domain event (several per customer message) asks this; most accounts have no
# webhook at all. The answer is cached per account and dropped whenever a webhook is
# saved or deleted (the services below, the admin, the ORM: post_save / post_delete).
# Changes that bypass model signals (queryset.update, another process on the embedded
# local-memory cache) are picked up within SUBSCRIPTIONS_TTL. A stale "subscribed" only
# costs a query; the TTL bounds a stale "not subscribed".
SUBSCRIPTIONS_TTL = 60


def _subscriptions_key(account_id: int) -> str:
    return f"webhooks:subscribed-events:{account_id}"


def subscribed_events(*, account_id: int) -> frozenset[str]:
    """Event names at least one active webhook of the account subscribes to."""
    key = _subscriptions_key(account_id)
    cached = cache.get(key)
    if cached is not None:
        return frozenset(cached)
    events: set[str] = set()
    rows = Webhook.objects.filter(account_id=account_id, active=True).values_list(
        "events", flat=True
    )
    for names in rows:
        events.update(str(n) for n in names or ())
    cache.set(key, sorted(events), SUBSCRIPTIONS_TTL)
    return frozenset(events)


def forget_subscriptions(*, account_id: int) -> None:
    """Drop the cached answer now and again after the transaction commits (a request
    reading in between could otherwise cache the state from before the commit)."""
    key = _subscriptions_key(account_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _on_webhook_changed(sender: type[Webhook], instance: Webhook, **kwargs: Any) -> None:
    forget_subscriptions(account_id=instance.account_id)


post_save.connect(_on_webhook_changed, sender=Webhook, dispatch_uid="webhooks.subscriptions.save")
post_delete.connect(
    _on_webhook_changed, sender=Webhook, dispatch_uid="webhooks.subscriptions.delete"
)


def on_event(event: Event) -> None:
    """The `webhooks.fan_out` consumer (transactional): one delivery per active webhook
    of the account subscribed to the event, created with the consumer's cursor move, so
    exactly once; the unique (webhook, event_id) makes a double impossible whatever runs.
    The tasks are enqueued when the dispatcher commits."""
    if event.name == ERASURE:
        do_redact_deliveries(event=event)
    if event.name not in subscribed_events(account_id=event.account_id):
        return
    webhooks = [
        w
        for w in Webhook.objects.filter(account_id=event.account_id, active=True)
        if event.name in w.events
    ]
    if not webhooks:
        return
    body = envelope(event)
    now = timezone.now()
    for webhook in webhooks:
        delivery, created = WebhookDelivery.objects.get_or_create(
            webhook=webhook,
            event_id=event.pk,
            defaults={"event": event.name, "payload": body, "next_attempt_at": now},
        )
        if created:
            _enqueue(delivery.pk)


def do_redact_deliveries(*, event: Event) -> int:
    """A customer's erasure (`contact.erased`): the stored bodies of deliveries about the
    contact, its conversations and their messages lose their data, and those not sent yet
    are not sent (failed, saying why). Returns how many deliveries were redacted."""
    data = event.payload
    conversation_ids = [int(pk) for pk in data["conversation_ids"]]
    about = (
        Q(payload__subject__type="contact", payload__subject__id=int(data["contact_id"]))
        | Q(payload__subject__type="conversation", payload__subject__id__in=conversation_ids)
        | Q(payload__data__conversation_id__in=conversation_ids)
    )
    rows = WebhookDelivery.objects.filter(about, webhook__account_id=event.account_id).exclude(
        event=ERASURE
    )
    total = 0
    for delivery in rows.only("pk", "payload", "status"):
        body = {**delivery.payload, "data": {}, "redacted": True}
        unsent = delivery.status in (
            WebhookDelivery.Status.PENDING,
            WebhookDelivery.Status.RETRYING,
        )
        changes: dict[str, Any] = {"payload": body}
        if unsent:
            changes |= {
                "status": WebhookDelivery.Status.FAILED,
                "next_attempt_at": None,
                "last_error": _("Not sent: the customer's data was erased."),
            }
        total += WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)
    return total


def do_send_ping(*, actor: User, webhook: Webhook) -> WebhookDelivery:
    """A test delivery, whatever the webhook subscribes to."""
    _own(actor, webhook)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            webhook=webhook,
            event=PING_EVENT,
            payload=_ping_body(webhook, actor=actor),
            next_attempt_at=timezone.now(),
        )
        _enqueue(delivery.pk)
    return delivery


def do_retry_delivery(*, actor: User, delivery: WebhookDelivery) -> bool:
    """An admin's "retry now": one more attempt at once, for a failed or waiting delivery."""
    _own(actor, delivery.webhook)
    updated = WebhookDelivery.objects.filter(
        pk=delivery.pk, status__in=[Status.FAILED, Status.RETRYING]
    ).update(status=Status.RETRYING, next_attempt_at=timezone.now())
    if updated:
        _enqueue(delivery.pk)
    return bool(updated)


def do_retry_failed_deliveries(*, actor: User, webhook: Webhook) -> int:
    """After an outage: every failed delivery of the webhook gets another attempt."""
    _own(actor, webhook)
    with transaction.atomic():
        ids = list(
            webhook.deliveries.filter(status=Status.FAILED).values_list("pk", flat=True)[:1000]
        )
        WebhookDelivery.objects.filter(pk__in=ids, status=Status.FAILED).update(
            status=Status.RETRYING, next_attempt_at=timezone.now()
        )
        for pk in ids:
            _enqueue(pk)
    return len(ids)


def do_requeue_due_deliveries(*, now: dt.datetime | None = None) -> int:
    """Periodic safety net: a delivery still waiting well after it fell due lost its
    task (a crash between commit and enqueue, a worker killed mid-send). Enqueueing
    it twice is harmless: an attempt first claims the row."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status__in=[Status.PENDING, Status.RETRYING], next_attempt_at__lte=now - SWEEP_GRACE
    ).values_list("pk", flat=True)[:500]
    ids = list(due)
    for pk in ids:
        _enqueue(pk)
    return len(ids)


# --- delivery attempts ------------------------------------------------------------


def retry_delay(attempts: int) -> float:
    base = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return base + random.uniform(0, base * 0.25)


def _lease() -> dt.timedelta:
    # Longer than one attempt can take (connect + write + read timeouts, DNS).
    return dt.timedelta(seconds=4 * float(settings.WEBHOOK_TIMEOUT_SECONDS) + 30)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Takes the delivery for one attempt, or None if it is done or already taken."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status__in=[Status.PENDING, Status.RETRYING],
        next_attempt_at__lte=now + dt.timedelta(seconds=1),
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + _lease())
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The stored envelope, as sent (docs/webhooks.md). Rows from before the event log
    stored only the data: they keep their old body."""
    if delivery.event_id is not None or delivery.event == PING_EVENT:
        body = delivery.payload
    else:
        body = {
            "id": delivery.pk,
            "event": delivery.event,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def _post(webhook: Webhook, delivery: WebhookDelivery) -> httpx.Response:
    target = resolve_target(webhook.url)
    body = delivery_body(delivery)
    timestamp = int(time.time())
    headers = {
        "Host": target.host_header(),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Blockdesk-Event": delivery.event,
        "X-Blockdesk-Delivery": str(delivery.pk),
        "X-Blockdesk-Event-Id": str(delivery.event_id or ""),
        "X-Blockdesk-Timestamp": str(timestamp),
        "X-Blockdesk-Signature": sign(secret=webhook.secret, timestamp=timestamp, body=body),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    # No redirects (a redirect could lead past the address check); no proxies from
    # the environment (they would bypass the pinned address).
    with httpx.Client(
        timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS), follow_redirects=False, trust_env=False
    ) as client:
        return client.post(
            target.pinned_url(), content=body, headers=headers, extensions=extensions
        )


def _describe(exc: Exception) -> str:
    # Never the exception text: it can carry the URL, whose path may hold a token.
    if isinstance(exc, UnsafeTarget):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return _("Timed out after %(s)s s.") % {"s": settings.WEBHOOK_TIMEOUT_SECONDS}
    if isinstance(exc, httpx.ConnectError):
        return _("Could not connect.")
    return type(exc).__name__


def _record(
    delivery: WebhookDelivery,
    *,
    succeeded: bool,
    status_code: int | None = None,
    error: str = "",
    final: bool = False,
) -> None:
    now = timezone.now()
    delivery.last_status_code = status_code
    delivery.last_error = error[:ERROR_MAX_LENGTH]
    if succeeded:
        delivery.status = Status.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif final or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = Status.RETRYING
        delivery.next_attempt_at = now + dt.timedelta(seconds=retry_delay(delivery.attempts))
    with transaction.atomic():
        delivery.save(
            update_fields=[
                "status",
                "last_status_code",
                "last_error",
                "delivered_at",
                "next_attempt_at",
            ]
        )
        if delivery.status == Status.RETRYING:
            _enqueue(delivery.pk, run_after=delivery.next_attempt_at)


def do_attempt_delivery(*, delivery_id: int) -> str:
    """One attempt; returns the delivery's status afterwards ("skipped" if not due)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    webhook = delivery.webhook
    if not webhook.active:
        _record(delivery, succeeded=False, error=_("The webhook is disabled."), final=True)
        return delivery.status
    try:
        response = _post(webhook, delivery)
    except UnresolvableHost as exc:
        _record(delivery, succeeded=False, error=_describe(exc))
    except UnsafeTarget as exc:
        _record(delivery, succeeded=False, error=_describe(exc), final=True)
    except httpx.HTTPError as exc:
        _record(delivery, succeeded=False, error=_describe(exc))
    else:
        ok = 200 <= response.status_code < 300
        error = "" if ok else f"HTTP {response.status_code} {response.reason_phrase}"
        _record(delivery, succeeded=ok, status_code=response.status_code, error=error)
    return delivery.status
