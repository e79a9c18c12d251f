"""REST: routing per inbox, agents' capacity, skills and presence, and a conversation's
place in the queue. Routing has scopes of its own: reads need `routing:read`, writes
`routing:write` (they were `agents:read` / `inboxes:read` / `conversations:write` before:
docs/routing.md, "Scopes"); a conversation's place in the queue is `conversations:read`."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from blockdesk.accounts.models import ApiToken
from blockdesk.api import selectors as api_selectors
from blockdesk.api.auth import principal
from blockdesk.api.schemas import BODY_ERRORS, ERRORS, PathId
from blockdesk.routing import admin_services, queue, selectors
from blockdesk.routing.models import AgentRouting, InboxRouting, RoutedCase
from blockdesk.routing.presence import do_set_presence

router = Router(tags=["routing"])
Scope = ApiToken.Scope


class InboxRoutingIn(Schema):
    mode: Literal["off", "round_robin", "balanced"]
    silence_minutes: int = Field(0, ge=0, le=7 * 24 * 60, description="0: never reassign.")
    handle_minutes: int = Field(10, ge=1, le=24 * 60)
    show_queue_in_widget: bool = True


class InboxRoutingOut(InboxRoutingIn):
    inbox_id: int
    queued: int = Field(description="Cases waiting in this inbox's queue now.")


class AgentRoutingIn(Schema):
    capacity: int = Field(ge=0, le=200)
    channel_capacity: dict[str, int] = Field(default_factory=dict)
    languages: list[str] = Field(default_factory=list, max_length=30)
    chains: list[str] = Field(default_factory=list, max_length=30)
    topics: list[str] = Field(default_factory=list, max_length=30)


class AgentRoutingOut(AgentRoutingIn):
    agent_id: int
    presence: Literal["online", "away", "offline"]
    open_cases: int


class PresenceIn(Schema):
    presence: Literal["online", "away", "offline"]


class QueueOut(Schema):
    conversation_id: int
    queued: bool
    position: int | None = None
    wait_minutes: int | None = Field(None, description="None: nobody who could take it is online.")


def _inbox_out(config: InboxRouting) -> dict[str, Any]:
    return {
        "inbox_id": config.inbox_id,
        "mode": config.mode,
        "silence_minutes": config.silence_minutes,
        "handle_minutes": config.handle_minutes,
        "show_queue_in_widget": config.show_queue_in_widget,
        "queued": RoutedCase.objects.filter(
            inbox_id=config.inbox_id, queued_at__isnull=False
        ).count(),
    }


def _agent_out(line: selectors.AgentLine) -> dict[str, Any]:
    row = line.row
    return {
        "agent_id": line.user.pk,
        "presence": row.presence,
        "open_cases": line.load,
        "capacity": row.capacity,
        "channel_capacity": row.channel_capacity or {},
        "languages": row.languages,
        "chains": row.chains,
        "topics": row.topics,
    }


@router.get("/routing/inboxes/{inbox_id}", response={200: InboxRoutingOut, **ERRORS})
def get_inbox_routing(request: HttpRequest, inbox_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(Scope.ROUTING_READ.value)
    inbox = selectors.get_inbox(account_id=p.account_id, inbox_id=inbox_id)
    return _inbox_out(admin_services.config_for(inbox))


@router.put("/routing/inboxes/{inbox_id}", response={200: InboxRoutingOut, **BODY_ERRORS})
def put_inbox_routing(
    request: HttpRequest, inbox_id: PathId, body: InboxRoutingIn
) -> dict[str, Any]:
    p = principal(request)
    p.require(Scope.ROUTING_WRITE.value)
    inbox = selectors.get_inbox(account_id=p.account_id, inbox_id=inbox_id)
    config = admin_services.do_update_inbox_routing(actor=p.user, inbox=inbox, **body.dict())
    return _inbox_out(config)


@router.get("/routing/agents", response={200: list[AgentRoutingOut], **ERRORS})
def list_agents(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(Scope.ROUTING_READ.value)
    return [_agent_out(line) for line in selectors.agent_lines(account_id=p.account_id)]


def _line(account_id: int, agent_id: int) -> dict[str, Any]:
    for line in selectors.agent_lines(account_id=account_id):
        if line.user.pk == agent_id:
            return _agent_out(line)
    raise AssertionError("the agent was just found")


@router.put("/routing/agents/{agent_id}", response={200: AgentRoutingOut, **BODY_ERRORS})
def put_agent(request: HttpRequest, agent_id: PathId, body: AgentRoutingIn) -> dict[str, Any]:
    p = principal(request)
    p.require(Scope.ROUTING_WRITE.value)
    agent = selectors.get_agent(account_id=p.account_id, user_id=agent_id)
    admin_services.do_update_agent_routing(actor=p.user, agent=agent, **body.dict())
    return _line(p.account_id, agent.pk)


@router.put("/routing/agents/{agent_id}/presence", response={200: AgentRoutingOut, **BODY_ERRORS})
def put_presence(request: HttpRequest, agent_id: PathId, body: PresenceIn) -> dict[str, Any]:
    p = principal(request)
    p.require(Scope.ROUTING_WRITE.value)
    agent = selectors.get_agent(account_id=p.account_id, user_id=agent_id)
    do_set_presence(user=agent, presence=AgentRouting.Presence(body.presence), by="api")
    return _line(p.account_id, agent.pk)


@router.get("/conversations/{conversation_id}/queue", response={200: QueueOut, **ERRORS})
def get_queue(request: HttpRequest, conversation_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(Scope.CONVERSATIONS_READ.value)
    conversation = api_selectors.get_conversation(principal=p, conversation_id=conversation_id)
    case = RoutedCase.objects.filter(pk=conversation.pk).first()
    config = InboxRouting.objects.filter(inbox_id=conversation.inbox_id).first()
    place = queue.place_of(case, config) if case is not None and config is not None else None
    return {
        "conversation_id": conversation.pk,
        "queued": place is not None,
        "position": place.position if place else None,
        "wait_minutes": place.wait_minutes if place else None,
    }
