"""Reading the log in order, without skipping.

On PostgreSQL ids are allocated before commit, so a transaction that commits late can
add an event with a smaller id than one already delivered. Each event carries its
transaction id (txid); readers see only events of transactions older than every
transaction still running (the snapshot's xmin), and order by (txid, id). A transaction
that starts later gets a larger txid, so nothing can appear behind a cursor.

On SQLite one transaction writes at a time (BEGIN IMMEDIATE), so ids are in commit order:
txid is NULL and the position is (0, id)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from blockdesk.events.models import Event

Position = tuple[int, int]

_XMIN_SQL = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


def uses_txid() -> bool:
    return connection.vendor == "postgresql"


def visible(qs: QuerySet[Event]) -> QuerySet[Event]:
    """Only events no running transaction can still precede."""
    if uses_txid():
        return qs.filter(txid__lt=RawSQL(_XMIN_SQL, []))  # noqa: S611 (constant SQL)
    return qs


def after(qs: QuerySet[Event], position: Position) -> QuerySet[Event]:
    txid, event_id = position
    if uses_txid():
        # txid >= t first, so the (txid, id) index gives a range scan.
        return qs.filter(Q(txid__gte=txid), Q(txid__gt=txid) | Q(id__gt=event_id))
    return qs.filter(id__gt=event_id)


def at_or_before(position: Position) -> Q:
    txid, event_id = position
    if uses_txid():
        return Q(txid__lt=txid) | Q(txid=txid, id__lte=event_id)
    return Q(id__lte=event_id)


def ordered(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.order_by("txid", "id") if uses_txid() else qs.order_by("id")


def pending(position: Position, names: Iterable[str] | None) -> QuerySet[Event]:
    """The visible events after `position` (of these names), in log order; redacted ones
    (a customer's erased data) are never handed out."""
    qs = after(visible(Event.objects.filter(redacted_at__isnull=True)), position)
    if names is not None:
        qs = qs.filter(name__in=list(names))
    return ordered(qs)


def held_back(position: Position, names: Iterable[str] | None = None) -> bool:
    """Whether committed events after `position` wait for an older transaction elsewhere
    in the cluster to end (PostgreSQL only): they become readable without another commit,
    so a dispatcher that was woken for them must look again soon, not at its next poll."""
    if not uses_txid():
        return False
    waiting = Event.objects.filter(txid__gte=RawSQL(_XMIN_SQL, []))  # noqa: S611 (constant SQL)
    if names is not None:
        waiting = waiting.filter(name__in=list(names))
    return after(waiting, position).exists()


def position_before(event: Event) -> Position:
    """The cursor position from which `event` is the next one read."""
    return (event.txid or 0, event.pk - 1)
