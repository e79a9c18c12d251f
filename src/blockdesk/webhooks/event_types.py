"""Webhook configuration changes (security-relevant: a webhook receives customer data)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class WebhookCreated(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    webhook_id: int
    host: str = Field(description="The endpoint's host (never the full URL: it can hold a token).")
    events: list[str]
    active: bool


register_event_type(
    name="webhook.created",
    version=1,
    description="An administrator added a webhook.",
    payload=WebhookCreated,
)
