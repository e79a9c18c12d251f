"""What each event does to a conversation's SLA clocks (the `sla.clocks` consumer).

The event's own time (`occurred_at`) is the instant used, and the conversation facts it
carries (status, priority, tags, team) where it has them: a replay times the same."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from blockdesk.conversations.models import Conversation, Message
from blockdesk.conversations.serializers import PRIORITY_BY_NAME
from blockdesk.events.models import Event
from blockdesk.sla import clocks
from blockdesk.sla.clocks import Facts
from blockdesk.sla.models import SlaClock, Target

EVENT_NAMES = [
    "conversation.created",
    "conversation.status_changed",
    "conversation.priority_changed",
    "conversation.tags_changed",
    "conversation.team_changed",
    "conversation.assigned",
    "message.created",
]
HUMAN = Message.SenderType.AGENT


def _tier(conversation: Conversation) -> str:
    attributes: Any = conversation.contact.attributes or {}
    value = attributes.get("tier") if isinstance(attributes, dict) else None
    return str(value) if value is not None else ""


def facts_of(conversation: Conversation, data: dict[str, Any] | None = None) -> Facts:
    """From the event's conversation facts when given, else from the row."""
    if data is not None:
        return Facts(
            account_id=conversation.account_id,
            inbox_id=int(data["inbox_id"]),
            channel_kind=conversation.inbox.channel_kind,
            priority=PRIORITY_BY_NAME.get(str(data.get("priority")), conversation.priority),
            tags=frozenset(str(t) for t in data.get("tags") or []),
            tier=_tier(conversation),
            team_id=data.get("team_id"),
            assignee_id=data.get("assignee_id"),
            status=str(data.get("status") or conversation.status),
        )
    return Facts(
        account_id=conversation.account_id,
        inbox_id=conversation.inbox_id,
        channel_kind=conversation.inbox.channel_kind,
        priority=conversation.priority,
        tags=frozenset(t.name for t in conversation.tags.all()),
        tier=_tier(conversation),
        team_id=conversation.team_id,
        assignee_id=conversation.assignee_id,
        status=conversation.status,
    )


def _start(conversation_id: int, facts: Facts, at: dt.datetime, event_id: int) -> None:
    policy = clocks.match_policy(facts)
    if policy is None:
        return
    for target in clocks.TARGETS_AT_OPEN:
        clocks.start_clock(
            conversation_id=conversation_id,
            policy=policy,
            target=target,
            facts=facts,
            at=at,
            event_id=event_id,
        )


def _conversation(conversation_id: int) -> Conversation | None:
    return (
        Conversation.objects.filter(pk=conversation_id).select_related("inbox", "contact").first()
    )


def _on_message(conversation_id: int, payload: dict[str, Any], event: Event) -> None:
    """Reads the conversation only when a clock moves (most messages move none)."""
    at = event.occurred_at
    sender = payload.get("sender") or {}
    kind = sender.get("kind")
    if kind not in (HUMAN, Message.SenderType.CONTACT) or (
        kind == HUMAN and payload.get("private")
    ):
        return  # the assistant, a system line, an agent's note: no clock moves
    active = clocks.active_clocks(conversation_id)
    if kind == HUMAN:
        responded = [c for c in active if c.target in (Target.FIRST_RESPONSE, Target.NEXT_RESPONSE)]
        conversation = _conversation(conversation_id) if responded else None
        if conversation is not None:
            clocks.stop_clocks(
                responded, facts=facts_of(conversation), at=at, agent_id=sender.get("id")
            )
        return
    # A response clock already runs (the first response runs until an agent answers, so
    # no next response is owed before it stops): most customer messages end here.
    if any(c.target in (Target.FIRST_RESPONSE, Target.NEXT_RESPONSE) for c in active):
        return
    # Next response: only once an agent has answered (before that, first response runs).
    answered = Message.objects.filter(
        conversation_id=conversation_id,
        sender_type=HUMAN,
        is_private=False,
        id__lt=int(payload["id"]),
    ).exists()
    conversation = _conversation(conversation_id) if answered else None
    if conversation is None:
        return
    facts = facts_of(conversation)
    policy = active[0].policy if active else clocks.match_policy(facts)
    if policy is None:
        return
    # The customer's message reopens a pending case: the status event that follows
    # resumes the clock, so it starts running here.
    running = Facts(**{**facts.__dict__, "status": Conversation.Status.OPEN})
    clocks.start_clock(
        conversation_id=conversation.pk,
        policy=policy,
        target=Target.NEXT_RESPONSE,
        facts=running,
        at=at,
        event_id=event.pk,
    )


def _on_status(conversation: Conversation, payload: dict[str, Any], event: Event) -> None:
    at = event.occurred_at
    facts = facts_of(conversation, payload["conversation"])
    active = clocks.active_clocks(conversation.pk)
    new = payload.get("new")
    if new in clocks.WAITING_ON_CUSTOMER:
        clocks.pause_clocks(active, facts=facts, at=at)
    elif new == Conversation.Status.RESOLVED:
        resolution = [c for c in active if c.target == Target.RESOLUTION]
        clocks.stop_clocks(resolution, facts=facts, at=at, agent_id=facts.assignee_id)
        # A case resolved without an agent's reply has no response to time, unless the
        # response was already overdue: that one counts as missed.
        others = [c for c in active if c.target != Target.RESOLUTION]
        clocks.stop_clocks(
            [c for c in others if c.breached_at is not None],
            facts=facts,
            at=at,
            agent_id=facts.assignee_id,
        )
        clocks.cancel_clocks([c for c in others if c.breached_at is None], at=at)
    elif new == Conversation.Status.OPEN:
        if not active and payload.get("old") == Conversation.Status.RESOLVED:
            # Reopened: the resolution target starts again (the response ones start
            # with the customer's next message).
            policy = clocks.match_policy(facts)
            if policy is not None:
                clocks.start_clock(
                    conversation_id=conversation.pk,
                    policy=policy,
                    target=Target.RESOLUTION,
                    facts=facts,
                    at=at,
                    event_id=event.pk,
                )
            return
        clocks.resume_or_replan(active, facts=facts, at=at)


def _on_change(conversation: Conversation, payload: dict[str, Any], event: Event) -> None:
    """Priority, tags, team or assignee changed: the policy (conditions) or the business
    hours (the team's) may differ now."""
    at = event.occurred_at
    facts = facts_of(conversation, payload["conversation"])
    if facts.status == Conversation.Status.RESOLVED:
        return
    active = clocks.active_clocks(conversation.pk)
    policy = clocks.match_policy(facts)
    if not active:
        if (
            policy is not None
            and not SlaClock.objects.filter(conversation_id=conversation.pk).exists()
        ):
            _start(conversation.pk, facts, at, event.pk)
        return
    if policy is None:
        clocks.cancel_clocks(active, at=at)
        return
    if event.name == "conversation.assigned" and policy.pk == active[0].policy_id:
        return  # nothing a clock depends on changed
    clocks.resume_or_replan(active, facts=facts, at=at, policy=policy)


def do_handle_event(event: Event) -> None:
    payload: dict[str, Any] = event.payload or {}
    if not payload:
        return  # redacted (erased customer)
    if event.name == "message.created":
        conversation_id = payload.get("conversation_id")
    else:
        conversation_id = (payload.get("conversation") or {}).get("id")
    if not isinstance(conversation_id, int):
        return
    # No savepoint of its own: the dispatcher already isolates each event.
    with transaction.atomic(savepoint=False):
        if event.name == "message.created":
            _on_message(conversation_id, payload, event)
            return
        conversation = _conversation(conversation_id)
        if conversation is None:
            return
        if event.name == "conversation.created":
            facts = facts_of(conversation, payload["conversation"])
            if facts.status != Conversation.Status.RESOLVED:
                _start(conversation.pk, facts, event.occurred_at, event.pk)
        elif event.name == "conversation.status_changed":
            _on_status(conversation, payload, event)
        else:
            _on_change(conversation, payload, event)


def do_forget_clocks(from_event_id: int | None) -> None:
    """`events replay`: clocks are rebuilt from the log (from the start only; a partial
    replay keeps them, since a clock depends on every event before it)."""
    if from_event_id is None:
        SlaClock.objects.all().delete()
