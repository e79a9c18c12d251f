"""The `reports.rollups` consumer's work: each event of the log becomes increments of the
report tables (models.py), through the case state it needs to remember.

Every time is the event's `occurred_at` (the moment the change committed), every count goes
to the account's local day (and hour) of that moment (the zone of `ReportZone`), under the
case's dimensions at that moment: a case created unassigned counts under "no agent", its
first reply under the agent who wrote it, its resolution under its assignee then.
Definitions: docs/reports.md."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Model

from blockdesk.accounts.zones import account_zone, zone_named
from blockdesk.conversations.models import Contact, Conversation, Inbox
from blockdesk.events.models import Event
from blockdesk.reports import buckets
from blockdesk.reports.models import (
    DIMENSIONS,
    PLACE,
    AgentDaily,
    CaseState,
    DailyRollup,
    IntentDaily,
    ReportZone,
    TagDaily,
)
from blockdesk.sla.businesstime import Schedule, elapsed
from blockdesk.sla.schedules import schedule_for

EVENT_NAMES = (
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.team_changed",
    "conversation.tags_changed",
    "message.created",
    "assistant.answered",
    "assistant.resolved",
    "assistant.handed_off",
)
RESOLVED = "resolved"
FCR_WINDOW = dt.timedelta(days=7)
_UNSET = object()


def language_of(locale: str) -> str:
    """A contact's locale as the report's language: the primary subtag (zh-Hans → zh)."""
    return locale.replace("_", "-").split("-")[0].lower()[:8]


class Batch:
    """Increments and case states gathered over a batch of events, written at the end: a
    key touched by many events of the batch costs one UPDATE."""

    def __init__(self) -> None:
        self.rows: dict[tuple[type[Model], tuple[tuple[str, Any], ...]], Counter[str]] = {}
        self.cases: dict[int, CaseState | None] = {}
        self.dirty: set[int] = set()
        self.channels: dict[int, str] = {}
        self.schedules: dict[tuple[int, int], Schedule | None] = {}
        self.zones: dict[int, zoneinfo.ZoneInfo] = {}

    # --- lookups ---------------------------------------------------------------------

    def zone(self, account_id: int) -> zoneinfo.ZoneInfo:
        """The zone the account's rows are keyed in: recorded the first time, kept until a
        rebuild (models.ReportZone)."""
        if account_id not in self.zones:
            row = ReportZone.objects.filter(account_id=account_id).first()
            if row is None:
                row = ReportZone.objects.create(
                    account_id=account_id, time_zone=account_zone(account_id).key
                )
            self.zones[account_id] = zone_named(row.time_zone)
        return self.zones[account_id]

    def local(self, account_id: int, when: dt.datetime) -> dt.datetime:
        return when.astimezone(self.zone(account_id))

    def day(self, account_id: int, when: dt.datetime) -> dt.date:
        return self.local(account_id, when).date()

    def channel(self, inbox_id: int) -> str:
        if inbox_id not in self.channels:
            kind = Inbox.objects.filter(pk=inbox_id).values_list("channel_kind", flat=True)
            self.channels[inbox_id] = next(iter(kind), "")
        return self.channels[inbox_id]

    def business_seconds(self, case: CaseState, start: dt.datetime, end: dt.datetime) -> float:
        key = (case.account_id, case.team_id)
        if key not in self.schedules:
            self.schedules[key] = schedule_for(
                account_id=case.account_id, team_id=case.team_id or None
            )
        return elapsed(self.schedules[key], start, end).total_seconds()

    def case(self, account_id: int, conversation_id: object) -> CaseState | None:
        """The case's state; a case whose creation is not in the log (older than the
        retention, or created before this consumer) starts from the conversation row."""
        if not isinstance(conversation_id, int):
            return None  # redacted: an erased customer's event
        if conversation_id not in self.cases:
            found = CaseState.objects.filter(conversation_id=conversation_id).first()
            if found is None:
                found = self._from_conversation(account_id, conversation_id)
            self.cases[conversation_id] = found
        found = self.cases[conversation_id]
        return found if found is not None and found.account_id == account_id else None

    def _from_conversation(self, account_id: int, conversation_id: int) -> CaseState | None:
        conv = (
            Conversation.objects.filter(pk=conversation_id, account_id=account_id)
            .select_related("contact")
            .first()
        )
        if conv is None:
            return None
        case = CaseState(
            account_id=account_id,
            conversation_id=conversation_id,
            inbox_id=conv.inbox_id,
            channel=self.channel(conv.inbox_id),
            team_id=conv.team_id or 0,
            agent_id=conv.assignee_id or 0,
            language=language_of(conv.contact.locale),
            created_at=conv.created_at,
        )
        self.dirty.add(conversation_id)
        return case

    # --- increments ------------------------------------------------------------------

    def add(self, model: type[Model], key: dict[str, Any], **counts: float) -> None:
        slot = self.rows.setdefault((model, tuple(sorted(key.items()))), Counter())
        for name, value in counts.items():
            slot[name] += value  # type: ignore[assignment]

    def flush(self) -> None:
        for (model, items), counts in self.rows.items():
            key = dict(items)
            changes = {name: value for name, value in counts.items() if value}
            if not changes:
                continue
            updated = model._default_manager.filter(**key).update(
                **{name: F(name) + value for name, value in changes.items()}
            )
            if not updated:
                model._default_manager.create(**key, **changes)
        self.rows.clear()
        for conversation_id in self.dirty:
            case = self.cases.get(conversation_id)
            if case is not None:
                case.save()
        self.dirty.clear()


def dims(case: CaseState, *, agent_id: object = _UNSET) -> dict[str, Any]:
    values = {name: getattr(case, name) for name in DIMENSIONS}
    if agent_id is not _UNSET:
        values["agent_id"] = agent_id if isinstance(agent_id, int) else 0
    return values


def place(key: dict[str, Any]) -> dict[str, Any]:
    return {name: key[name] for name in PLACE}


def _daily(
    batch: Batch, case: CaseState, when: dt.datetime, key: dict[str, Any], **n: float
) -> None:
    """A day's counts go to the account's row of that place and, when an agent is known, to
    the agent's row."""
    _both(
        batch, {"account_id": case.account_id, "day": batch.day(case.account_id, when), **key}, **n
    )


def _both(batch: Batch, key: dict[str, Any], **n: float) -> None:
    base = {"account_id": key["account_id"], "day": key["day"]}
    batch.add(DailyRollup, {**base, **place(key)}, **n)
    if key.get("agent_id"):
        agent = {**base, "agent_id": key["agent_id"], "team_id": key["team_id"]}
        batch.add(AgentDaily, agent, **n)


def _follow_facts(batch: Batch, case: CaseState, facts: dict[str, Any]) -> None:
    """The conversation's facts in a payload are its state after the change."""
    inbox_id = facts.get("inbox_id")
    if isinstance(inbox_id, int) and inbox_id != case.inbox_id:
        case.inbox_id, case.channel = inbox_id, batch.channel(inbox_id)
    case.team_id = facts.get("team_id") or 0
    case.agent_id = facts.get("assignee_id") or 0
    batch.dirty.add(case.conversation_id)


def _on_created(batch: Batch, event: Event, facts: dict[str, Any]) -> None:
    conversation_id = facts.get("id")
    if not isinstance(conversation_id, int):
        return
    if CaseState.objects.filter(conversation_id=conversation_id).exists():
        return
    contact_id = facts.get("contact_id")
    locale = (
        Contact.objects.filter(pk=contact_id if isinstance(contact_id, int) else 0)
        .values_list("locale", flat=True)
        .first()
    )
    inbox_id = facts.get("inbox_id") or 0
    case = CaseState(
        account_id=event.account_id,
        conversation_id=conversation_id,
        inbox_id=inbox_id,
        channel=batch.channel(inbox_id),
        team_id=facts.get("team_id") or 0,
        agent_id=facts.get("assignee_id") or 0,
        language=language_of(locale or ""),
        created_at=event.occurred_at,
    )
    batch.cases[conversation_id] = case
    batch.dirty.add(conversation_id)
    hour = batch.local(event.account_id, event.occurred_at).hour
    counts: dict[str, float] = {"created": 1, f"created_h{hour}": 1}
    _daily(batch, case, event.occurred_at, dims(case), **counts)
    _tags_added(batch, case, event.occurred_at, facts.get("tags") or [])


def _tags_added(batch: Batch, case: CaseState, when: dt.datetime, tags: Iterable[object]) -> None:
    for tag in {t for t in tags if isinstance(t, str) and t}:
        key = {"account_id": case.account_id, "day": batch.day(case.account_id, when)}
        key["tag"] = tag[:50]
        key.update(place(dims(case)))
        batch.add(TagDaily, key, added=1)


def _on_message(batch: Batch, event: Event, data: dict[str, Any]) -> None:
    sender = data.get("sender") or {}
    if sender.get("kind") != "agent" or data.get("private"):
        return
    case = batch.case(event.account_id, data.get("conversation_id"))
    if case is None:
        return
    when = event.occurred_at
    key = dims(case, agent_id=sender.get("id"))
    case.agent_replies += 1
    batch.dirty.add(case.conversation_id)
    counts: dict[str, float] = {"agent_replies": 1}
    if case.first_reply_at is None:
        case.first_reply_at = when
        seconds = max(0.0, (when - case.created_at).total_seconds())
        business = batch.business_seconds(case, case.created_at, when)
        counts.update(first_responses=1, frt_sum=seconds, frtb_sum=business)
        counts[f"frt_{buckets.bucket_of(seconds)}"] = 1
        counts[f"frtb_{buckets.bucket_of(business)}"] = 1
    _daily(batch, case, when, key, **counts)


def _on_status(batch: Batch, event: Event, data: dict[str, Any]) -> None:
    facts = data.get("conversation") or {}
    case = batch.case(event.account_id, facts.get("id"))
    if case is None:
        return
    _follow_facts(batch, case, facts)
    old, new, when = data.get("old"), data.get("new"), event.occurred_at
    if new == RESOLVED and old != RESOLVED:
        _resolved(batch, case, when)
    elif old == RESOLVED and new != RESOLVED:
        _daily(batch, case, when, dims(case), reopens=1)
        first = case.first_resolved_at
        within = first is not None and when - first <= FCR_WINDOW
        if case.resolutions == 1 and within and not case.reopened_7d:
            # Taken back from the row the resolution was counted on.
            case.reopened_7d = True
            row = dict(case.resolved_key)
            row["day"] = dt.date.fromisoformat(row["day"])
            back: dict[str, float] = {"reopened_7d": 1}
            if case.fcr:
                case.fcr = False
                back["fcr"] = -1
            _both(batch, row, **back)


def _resolved(batch: Batch, case: CaseState, when: dt.datetime) -> None:
    case.resolutions += 1
    key = dims(case)
    counts: dict[str, float] = {"resolved": 1}
    if case.resolutions == 1:
        case.first_resolved_at = when
        seconds = max(0.0, (when - case.created_at).total_seconds())
        business = batch.business_seconds(case, case.created_at, when)
        counts.update(first_resolved=1, res_sum=seconds, resb_sum=business)
        counts[f"res_{buckets.bucket_of(seconds)}"] = 1
        counts[f"resb_{buckets.bucket_of(business)}"] = 1
        if case.agent_replies >= 1:
            counts["agent_resolved"] = 1
            if case.agent_replies == 1:
                case.fcr = True
                counts["fcr"] = 1
        day = batch.day(case.account_id, when).isoformat()
        case.resolved_key = {"account_id": case.account_id, "day": day, **key}
    _daily(batch, case, when, key, **counts)


def _intent_row(batch: Batch, case: CaseState, when: dt.datetime, intent: str) -> dict[str, Any]:
    key = {"account_id": case.account_id, "day": batch.day(case.account_id, when), "intent": intent}
    return {**key, **place(dims(case))}


def _handled(batch: Batch, case: CaseState, when: dt.datetime, intent: str) -> None:
    """The first time the assistant works on a case: the case's intent is fixed then."""
    case.assistant_outcome = "handling"
    case.intents = [intent]
    _daily(batch, case, when, dims(case), assistant_handled=1)
    batch.add(IntentDaily, _intent_row(batch, case, when, intent), handled=1)


def _on_assistant(batch: Batch, event: Event, data: dict[str, Any]) -> None:
    case = batch.case(event.account_id, data.get("conversation_id"))
    if case is None:
        return
    when = event.occurred_at
    batch.dirty.add(case.conversation_id)
    keys = [k for k in data.get("article_keys") or [] if isinstance(k, str) and k]
    if not case.assistant_outcome:
        _handled(batch, case, when, (keys[0] if keys else "")[:100])
    intent = case.intents[0] if case.intents else ""
    if event.name == "assistant.resolved" and case.assistant_outcome != "resolved":
        case.assistant_outcome = "resolved"
        _daily(batch, case, when, dims(case), assistant_resolved=1)
        batch.add(IntentDaily, _intent_row(batch, case, when, intent), deflected=1)
    elif event.name == "assistant.handed_off" and case.assistant_outcome == "handling":
        case.assistant_outcome = "handed_off"
        _daily(batch, case, when, dims(case), assistant_handoffs=1)
        batch.add(IntentDaily, _intent_row(batch, case, when, intent), handed_off=1)


def apply(batch: Batch, event: Event) -> None:
    data: dict[str, Any] = event.payload or {}
    name = event.name
    if name == "conversation.created":
        _on_created(batch, event, data.get("conversation") or {})
    elif name == "message.created":
        _on_message(batch, event, data)
    elif name == "conversation.status_changed":
        _on_status(batch, event, data)
    elif name.startswith("assistant."):
        _on_assistant(batch, event, data)
    elif name.startswith("conversation."):
        facts = data.get("conversation") or {}
        case = batch.case(event.account_id, facts.get("id"))
        if case is None:
            return
        _follow_facts(batch, case, facts)
        if name == "conversation.tags_changed":
            added = set(data.get("new") or []) - set(data.get("old") or [])
            _tags_added(batch, case, event.occurred_at, added)


def apply_events(events: Iterable[Event]) -> None:
    batch = Batch()
    for event in events:
        apply(batch, event)
    batch.flush()


def forget(from_event_id: int | None) -> None:
    """`events replay` (and `reports rebuild`): the tables are sums, so a replay from a
    middle event would count the rest twice; it always starts again from nothing."""
    if from_event_id is not None:
        raise ValueError("the reports are rebuilt from the start of the log only")
    for model in (DailyRollup, AgentDaily, IntentDaily, TagDaily, CaseState, ReportZone):
        model._default_manager.all().delete()
