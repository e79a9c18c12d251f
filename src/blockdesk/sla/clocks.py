"""The SLA clocks of a conversation, moved by what happens to it (event_consumers.py calls
these with each event's time, so a replay or a lagging consumer times the same).

- A clock starts when its target begins: first response and resolution when a case
  opens, next response when the customer writes after an agent's reply.
- It pauses while the case waits on the customer (pending, snoozed) and resumes when it
  opens again; paused time never counts.
- It stops when the target is reached: an agent's public reply (not the assistant's, not
  a note) for the response targets, resolving for resolution. Met means the business
  (or calendar) time used is at most the target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from blockdesk.conversations.models import Conversation
from blockdesk.sla import businesstime
from blockdesk.sla.businesstime import Schedule
from blockdesk.sla.models import SlaClock, SlaPolicy, Target
from blockdesk.sla.schedules import schedule_for

State = SlaClock.State
ACTIVE = (State.RUNNING, State.PAUSED)
WAITING_ON_CUSTOMER = (Conversation.Status.PENDING, Conversation.Status.SNOOZED)


@dataclass(frozen=True)
class Facts:
    """What the policies' conditions look at."""

    account_id: int
    inbox_id: int
    channel_kind: str
    priority: int
    tags: frozenset[str] = field(default_factory=frozenset)
    tier: str = ""
    team_id: int | None = None
    assignee_id: int | None = None
    status: str = Conversation.Status.OPEN


def matches(policy: SlaPolicy, facts: Facts, tag_names: dict[int, str]) -> bool:
    if policy.inbox_id is not None and policy.inbox_id != facts.inbox_id:
        return False
    if policy.channel_kind and policy.channel_kind != facts.channel_kind:
        return False
    if policy.priority is not None and policy.priority != facts.priority:
        return False
    if policy.tag_id is not None and tag_names.get(policy.tag_id) not in facts.tags:
        return False
    return not (policy.customer_tier and policy.customer_tier.lower() != facts.tier.lower())


def match_policy(facts: Facts) -> SlaPolicy | None:
    """The first active policy, by position, whose every condition holds."""
    policies = list(
        SlaPolicy.objects.filter(account_id=facts.account_id, active=True).select_related("tag")
    )
    names = {p.tag_id: p.tag.name for p in policies if p.tag_id is not None and p.tag}
    for policy in policies:
        if matches(policy, facts, names):
            return policy
    return None


def clock_schedule(policy: SlaPolicy, facts: Facts) -> Schedule | None:
    if not policy.business_hours:
        return None
    return schedule_for(account_id=facts.account_id, team_id=facts.team_id)


def _seconds(value: dt.timedelta) -> float:
    return value.total_seconds()


def _plan(clock: SlaClock, schedule: Schedule | None, warn_percent: int) -> None:
    """Deadline and warning time of a running clock from its running start."""
    assert clock.running_since is not None
    left = dt.timedelta(seconds=clock.budget_seconds - clock.consumed_seconds)
    clock.due_at = businesstime.deadline(schedule, clock.running_since, left)
    clock.warn_at = None
    if clock.warned_at is None and clock.breached_at is None:
        warn_budget = clock.budget_seconds * warn_percent / 100
        if clock.consumed_seconds < warn_budget:
            warn_left = dt.timedelta(seconds=warn_budget - clock.consumed_seconds)
            clock.warn_at = businesstime.deadline(schedule, clock.running_since, warn_left)


def _checkpoint(clock: SlaClock, schedule: Schedule | None, at: dt.datetime) -> None:
    """Fold the running segment up to `at` into `consumed_seconds`."""
    if (
        clock.state == State.RUNNING
        and clock.running_since is not None
        and at > clock.running_since
    ):
        clock.consumed_seconds += _seconds(businesstime.elapsed(schedule, clock.running_since, at))
        clock.running_since = at


def start_clock(
    *,
    conversation_id: int,
    policy: SlaPolicy,
    target: str,
    facts: Facts,
    at: dt.datetime,
    event_id: int,
) -> SlaClock | None:
    minutes = policy.minutes_for(target)
    if minutes is None:
        return None
    if SlaClock.objects.filter(
        conversation_id=conversation_id, target=target, state__in=ACTIVE
    ).exists():
        return None
    schedule = clock_schedule(policy, facts)
    paused = facts.status in WAITING_ON_CUSTOMER
    clock = SlaClock(
        account_id=facts.account_id,
        conversation_id=conversation_id,
        policy=policy,
        target=target,
        state=State.PAUSED if paused else State.RUNNING,
        business=schedule is not None,
        budget_seconds=minutes * 60,
        started_at=at,
        running_since=None if paused else at,
        channel_kind=facts.channel_kind,
        last_event_id=event_id,
    )
    if not paused:
        _plan(clock, schedule, policy.warn_percent)
    clock.save()
    return clock


def active_clocks(conversation_id: int) -> list[SlaClock]:
    return list(
        SlaClock.objects.select_for_update()
        .filter(conversation_id=conversation_id, state__in=ACTIVE)
        .select_related("policy")
        .order_by("id")
    )


def stop_clocks(
    clocks: Iterable[SlaClock], *, facts: Facts, at: dt.datetime, agent_id: int | None
) -> list[SlaClock]:
    stopped = []
    for clock in clocks:
        schedule = clock_schedule(clock.policy, facts)
        _checkpoint(clock, schedule, at)
        clock.state = State.DONE
        clock.stopped_at = at
        clock.met = clock.breached_at is None and clock.consumed_seconds <= clock.budget_seconds
        clock.running_since = None
        clock.warn_at = None
        clock.team_id = facts.team_id
        clock.agent_id = agent_id if agent_id is not None else facts.assignee_id
        clock.channel_kind = facts.channel_kind
        clock.save()
        stopped.append(clock)
    return stopped


def cancel_clocks(clocks: Iterable[SlaClock], *, at: dt.datetime) -> None:
    for clock in clocks:
        clock.state = State.CANCELLED
        clock.stopped_at = at
        clock.running_since = None
        clock.due_at = clock.warn_at = None
        clock.save()


def pause_clocks(clocks: Iterable[SlaClock], *, facts: Facts, at: dt.datetime) -> None:
    for clock in clocks:
        if clock.state != State.RUNNING:
            continue
        _checkpoint(clock, clock_schedule(clock.policy, facts), at)
        clock.state = State.PAUSED
        clock.running_since = None
        clock.due_at = clock.warn_at = None
        clock.save()


def resume_or_replan(
    clocks: Iterable[SlaClock], *, facts: Facts, at: dt.datetime, policy: SlaPolicy | None = None
) -> None:
    """Resume paused clocks and re-plan running ones from `at`: after a pause, or when the
    team (and so the business hours) or the matching policy changed."""
    for clock in clocks:
        if policy is not None and policy.pk != clock.policy_id:
            minutes = policy.minutes_for(clock.target)
            if minutes is None:
                cancel_clocks([clock], at=at)
                continue
            # Time already used is kept, measured by the old policy's rules.
            _checkpoint(clock, clock_schedule(clock.policy, facts), at)
            clock.policy = policy
            clock.budget_seconds = minutes * 60
        schedule = clock_schedule(clock.policy, facts)
        if clock.state == State.RUNNING:
            _checkpoint(clock, schedule, at)
        elif facts.status in WAITING_ON_CUSTOMER:
            clock.save()
            continue
        clock.state = State.RUNNING
        clock.running_since = at
        clock.business = schedule is not None
        _plan(clock, schedule, clock.policy.warn_percent)
        clock.save()


def time_left(clock: SlaClock, now: dt.datetime) -> dt.timedelta | None:
    """Until the deadline, in real time (what an agent plans with); None when paused or
    when no deadline exists (business hours that never open)."""
    if clock.state != State.RUNNING or clock.due_at is None:
        return None
    return clock.due_at - now


TARGETS_AT_OPEN = (Target.FIRST_RESPONSE, Target.RESOLUTION)
