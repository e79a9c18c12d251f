"""Routing's decisions on the event log, for reports (who got which case, why, how long it
queued) and for integrators (docs/webhooks.md)."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Routed(_Payload):
    conversation_id: int
    inbox_id: int
    agent_id: int
    mode: Literal["round_robin", "balanced"]
    load: int = Field(description="The agent's open cases before this one.")
    capacity: int
    skills: list[str] = Field(default_factory=list, description="Skills that matched the case.")
    reassigned_from: int | None = Field(
        default=None, description="The silent agent it was taken from, if any."
    )
    queued_seconds: int | None = Field(
        default=None, description="How long the case waited in the queue, if it did."
    )


class Queued(_Payload):
    conversation_id: int
    inbox_id: int
    position: int


class PresenceChanged(_Payload):
    agent_id: int
    presence: Literal["online", "away", "offline"]
    by: Literal["agent", "activity", "admin", "api"]


for _name, _model, _description, _label in (
    (
        "routing.assigned",
        Routed,
        "Routing assigned (or reassigned) a conversation to an agent.",
        gettext_lazy("Conversation auto-assigned"),
    ),
    (
        "routing.queued",
        Queued,
        "Every agent was full: the conversation waits in the queue.",
        gettext_lazy("Conversation queued"),
    ),
    (
        "agent.presence_changed",
        PresenceChanged,
        "An agent went online, away or offline.",
        gettext_lazy("Agent presence changed"),
    ),
):
    register_event_type(
        name=_name, version=1, description=_description, payload=_model, label=_label
    )
