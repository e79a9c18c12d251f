"""Event types of surge mode (docs/staffing.md#surge-mode)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class SurgeStarted(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    surge_id: int
    started_by: str = Field(description='"auto" (detected) or "agent" (started by hand).')
    reason: str
    arrivals: int = Field(description="New conversations in the detection window.")
    expected: float = Field(description="The forecast for that window.")


class SurgeEnded(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    surge_id: int
    ended_by: str = Field(description='"auto" (volume fell back) or "agent" (ended by hand).')
    duration_seconds: int


class ScheduleSaved(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agent_hours: int = Field(description="Agent-hours scheduled in the week.")


register_event_type(
    name="staffing.schedule_saved",
    version=1,
    description="An admin saved the agents scheduled per hour of the week.",
    payload=ScheduleSaved,
    label=gettext_lazy("Staffing schedule saved"),
    public=False,
)
register_event_type(
    name="staffing.surge_started",
    version=1,
    description="Surge mode started: arrivals far above the forecast, or an admin said so.",
    payload=SurgeStarted,
    label=gettext_lazy("Surge mode on"),
    # Internal for now: not in the webhook contract (docs/webhooks.md) until asked for.
    public=False,
)
register_event_type(
    name="staffing.surge_ended",
    version=1,
    description="Surge mode ended: by hand, or arrivals stayed back at the forecast.",
    payload=SurgeEnded,
    label=gettext_lazy("Surge mode off"),
    public=False,
)
