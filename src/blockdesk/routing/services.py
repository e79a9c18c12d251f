"""Routing's writes: assign or queue a case, reassign a silent one, drain the queues, and
the settings (inbox modes, agents' capacity and skills). Every assignment goes through
the conversations' own `do_assign`, so the change, its timeline line and its event are
the owner's; routing adds its reason on the timeline and a `routing.assigned` event."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from blockdesk.accounts.models import User
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.routing import engine, facts, queue
from blockdesk.routing.models import InboxRouting, RoutedCase

ASSIGNED_KIND = "routing_assigned"
REASSIGNED_KIND = "routing_reassigned"
QUEUED_KIND = "routing_queued"
ASSIGNED, QUEUED, SKIPPED = "assigned", "queued", "skipped"
DRAIN_BATCH = 20
SILENT_BATCH = 50


def case_for(conversation: Conversation) -> RoutedCase:
    case, _created = RoutedCase.objects.get_or_create(
        conversation_id=conversation.pk,
        defaults={
            "account_id": conversation.account_id,
            "inbox_id": conversation.inbox_id,
            "priority": conversation.priority,
        },
    )
    return case


def _wants_routing(
    conversation: Conversation, case: RoutedCase, config: InboxRouting | None
) -> bool:
    return (
        config is not None
        and config.mode != InboxRouting.Mode.OFF
        and conversation.status == Conversation.Status.OPEN
        and conversation.assignee_id is None
        and not case.manual
    )


def _reason(
    choice: engine.Choice, *, silent: User | None = None, minutes: int = 0
) -> dict[str, object]:
    c = choice.candidate
    data: dict[str, object] = {
        "mode": choice.mode,
        "agent_id": c.row.pk,
        "agent_name": c.row.user.public_name,
        "load": c.load,
        "capacity": c.capacity,
        "skills": c.skills,
    }
    if silent is not None:
        data.update(silent_id=silent.pk, silent_name=silent.public_name, silent_minutes=minutes)
    return data


def _give(
    *,
    conversation: Conversation,
    case: RoutedCase,
    config: InboxRouting,
    choice: engine.Choice,
    now: dt.datetime,
    silent: User | None = None,
    minutes: int = 0,
) -> None:
    """Assigns through the owner's service and records why (inside the caller's atomic)."""
    row = choice.candidate.row
    conversation_services.do_assign(
        actor=None, conversation=conversation, assignee=row.user, event_extra={"via": "routing"}
    )
    queued_seconds = int((now - case.queued_at).total_seconds()) if case.queued_at else None
    case.routed_to_id = row.pk
    case.queued_at = None
    case.awaiting_since = now
    if silent is not None and silent.pk not in case.excluded:
        case.excluded = [*case.excluded, silent.pk]
    case.save(update_fields=["routed_to", "queued_at", "awaiting_since", "excluded"])
    row.last_assigned_at = now
    row.save(update_fields=["last_assigned_at"])
    config.last_agent_id = row.pk
    config.save(update_fields=["last_agent"])
    conversation_services.do_record_event(
        conversation=conversation,
        kind=REASSIGNED_KIND if silent is not None else ASSIGNED_KIND,
        data=_reason(choice, silent=silent, minutes=minutes),
    )
    emit(
        account_id=conversation.account_id,
        name="routing.assigned",
        payload={
            "conversation_id": conversation.pk,
            "inbox_id": conversation.inbox_id,
            "agent_id": row.pk,
            "mode": choice.mode,
            "load": choice.candidate.load,
            "capacity": choice.candidate.capacity,
            "skills": choice.candidate.skills,
            "reassigned_from": silent.pk if silent is not None else None,
            "queued_seconds": queued_seconds,
        },
        actor=Actor.system(),
        subject=Subject("conversation", conversation.pk),
    )


def _choose(
    conversation: Conversation, case: RoutedCase, config: InboxRouting, exclude: set[int]
) -> engine.Choice | None:
    rows = engine.member_rows(inbox_id=conversation.inbox_id, account_id=conversation.account_id)
    if not rows:
        return None
    chains = facts.add_items(case.chains, facts.diagnosed_chains(conversation.pk))
    pool = engine.candidates(
        rows=rows,
        case=case,
        chains=chains,
        channel_kind=conversation.inbox.channel_kind,
        exclude=exclude,
    )
    return engine.choose(config=config, pool=pool)


def do_route(*, conversation_id: int, now: dt.datetime | None = None) -> str:
    """Assigns an open, unassigned case of a routed inbox, or queues it when everyone is
    full; takes it out of the queue when it no longer waits. Idempotent."""
    conversation = Conversation.objects.select_related("inbox").filter(pk=conversation_id).first()
    if conversation is None:
        return SKIPPED
    return do_route_case(conversation=conversation, case=case_for(conversation), now=now)


def do_route_case(
    *, conversation: Conversation, case: RoutedCase, now: dt.datetime | None = None
) -> str:
    """`do_route` for a case its caller has just read, in its transaction.
    No savepoint of its own: a failure fails the caller's unit (an event, a drain)."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        waits = conversation.status == Conversation.Status.OPEN and conversation.assignee_id is None
        if not waits and case.queued_at is None:
            return SKIPPED  # the common path (a message on a handled case): no lock taken
        config = (
            InboxRouting.objects.select_for_update().filter(inbox_id=conversation.inbox_id).first()
        )
        if not _wants_routing(conversation, case, config):
            if case.queued_at is not None:
                case.queued_at = None
                case.save(update_fields=["queued_at"])
            return SKIPPED
        assert config is not None
        choice = _choose(conversation, case, config, set(case.excluded))
        if choice is None:
            if case.queued_at is None:
                case.queued_at = now
                case.save(update_fields=["queued_at"])
                position = queue.position_of(case)
                conversation_services.do_record_event(
                    conversation=conversation, kind=QUEUED_KIND, data={"position": position}
                )
                emit(
                    account_id=conversation.account_id,
                    name="routing.queued",
                    payload={
                        "conversation_id": conversation.pk,
                        "inbox_id": conversation.inbox_id,
                        "position": position,
                    },
                    actor=Actor.system(),
                    subject=Subject("conversation", conversation.pk),
                )
            return QUEUED
        _give(conversation=conversation, case=case, config=config, choice=choice, now=now)
        return ASSIGNED


def do_drain_inbox(*, inbox_id: int, now: dt.datetime | None = None) -> int:
    """Offers freed slots to the queue, in order. A case that still finds nobody (its
    language, say) does not block the ones behind it."""
    assigned = 0
    for conversation_id in queue.queued_ids(inbox_id=inbox_id, limit=DRAIN_BATCH):
        if do_route(conversation_id=conversation_id, now=now) == ASSIGNED:
            assigned += 1
    return assigned


def do_drain_for_agent(*, user_id: int, now: dt.datetime | None = None) -> int:
    """An agent has room (a case closed, they came online): the queues they serve move."""
    inbox_ids = (
        InboxRouting.objects.exclude(mode=InboxRouting.Mode.OFF)
        .filter(inbox__members=user_id)
        .values_list("inbox_id", flat=True)
    )
    return sum(do_drain_inbox(inbox_id=i, now=now) for i in list(inbox_ids))


def do_drain_queues(*, now: dt.datetime | None = None) -> int:
    inbox_ids = (
        RoutedCase.objects.filter(queued_at__isnull=False)
        .values_list("inbox_id", flat=True)
        .distinct()
    )
    return sum(do_drain_inbox(inbox_id=i, now=now) for i in list(inbox_ids))


def do_reassign(*, conversation_id: int, now: dt.datetime) -> bool:
    """Takes a case from its automatically chosen assignee who stayed silent past the
    inbox's limit and gives it to someone else. A human's assignment is never touched."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_related("inbox", "assignee")
            .filter(pk=conversation_id)
            .first()
        )
        config = (
            InboxRouting.objects.select_for_update().filter(inbox_id=conversation.inbox_id).first()
            if conversation is not None
            else None
        )
        case = RoutedCase.objects.select_for_update().filter(pk=conversation_id).first()
        if conversation is None or config is None or case is None:
            return False
        silent = conversation.assignee
        due = now - dt.timedelta(minutes=config.silence_minutes)
        if (
            config.mode == InboxRouting.Mode.OFF
            or not config.silence_minutes
            or case.manual
            or silent is None
            or silent.pk != case.routed_to_id
            or conversation.status != Conversation.Status.OPEN
            or case.awaiting_since is None
            or case.awaiting_since > due
        ):
            return False
        minutes = int((now - case.awaiting_since).total_seconds() // 60)
        choice = _choose(conversation, case, config, {*case.excluded, silent.pk})
        if choice is None:
            return False  # nobody else free: it stays, and is tried again next pass
        _give(
            conversation=conversation,
            case=case,
            config=config,
            choice=choice,
            now=now,
            silent=silent,
            minutes=minutes,
        )
        return True


def do_reassign_silent(*, now: dt.datetime | None = None) -> int:
    """The periodic job: every case whose routed assignee owes a reply past the limit."""
    now = now or timezone.now()
    moved = 0
    for config in InboxRouting.objects.exclude(mode=InboxRouting.Mode.OFF).filter(
        silence_minutes__gt=0
    ):
        due = now - dt.timedelta(minutes=config.silence_minutes)
        ids = RoutedCase.objects.filter(
            inbox_id=config.inbox_id, manual=False, awaiting_since__lte=due
        ).values_list("pk", flat=True)[:SILENT_BATCH]
        for conversation_id in list(ids):
            moved += do_reassign(conversation_id=conversation_id, now=now)
    return moved
