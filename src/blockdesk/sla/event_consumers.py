"""SLA clocks from the event log (docs/sla.md). Transactional: the clock rows and the
cursor move commit together, so each event moves the clocks exactly once."""

from __future__ import annotations

from blockdesk.events.consumers import register_consumer
from blockdesk.sla.engine import EVENT_NAMES, do_forget_clocks, do_handle_event

register_consumer(
    "sla.clocks",
    do_handle_event,
    event_names=EVENT_NAMES,
    mode="transactional",
    reset=do_forget_clocks,
)
