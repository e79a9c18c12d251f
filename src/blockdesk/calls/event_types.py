"""The calls app's events (docs/events.md): a call answered, a call over, its recording
saved, the customer's consent withdrawn, a recording deleted. The signalling and the
recording's audio never reach the log."""

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


class RecordingSaved(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    call_id: int
    conversation_id: int
    recording_id: int
    agent_id: int | None = Field(description="The agent whose console recorded and uploaded it.")
    content_type: str
    size: int = Field(description="Bytes stored.")


class RecordingConsentWithdrawn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    call_id: int
    conversation_id: int
    contact_id: int


class RecordingDeleted(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    call_id: int
    conversation_id: int
    recording_id: int
    reason: str = Field(description="retention: older than the account's retention period.")


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
register_event_type(
    name="call.recording_saved",
    version=1,
    description="The agent's console uploaded the recording of a call the customer agreed to.",
    payload=RecordingSaved,
    label=_("Call recording saved"),
)
register_event_type(
    name="call.recording_consent_withdrawn",
    version=1,
    description="The customer withdrew their consent during a call: nothing of it is kept.",
    payload=RecordingConsentWithdrawn,
    label=_("Recording consent withdrawn"),
)
register_event_type(
    name="call.recording_deleted",
    version=1,
    description="A call recording was deleted (its retention period ended).",
    payload=RecordingDeleted,
    label=_("Call recording deleted"),
)
