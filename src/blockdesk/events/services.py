"""Writes to the event log: emit (in the caller's transaction), replay, purge, and the
admin's "retry dead events"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from pydantic import BaseModel

from blockdesk.events import log
from blockdesk.events.consumers import all_consumers, ensure_cursor, get_consumer
from blockdesk.events.models import ActorKind, ConsumerCursor, ConsumerRetry, Event
from blockdesk.events.registry import Actor, Subject, get_event_type
from blockdesk.events.runner import wake
from blockdesk.events.selectors import security_relevant_q

PURGE_CHUNK = 2000
# A set made once: the choices' `values` builds a new list at each use.
_ACTOR_KINDS = frozenset(ActorKind.values)


class EmitOutsideTransaction(RuntimeError):
    """emit() was called outside transaction.atomic(): the event would not commit (or
    roll back) with the change it describes."""


def emit(
    *,
    account_id: int,
    name: str,
    payload: BaseModel | Mapping[str, Any],
    actor: Actor,
    subject: Subject,
) -> Event:
    """Records one event in the current transaction (one INSERT). Raises UnknownEventType,
    InvalidEventPayload or EmitOutsideTransaction: programming errors, not user errors."""
    if not connection.in_atomic_block:
        raise EmitOutsideTransaction(
            f"emit({name!r}) must run inside transaction.atomic(), with the change it records"
        )
    event_type = get_event_type(name)
    if actor.kind not in _ACTOR_KINDS:
        raise ValueError(f"unknown actor kind {actor.kind!r}")
    event = Event(
        account_id=account_id,
        name=name,
        version=event_type.version,
        occurred_at=timezone.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        subject_type=subject.type,
        subject_id=subject.id,
        payload=event_type.dump(payload),
    )
    _insert(event)
    # Wakes this process's dispatcher (embedded mode) as soon as the event is readable.
    transaction.on_commit(partial(wake, event))
    return event


_INSERT_SQL = (
    "INSERT INTO events_event (account_id, name, version, occurred_at, actor_kind, actor_id,"
    " subject_type, subject_id, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " RETURNING id, txid"
)


def _insert(event: Event) -> None:
    """One plain INSERT: the ORM's save() costs about three times the CPU, and emit is on
    every hot path (txid comes from the column's default, see models.TxId)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the proxy is a thread-local lookup
    ops = db.ops
    params: list[Any] = [
        event.account_id,
        event.name,
        event.version,
        ops.adapt_datetimefield_value(event.occurred_at),
        event.actor_kind,
        event.actor_id,
        event.subject_type,
        event.subject_id,
        ops.adapt_json_value(event.payload, None),
    ]
    with db.cursor() as cursor:
        if db.features.can_return_columns_from_insert:
            cursor.execute(_INSERT_SQL, params)
            event.pk, event.txid = cursor.fetchone()
        else:  # SQLite before 3.35
            cursor.execute(_INSERT_SQL.removesuffix(" RETURNING id, txid"), params)
            event.pk = cursor.lastrowid
    event._state.adding = False
    event._state.db = db.alias


def envelope(event: Event) -> dict[str, Any]:
    """The event as the outside world sees it (webhook bodies); see registry.json_schema."""
    return {
        "id": event.pk,
        "name": event.name,
        "version": event.version,
        "occurred_at": event.occurred_at.isoformat(),
        "account_id": event.account_id,
        "actor": {"kind": event.actor_kind, "id": event.actor_id},
        "subject": {"type": event.subject_type, "id": event.subject_id},
        "data": event.payload,
    }


# --- operations -------------------------------------------------------------------


def do_replay(*, consumer: str, from_event_id: int | None = None) -> None:
    """Rebuilds a consumer from the log: its reset hook forgets what it derived (from that
    event on), then its cursor goes back so the dispatcher hands it everything again."""
    target = get_consumer(consumer)
    ensure_cursor(consumer)
    position: log.Position = (0, 0)
    if from_event_id is not None:
        position = log.position_before(Event.objects.get(pk=from_event_id))
    with transaction.atomic():
        # Waits for a worker busy with this consumer, and keeps others off until done.
        cursor = ConsumerCursor.objects.select_for_update().get(name=consumer)
        if target.reset is not None:
            target.reset(from_event_id)
        ConsumerRetry.objects.filter(consumer=cursor).exclude(
            event__in=Event.objects.filter(log.at_or_before(position))
        ).delete()
        cursor.position_txid, cursor.position_id = position
        cursor.lease_owner, cursor.leased_until = "", None
        cursor.save()
    wake()


def do_redact_events(*, account_id: int, subjects: Mapping[str, Collection[int]]) -> int:
    """Erasure of a customer's data: the account's events about these subjects (e.g.
    {"contact": [7], "conversation": [12, 13], "message": [...]}) lose their payload and are
    never handed to a consumer again (their retries go too); name, time, actor and subject
    stay, so the log keeps its shape and the audit trail says that something happened.
    Runs in the caller's transaction, with the erasure. Returns how many were redacted."""
    now = timezone.now()
    total = 0
    for subject_type, ids in subjects.items():
        ids = sorted(set(ids))
        for start in range(0, len(ids), PURGE_CHUNK):
            rows = Event.objects.filter(
                account_id=account_id,
                subject_type=subject_type,
                subject_id__in=ids[start : start + PURGE_CHUNK],
                redacted_at__isnull=True,
            )
            event_ids = list(rows.values_list("pk", flat=True))
            ConsumerRetry.objects.filter(event_id__in=event_ids).delete()
            total += Event.objects.filter(pk__in=event_ids).update(payload={}, redacted_at=now)
    return total


def do_requeue_dead(*, consumer: str | None = None, account_id: int | None = None) -> int:
    """Gives dead events a fresh set of attempts, due now. Returns how many."""
    rows = ConsumerRetry.objects.filter(dead=True)
    if consumer is not None:
        rows = rows.filter(consumer__name=consumer)
    if account_id is not None:
        rows = rows.filter(event__account_id=account_id)
    count = rows.update(dead=False, attempts=0, next_attempt_at=timezone.now())
    if count:
        transaction.on_commit(wake)
    return count


def do_purge_events(*, now: dt.datetime | None = None) -> int:
    """Deletes events older than EVENT_RETENTION_DAYS (0: keep forever) that every consumer
    has read and none is retrying; security-relevant ones (the audit log's) only once also
    older than AUDIT_RETENTION_DAYS (0: never). A periodic job; returns how many went."""
    days = settings.EVENT_RETENTION_DAYS
    if days <= 0:
        return 0
    now = now or timezone.now()
    old = Event.objects.filter(occurred_at__lt=now - dt.timedelta(days=days))
    security = security_relevant_q()
    audit_days = settings.AUDIT_RETENTION_DAYS
    if audit_days <= 0:
        old = old.exclude(security)
    else:
        old = old.exclude(security & Q(occurred_at__gte=now - dt.timedelta(days=audit_days)))
    positions = {c.name: c.position for c in ConsumerCursor.objects.all()}
    for consumer in all_consumers():
        # A consumer that never ran (no cursor) holds everything it subscribes to.
        passed = log.at_or_before(positions.get(consumer.name, (0, 0)))
        if consumer.event_names is not None:
            passed |= ~Q(name__in=consumer.event_names)
        old = old.filter(passed)
    old = old.exclude(pk__in=ConsumerRetry.objects.values("event_id"))
    total = 0
    while True:
        ids = list(old.values_list("pk", flat=True)[:PURGE_CHUNK])
        if not ids:
            return total
        Event.objects.filter(pk__in=ids).delete()
        total += len(ids)
