"""Webhooks read the event log (events/consumers.py): see services.on_event."""

from __future__ import annotations

from blockdesk.events.consumers import register_consumer
from blockdesk.webhooks.services import on_event

# event_names=None: the consumer sees every event and filters by subscription, so an event
# type added later is deliverable without re-registering (the cursor covers all names).
register_consumer("webhooks.fan_out", on_event, event_names=None, mode="transactional")
