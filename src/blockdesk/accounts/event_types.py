"""Security-relevant settings changes, for auditors and security tooling (webhooks)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class TwoFactorRequirementChanged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    required: bool = Field(description="Whether every agent must use two-factor sign-in.")


class ApiTokenFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    token_id: int
    name: str
    prefix: str = Field(description="The token's first characters (never the token).")
    scopes: list[str]


register_event_type(
    name="account.two_factor_requirement_changed",
    version=1,
    description="An administrator required (or stopped requiring) two-factor sign-in.",
    payload=TwoFactorRequirementChanged,
)
register_event_type(
    name="api_token.created",
    version=1,
    description="An administrator created an API token.",
    payload=ApiTokenFacts,
)
register_event_type(
    name="api_token.revoked",
    version=1,
    description="An administrator revoked an API token.",
    payload=ApiTokenFacts,
)
