"""Service records read the event log (events/consumers.py): one step per handling event of
a case, see records/case_steps.py.

Transactional: the appended entry, its idempotency mark and the cursor move commit
together, so each event is recorded exactly once. A batch of the log is appended in one
call (one lock on the account's log, two bulk inserts): one append per event was about
9 % of the embedded server's CPU per widget message. No `reset`: the log is append-only and
cannot forget what it recorded. `events replay --consumer records.case_steps` is safe all
the same: each recorded event id has a mark (RecordedEvent), so a replay appends only the
steps of events not recorded yet (e.g. events from before the wiring, or ones that died)."""

from __future__ import annotations

from collections.abc import Sequence

from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.records.case_steps import EVENT_NAMES, do_record_event, do_record_events


def on_event(event: Event) -> None:
    do_record_event(event=event)


def on_events(events: Sequence[Event]) -> None:
    do_record_events(events=events)


register_consumer(
    "records.case_steps",
    on_event,
    event_names=list(EVENT_NAMES),
    mode="transactional",
    batch_handler=on_events,
)
