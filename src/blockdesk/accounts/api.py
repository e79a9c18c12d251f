"""REST endpoints for the account's agents (/api/v1/agents)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from blockdesk.api import selectors
from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS, AgentOut, PathId

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
