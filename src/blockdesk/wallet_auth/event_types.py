"""Event types of wallet sign-in: the public contract webhooks send (docs/webhooks.md).
`contact.merged` lives with the merge, in conversations/event_types.py."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class WalletVerified(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    contact_id: int
    address: str = Field(description="The checksummed address the customer signed with.")
    linked: bool = Field(description="True when the address was new to the account.")
    moved_from_contact_id: int | None = Field(
        description="The browser's previous contact, when it moved to this one."
    )


register_event_type(
    name="contact.wallet_verified",
    version=1,
    description="A customer proved they own a wallet (signed in with it).",
    payload=WalletVerified,
)
