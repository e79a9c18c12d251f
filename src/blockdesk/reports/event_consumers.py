"""The report tables follow the event log (docs/events.md, docs/reports.md).

Transactional: the handler only writes report rows, so they and the cursor move commit
together and each event counts exactly once. A batch is summed in memory and written once
per key (rollup.Batch). The cursor starts at the beginning of the retained log: a new
install, or an upgraded one, reports on all the history it still has."""

from __future__ import annotations

from collections.abc import Sequence

from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.reports import rollup

CONSUMER = "reports.rollups"


def on_event(event: Event) -> None:
    rollup.apply_events([event])


def on_events(events: Sequence[Event]) -> None:
    rollup.apply_events(events)


register_consumer(
    CONSUMER,
    on_event,
    event_names=rollup.EVENT_NAMES,
    mode="transactional",
    reset=rollup.forget,
    batch_handler=on_events,
)
