"""Event of satisfaction surveys: a rating at or below the account's threshold. The
notifications app alerts the case's team leads from it (notifications/lead_alerts.py);
internal, not in the webhook contract."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type

LOW_RATING = "surveys.low_rating"


class LowRating(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    conversation_id: int
    score: int = Field(description="1–5 (every scale is stored on 1–5).")
    action: str = Field(description='"flag" (tagged for a lead) or "reopen".')
    team_id: int | None = Field(description="The case's team: its leads are alerted.")


register_event_type(
    name=LOW_RATING,
    version=1,
    description="A customer gave a low satisfaction rating: the case is flagged or reopened.",
    payload=LowRating,
    label=gettext_lazy("Low satisfaction rating"),
    public=False,
)
