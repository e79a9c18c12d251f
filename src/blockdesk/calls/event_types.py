"""The calls app's events (docs/events.md): a call answered, a call over. The signalling
itself never reaches the log."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class _CallFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    call_id: int
    conversation_id: int
    agent_id: int | None
    contact_id: int
    started_by: str = Field(description="Who rang: customer or agent.")
    video: bool


class CallStarted(_CallFacts):
    recording_consent: bool = Field(
        description="The account records calls and this customer agreed in the widget."
    )


class CallEnded(_CallFacts):
    outcome: str = Field(description="completed, declined, missed, cancelled or failed.")
    duration_seconds: int = Field(description="Talk time, from the answer to the end.")


register_event_type(
    name="call.started",
    version=1,
    description="A widget call between a customer and the assigned agent was answered.",
    payload=CallStarted,
    label=_("Call started"),
)
register_event_type(
    name="call.ended",
    version=1,
    description="A widget call ended (or was declined, missed or cancelled), with its duration.",
    payload=CallEnded,
    label=_("Call ended"),
)
