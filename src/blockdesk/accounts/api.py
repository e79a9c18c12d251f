"""REST endpoints for the account's agents (/api/v1/agents) and teams (/api/v1/teams)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from blockdesk.accounts import admin_services
from blockdesk.accounts.models import Team
from blockdesk.api import selectors
from blockdesk.api.auth import principal
from blockdesk.api.schemas import BODY_ERRORS, ERRORS, AgentOut, PathId
from blockdesk.common.errors import NotFound

router = Router(tags=["agents"])

AGENTS_READ = "agents:read"


@router.get("/agents", response={200: list[AgentOut], **ERRORS})
def list_agents(request: HttpRequest) -> list[dict[str, Any]]:
    """Every agent and administrator of the account, deactivated ones included."""
    p = principal(request)
    p.require(AGENTS_READ)
    return [selectors.agent_out(a) for a in selectors.list_agents(principal=p)]


@router.get("/agents/{agent_id}", response={200: AgentOut, **ERRORS})
def get_agent(request: HttpRequest, agent_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(AGENTS_READ)
    return selectors.agent_out(selectors.get_agent(principal=p, agent_id=agent_id))


# --- teams and their leads -----------------------------------------------------------

TEAMS_WRITE = "teams:write"


class TeamOut(Schema):
    id: int
    name: str
    members: list[int] = Field(description="Agent ids.")
    leads: list[int] = Field(description="The members who are team leads.")


class LeadIn(Schema):
    lead: bool


def _team_out(team: Team) -> dict[str, Any]:
    rows = list(team.memberships.order_by("user_id").values_list("user_id", "is_lead"))
    return {
        "id": team.pk,
        "name": team.name,
        "members": [pk for pk, _lead in rows],
        "leads": [pk for pk, lead in rows if lead],
    }


def _team(account_id: int, team_id: int) -> Team:
    team = Team.objects.filter(account_id=account_id, pk=team_id).first()
    if team is None:
        raise NotFound()
    return team


@router.get("/teams", response={200: list[TeamOut], **ERRORS})
def list_teams(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(AGENTS_READ)
    return [_team_out(t) for t in Team.objects.filter(account_id=p.account_id).order_by("name")]


@router.put("/teams/{team_id}/members/{agent_id}/lead", response={200: TeamOut, **BODY_ERRORS})
def put_team_lead(
    request: HttpRequest, team_id: PathId, agent_id: PathId, body: LeadIn
) -> dict[str, Any]:
    """Make a member of the team a team lead, or not (422 when the agent is not a member).
    From the console's session: administrators only."""
    p = principal(request)
    p.require(TEAMS_WRITE)
    team = _team(p.account_id, team_id)
    agent = selectors.get_agent(principal=p, agent_id=agent_id)
    admin_services.do_set_team_lead(
        actor=p.user,
        team=team,
        user=agent,
        is_lead=body.lead,
        api_token_id=p.token.pk if p.token is not None else None,
    )
    return _team_out(team)
