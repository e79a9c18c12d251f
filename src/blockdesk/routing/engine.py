"""Choosing an agent for a case: who may take it (inbox member, online, under capacity,
speaks the language), who fits best (most matching chains and topics), then the inbox's
mode (round robin or balanced by load). Runs inside the caller's transaction with the
candidates' routing rows locked, so two workers cannot both fill an agent's last slot
(docs/routing.md, "Concurrency")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count

from blockdesk.conversations.models import Conversation
from blockdesk.routing.facts import primary_language
from blockdesk.routing.models import AgentRouting, InboxRouting, RoutedCase

OPEN = Conversation.Status.OPEN
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class Candidate:
    row: AgentRouting
    load: int = 0  # open cases assigned now, every inbox
    kind_load: int = 0  # of them, in inboxes of this case's channel kind
    skills: list[str] = field(default_factory=list)

    @property
    def capacity(self) -> int:
        return int(self.row.capacity)

    def kind_capacity(self, kind: str) -> int | None:
        raw = (self.row.channel_capacity or {}).get(kind)
        return int(raw) if isinstance(raw, int) and raw >= 0 else None

    def has_room(self, kind: str) -> bool:
        if self.load >= self.capacity:
            return False
        limit = self.kind_capacity(kind)
        return limit is None or self.kind_load < limit


@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    mode: str


def member_rows(*, inbox_id: int, account_id: int) -> list[AgentRouting]:
    """Every active member's routing row, locked in primary-key order (a fixed order, so
    two workers locking overlapping sets cannot deadlock)."""
    return list(
        AgentRouting.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(account_id=account_id, user__inboxes=inbox_id, user__is_active=True)
        .order_by("pk")
    )


def speaks(row: AgentRouting, lang: str) -> bool:
    return lang in {primary_language(str(x)) for x in row.languages or []}


def skills_matched(row: AgentRouting, case: RoutedCase, chains: list[str]) -> list[str]:
    agent_chains = {str(c).lower() for c in row.chains or []}
    agent_topics = {str(t).lower() for t in row.topics or []}
    matched = [c for c in chains if c in agent_chains]
    matched += [t for t in case.topics if t in agent_topics]
    if case.language and speaks(row, case.language):
        matched.insert(0, case.language)
    return matched


def candidates(
    *,
    rows: list[AgentRouting],
    case: RoutedCase,
    chains: list[str],
    channel_kind: str,
    exclude: set[int],
) -> list[Candidate]:
    """Who may take the case now, with their loads. A language is a hard requirement only
    when some member of the inbox speaks it: otherwise nobody could ever get the case."""
    lang = case.language
    must_speak = bool(lang) and any(speaks(r, lang) for r in rows)
    eligible = [
        r
        for r in rows
        if r.presence == AgentRouting.Presence.ONLINE
        and r.pk not in exclude
        and (not must_speak or speaks(r, lang))
    ]
    if not eligible:
        return []
    found = {r.pk: Candidate(row=r) for r in eligible}
    loads = (
        Conversation.objects.filter(assignee_id__in=list(found), status=OPEN)
        .values("assignee_id", "inbox__channel_kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in loads:
        c = found[item["assignee_id"]]
        c.load += item["n"]
        if item["inbox__channel_kind"] == channel_kind:
            c.kind_load += item["n"]
    result = []
    for c in found.values():
        if c.has_room(channel_kind):
            c.skills = skills_matched(c.row, case, chains)
            result.append(c)
    return result


def choose(*, config: InboxRouting, pool: list[Candidate]) -> Choice | None:
    """The best skill match first; among equals, the inbox's mode decides."""
    if not pool:
        return None
    best = max(len(c.skills) for c in pool)
    pool = sorted((c for c in pool if len(c.skills) == best), key=lambda c: c.row.pk)
    if config.mode == InboxRouting.Mode.ROUND_ROBIN:
        after = [
            c for c in pool if config.last_agent_id is not None and c.row.pk > config.last_agent_id
        ]
        return Choice(candidate=(after or pool)[0], mode=config.mode)
    chosen = min(
        pool,
        key=lambda c: (
            c.load / max(1, c.capacity),
            c.load,
            c.row.last_assigned_at or EPOCH,
            c.row.pk,
        ),
    )
    return Choice(candidate=chosen, mode=InboxRouting.Mode.BALANCED)
