"""Case handling → service records: which events of the event log become a step of a case's
record, and with which fields (docs/records.md, "What is recorded"). Called by the consumer
in records/event_consumers.py, one event at a time, inside its transaction.

A case is one conversation; its case_ref is `conv-<conversation id>` (never shown to the
customer, who sees the case's random receipt id). Message text never goes into a record,
only its SHA-256: the customer can hash the text they were sent and compare."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from blockdesk.accounts.models import Account
from blockdesk.events.models import Event
from blockdesk.records import services
from blockdesk.records.models import RecordCase, RecordedEvent
from blockdesk.records.selectors import conversation_case_ref
from blockdesk.records.services import RecordIn

ERASURE = "contact.erased"
EVENT_NAMES = (
    "conversation.created",
    "conversation.assigned",
    "conversation.status_changed",
    "message.created",
    ERASURE,
)
# Whose public messages are steps of the handling: the company's side, not the customer's.
REPLY_SENDERS = {"agent", "assistant"}


def _at(value: dt.datetime | str | None) -> str | None:
    """The record's time form: UTC ISO-8601 with milliseconds and Z (as `at`)."""
    when = parse_datetime(value) if isinstance(value, str) else value
    if when is None:
        return None
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _who(kind: str, ident: int | None) -> str:
    return f"{kind}:{ident}" if ident is not None else kind


def _agent(user_id: int | None) -> str | None:
    return f"agent:{user_id}" if user_id is not None else None


def record_for_event(event: Event) -> RecordIn | None:
    """The step an event is, or None when it is no step (a customer's message, a note)."""
    data: dict[str, Any] = event.payload
    base = {"by": _who(event.actor_kind, event.actor_id), "occurred_at": _at(event.occurred_at)}
    if event.name == "message.created":
        sender = data["sender"]
        if data["private"] or sender["kind"] not in REPLY_SENDERS:
            return None
        fields = {
            "by": _who(sender["kind"], sender.get("id")),
            "occurred_at": _at(data["created_at"]) or base["occurred_at"],
            "message_id": data["id"],
            # The text as stored and shown to the customer (secrets already redacted).
            "message_sha256": hashlib.sha256(data["content"].encode()).hexdigest(),
            "attachments": len(data.get("attachments") or []),
        }
        return RecordIn(conversation_case_ref(data["conversation_id"]), "reply", fields)
    conversation = data["conversation"]
    case_ref = conversation_case_ref(conversation["id"])
    if event.name == "conversation.created":
        fields = {**base, "number": conversation["number"], "status": conversation["status"]}
        return RecordIn(case_ref, "opened", fields)
    if event.name == "conversation.assigned":
        fields = {
            **base,
            "from": _agent(data["old_assignee_id"]),
            "to": _agent(data["new_assignee_id"]),
        }
        return RecordIn(case_ref, "assigned", fields)
    if event.name == "conversation.status_changed":
        fields = {**base, "from": data["old"], "to": data["new"]}
        if data.get("snoozed_until"):
            fields["until"] = _at(data["snoozed_until"])
        kind = "resolved" if data["new"] == "resolved" else "status"
        return RecordIn(case_ref, kind, fields)
    return None


def do_record_events(*, events: Sequence[Event]) -> int:
    """Appends the steps of these events, in their order, at most once per event id (a
    replay of the log skips what is already recorded): one append per account, so a batch
    of the event log costs one lock and two bulk inserts. Returns how many steps were
    appended. A customer's erasure (`contact.erased`) erases the records of their cases,
    after the steps before it; an erased case takes no new steps: its events are skipped,
    not failed (they would only end up dead)."""
    appended = 0
    run: list[Event] = []
    for event in events:
        if event.name == ERASURE:
            appended += _append_steps(run)
            run = []
            do_erase_cases(event=event)
        else:
            run.append(event)
    return appended + _append_steps(run)


def do_erase_cases(*, event: Event) -> int:
    """The records of an erased customer's cases lose their salts and contents (the public
    log stays verifiable); returns how many cases. Idempotent: an erased case is skipped."""
    refs = [conversation_case_ref(int(pk)) for pk in event.payload["conversation_ids"]]
    cases = list(
        RecordCase.objects.filter(
            log__account_id=event.account_id, case_ref__in=refs, erased_at__isnull=True
        ).values_list("case_ref", flat=True)
    )
    if cases:
        account = Account.objects.get(pk=event.account_id)
        for case_ref in cases:
            services.do_erase_case(account=account, case_ref=case_ref)
    return len(cases)


def _append_steps(events: Sequence[Event]) -> int:
    steps = [(e, r) for e in events if (r := record_for_event(e)) is not None]
    if not steps:
        return 0
    appended = 0
    with transaction.atomic():
        done = set(
            RecordedEvent.objects.filter(pk__in=[e.pk for e, _ in steps]).values_list(
                "pk", flat=True
            )
        )
        by_account: dict[int, list[tuple[Event, RecordIn]]] = defaultdict(list)
        for event, record in steps:
            if event.pk not in done:
                by_account[event.account_id].append((event, record))
        for account_id, todo in by_account.items():
            erased = set(
                RecordCase.objects.filter(
                    log__account_id=account_id,
                    case_ref__in={record.case_ref for _, record in todo},
                    erased_at__isnull=False,
                ).values_list("case_ref", flat=True)
            )
            todo = [(e, r) for e, r in todo if r.case_ref not in erased]
            if not todo:
                continue
            account = Account.objects.get(pk=account_id)
            entries = services.do_append_records(account=account, records=[r for _, r in todo])
            # The primary key makes a second mark (a concurrent retry) fail and roll back.
            RecordedEvent.objects.bulk_create(
                RecordedEvent(event_id=event.pk, log_id=entry.log_id, index=entry.index)
                for (event, _), entry in zip(todo, entries, strict=True)
            )
            appended += len(entries)
    return appended


def do_record_event(*, event: Event) -> bool:
    """do_record_events for one event: whether its step was appended."""
    return do_record_events(events=[event]) > 0
