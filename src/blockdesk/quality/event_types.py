"""The events of agent quality (docs/events.md lists every type)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class ReviewCreated(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    review_id: int
    conversation_id: int
    scorecard_id: int
    reviewer_id: int
    agent_id: int = Field(description="The agent whose handling of the case was reviewed.")
    total: float = Field(description="The weighted score, 0 to 100.")


register_event_type(
    name="quality.review_created",
    version=1,
    description="A lead reviewed a conversation against a scorecard.",
    payload=ReviewCreated,
    label=gettext_lazy("Conversation reviewed"),
)
