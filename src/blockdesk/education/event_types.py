"""The events of onboarding and education (docs/education.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class GuideCompleted(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    guide_id: int
    guide_slug: str
    contact_id: int
    badge_key: str = Field(description="The badge the forum awards for it ('' for none).")


class SessionRegistered(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    session_id: int
    contact_id: int


register_event_type(
    name="education.guide_completed",
    version=1,
    description="A customer passed every lesson of a guide (the forum awards its badge).",
    payload=GuideCompleted,
    label=gettext_lazy("Guide completed"),
)
register_event_type(
    name="education.session_registered",
    version=1,
    description="A customer registered for an online session or webinar.",
    payload=SessionRegistered,
    label=gettext_lazy("Registered for a session"),
)
