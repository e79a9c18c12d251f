"""Reads, scoped by who asks: the account's inboxes with their routing, the agents with
presence, load and skills, one conversation's place in the queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.conversations.models import Conversation, Inbox
from blockdesk.routing.models import AgentRouting, InboxRouting


@dataclass(frozen=True)
class AgentLine:
    user: User
    row: AgentRouting
    load: int


def inbox_configs(*, account_id: int) -> list[tuple[Inbox, InboxRouting | None]]:
    inboxes = list(Inbox.objects.filter(account_id=account_id).order_by("name"))
    configs = {c.inbox_id: c for c in InboxRouting.objects.filter(account_id=account_id)}
    return [(i, configs.get(i.pk)) for i in inboxes]


def get_inbox(*, account_id: int, inbox_id: int) -> Inbox:
    inbox = Inbox.objects.filter(account_id=account_id, pk=inbox_id).first()
    if inbox is None:
        raise NotFound()
    return inbox


def get_agent(*, account_id: int, user_id: int) -> User:
    user = User.objects.filter(account_id=account_id, pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound()
    return user


def agent_lines(*, account_id: int) -> list[AgentLine]:
    users = list(User.objects.filter(account_id=account_id, is_active=True).order_by("username"))
    rows = {r.pk: r for r in AgentRouting.objects.filter(account_id=account_id)}
    loads = dict(
        Conversation.objects.filter(account_id=account_id, status=Conversation.Status.OPEN)
        .exclude(assignee=None)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        AgentLine(
            user=u,
            row=rows.get(u.pk) or AgentRouting(user=u, account_id=account_id),
            load=int(loads.get(u.pk, 0)),
        )
        for u in users
    ]


def presence_of(*, user: User) -> str:
    value = AgentRouting.objects.filter(pk=user.pk).values_list("presence", flat=True).first()
    return str(value or AgentRouting.Presence.OFFLINE)
