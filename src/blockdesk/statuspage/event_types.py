"""Typed events of the status page (docs/events.md): webhooks deliver them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from blockdesk.events.registry import register_event_type


class IncidentUpdated(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    incident_id: int
    update_id: int
    kind: str  # incident, maintenance
    title: str
    status: str
    impact: str
    components: list[str]  # component keys
    body: str
    opened: bool  # the first update: the incident was opened
    resolved: bool


class ComponentChanged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    component: str
    old: str
    new: str
    automatic: bool
    reason: str


register_event_type(
    name="status.incident_updated",
    version=1,
    description="An incident or a maintenance was opened, updated or resolved.",
    payload=IncidentUpdated,
)
register_event_type(
    name="status.component_changed",
    version=1,
    description="A status-page component changed state (by a person or the RPC watcher).",
    payload=ComponentChanged,
)
