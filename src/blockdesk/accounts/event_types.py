"""Security-relevant settings changes, for auditors and security tooling (webhooks): the
two-factor rule, API tokens, and who works in the account (agents, their roles)."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext_lazy
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


class AgentFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: int
    username: str
    display_name: str
    role: Literal["admin", "agent"]
    active: bool


class AgentAdded(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agent: AgentFacts


class AgentRoleChanged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agent: AgentFacts
    old: Literal["admin", "agent"]
    new: Literal["admin", "agent"]


class AgentTeamLeadChanged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agent: AgentFacts
    team_id: int
    team: str
    lead: bool = Field(description="True: now a lead of the team; False: no longer.")


class AgentActiveChanged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agent: AgentFacts


register_event_type(
    name="agent.added",
    version=1,
    description="An agent (or administrator) was added to the account.",
    payload=AgentAdded,
)
register_event_type(
    name="agent.role_changed",
    version=1,
    description="An agent became an administrator, or an administrator an agent.",
    payload=AgentRoleChanged,
)
register_event_type(
    name="agent.team_lead_changed",
    version=1,
    description="An agent became a lead of a team, or stopped being one (leads see their "
    "team's per-agent reports and hear about its escalations).",
    payload=AgentTeamLeadChanged,
    label=gettext_lazy("Team lead changed"),
    public=False,
)
register_event_type(
    name="agent.deactivated",
    version=1,
    description="An agent was deactivated: they can no longer sign in (agents are never "
    "deleted: their replies stay attributed).",
    payload=AgentActiveChanged,
)
register_event_type(
    name="agent.reactivated",
    version=1,
    description="A deactivated agent was allowed to sign in again.",
    payload=AgentActiveChanged,
)
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
