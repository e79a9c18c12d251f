"""The events of suggestions and the roadmap (docs/feedback.md; webhooks carry them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class SuggestionCreated(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    suggestion_id: int
    title: str
    author_contact_id: int | None = None


class SuggestionStatusChanged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    suggestion_id: int
    old: str
    new: str
    voters: int = Field(description="Voters who will be told by email.")


class SuggestionMerged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    suggestion_id: int = Field(description="The duplicate.")
    into_id: int = Field(description="The suggestion that keeps the votes.")
    moved_votes: int
    moved_links: int


class SuggestionLinked(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    suggestion_id: int
    conversation_id: int
    customers: int = Field(description="Distinct customers who asked for it so far.")


register_event_type(
    name="suggestion.created",
    version=1,
    description="A customer or an agent posted a suggestion.",
    payload=SuggestionCreated,
    label=gettext_lazy("Suggestion posted"),
)
register_event_type(
    name="suggestion.status_changed",
    version=1,
    description="A suggestion moved on the roadmap (open, under review, planned, …).",
    payload=SuggestionStatusChanged,
    label=gettext_lazy("Suggestion status changed"),
)
register_event_type(
    name="suggestion.merged",
    version=1,
    description="A duplicate suggestion was merged; its votes moved to the other one.",
    payload=SuggestionMerged,
    label=gettext_lazy("Suggestions merged"),
)
register_event_type(
    name="suggestion.conversation_linked",
    version=1,
    description="An agent linked a conversation to a suggestion (demand).",
    payload=SuggestionLinked,
    label=gettext_lazy("Conversation linked to a suggestion"),
)
