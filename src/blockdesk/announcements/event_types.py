"""Typed events of announcements (docs/events.md): the signed webhooks deliver them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from blockdesk.events.registry import register_event_type


class Published(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    post_id: int
    slug: str
    category: str
    published_at: str
    # Title per language ({"en": …, "zh-hans": …}) and the public page's address.
    titles: dict[str, str]
    url: str


register_event_type(
    name="announcement.published",
    version=1,
    description="An announcement was published on the update log.",
    payload=Published,
)
