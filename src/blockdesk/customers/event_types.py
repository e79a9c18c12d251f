"""Event types of customer accounts: the public contract webhooks send (docs/webhooks.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class CustomerSignedUp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    customer_id: int
    contact_id: int
    method: Literal["email_link", "wallet"] = Field(
        description="How the customer proved who they are the first time."
    )


register_event_type(
    name="customer.signed_up",
    version=1,
    description="A customer created a public account (community, feedback, guides).",
    payload=CustomerSignedUp,
)
