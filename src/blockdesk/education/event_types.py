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


# Administrators' changes to guides and the welcome sequence: the audit trail of the
# console's editors. Not public (no webhook): configuration, not customer activity.
class GuideSaved(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    guide_id: int
    guide_slug: str
    change: str = Field(
        description="created, updated, lesson_added, lesson_updated, lesson_removed, "
        "lessons_reordered"
    )
    published: bool
    lesson_count: int


class GuideDeleted(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    guide_id: int
    guide_slug: str
    completions_deleted: int
    progress_deleted: int


class WelcomeStepSaved(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    step_id: int
    change: str = Field(description="created, updated, moved")
    position: int
    delay_hours: int


class WelcomeStepDeleted(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    step_id: int
    position: int


register_event_type(
    name="education.guide_saved",
    version=1,
    description="An administrator created or changed a guide or its lessons.",
    payload=GuideSaved,
    public=False,
    label=gettext_lazy("Guide saved"),
)
register_event_type(
    name="education.guide_deleted",
    version=1,
    description="An administrator deleted a guide (its lessons, progress and completions).",
    payload=GuideDeleted,
    public=False,
    label=gettext_lazy("Guide deleted"),
)
register_event_type(
    name="education.welcome_step_saved",
    version=1,
    description="An administrator added, changed or moved a welcome email step.",
    payload=WelcomeStepSaved,
    public=False,
    label=gettext_lazy("Welcome email saved"),
)
register_event_type(
    name="education.welcome_step_deleted",
    version=1,
    description="An administrator deleted a welcome email step.",
    payload=WelcomeStepDeleted,
    public=False,
    label=gettext_lazy("Welcome email deleted"),
)
