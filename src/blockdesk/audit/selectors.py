"""The audit log: an administrator's read of their account's event log, filtered, newest
first, one keyset page at a time, with actors resolved to names in a fixed number of
queries (one per kind of thing named, whatever the page size)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.accounts.models import ApiToken, User
from blockdesk.accounts.services import check_admin
from blockdesk.audit.details import summarise
from blockdesk.audit.labels import event_label
from blockdesk.conversations.models import Contact
from blockdesk.conversations.selectors import visible_conversations
from blockdesk.events.models import ActorKind, Event
from blockdesk.events.registry import is_security_relevant
from blockdesk.events.selectors import security_relevant_q

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    actor_kind: str | None = None
    actor_id: int | None = None
    name: str | None = None
    security_only: bool = False
    subject_type: str | None = None
    subject_id: int | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: dt.datetime
    name: str
    label: str
    security: bool
    actor_kind: str
    actor_id: int | None
    actor_name: str
    subject_type: str
    subject_id: int | None
    subject_label: str
    # The console's number of the conversation this event is about, when the reader can
    # open it (a conversation event, or a message's conversation); None otherwise.
    conversation_number: int | None
    detail: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    next_before: int | None  # the keyset cursor of the following (older) page


def audit_events(*, user: User, audit_filter: AuditFilter) -> QuerySet[Event]:
    """The account's events matching the filter, newest first. Administrators only."""
    check_admin(actor=user)
    f = audit_filter
    qs = Event.objects.filter(account_id=user.account_pk)
    if f.actor_kind:
        qs = qs.filter(actor_kind=f.actor_kind)
    if f.actor_id is not None:
        qs = qs.filter(actor_id=f.actor_id)
    if f.name:
        qs = qs.filter(name=f.name)
    if f.security_only:
        qs = qs.filter(security_relevant_q())
    if f.subject_type:
        qs = qs.filter(subject_type=f.subject_type)
    if f.subject_id is not None:
        qs = qs.filter(subject_id=f.subject_id)
    if f.since is not None:
        qs = qs.filter(occurred_at__gte=f.since)
    if f.until is not None:
        qs = qs.filter(occurred_at__lt=f.until)
    return qs.order_by("-id")


def audit_page(
    *, user: User, audit_filter: AuditFilter, before: int | None = None, size: int = PAGE_SIZE
) -> AuditPage:
    """One page, keyset-paginated by id (no OFFSET: page 1,000 costs what page 1 does)."""
    qs = audit_events(user=user, audit_filter=audit_filter)
    if before is not None:
        qs = qs.filter(id__lt=before)
    events = list(qs[: size + 1])
    more = len(events) > size
    events = events[:size]
    rows = resolve_rows(user=user, events=events)
    return AuditPage(rows=rows, next_before=events[-1].pk if more and events else None)


# --- names ----------------------------------------------------------------------------

SUBJECT_LABELS: dict[str, Promise] = {
    "conversation": gettext_lazy("Conversation"),
    "message": gettext_lazy("Message"),
    "contact": gettext_lazy("Customer"),
    "account": gettext_lazy("Account"),
    "agent": gettext_lazy("Agent"),
    "api_token": gettext_lazy("API token"),
    "webhook": gettext_lazy("Webhook"),
    "chain": gettext_lazy("Blockchain network"),
    "official_channel": gettext_lazy("Official channel"),
    "article": gettext_lazy("Article"),
}


def subject_type_label(subject_type: str) -> str:
    return str(SUBJECT_LABELS.get(subject_type, subject_type))


@dataclass
class _Names:
    agents: dict[int, str] = field(default_factory=dict)
    contacts: dict[int, str] = field(default_factory=dict)
    tokens: dict[int, str] = field(default_factory=dict)
    conversations: dict[int, int] = field(default_factory=dict)  # pk -> number


def _ints(values: Iterable[object]) -> set[int]:
    return {v for v in values if isinstance(v, int) and not isinstance(v, bool)}


def _load_names(*, user: User, events: Sequence[Event]) -> _Names:
    """At most four queries, each scoped to the reader's account."""
    account_id = user.account_pk
    by_kind: dict[str, set[int]] = {}
    for e in events:
        if e.actor_id is not None:
            by_kind.setdefault(e.actor_kind, set()).add(e.actor_id)
    agent_ids = by_kind.get(ActorKind.AGENT, set())
    conversation_ids: set[int] = set()
    for e in events:
        payload = e.payload if isinstance(e.payload, dict) else {}
        if e.name == "conversation.assigned":
            agent_ids |= _ints([payload.get("old_assignee_id"), payload.get("new_assignee_id")])
        if e.subject_type == "conversation" and e.subject_id is not None:
            conversation_ids.add(e.subject_id)
        elif e.subject_type == "message":
            conversation_ids |= _ints([payload.get("conversation_id")])
    names = _Names()
    if agent_ids:
        for pk, username, display_name, first, last in User.objects.filter(
            account_id=account_id, pk__in=agent_ids
        ).values_list("pk", "username", "display_name", "first_name", "last_name"):
            names.agents[pk] = display_name or f"{first} {last}".strip() or username
    if contact_ids := by_kind.get(ActorKind.CONTACT):
        for pk, name, email in Contact.objects.filter(
            account_id=account_id, pk__in=contact_ids
        ).values_list("pk", "name", "email"):
            names.contacts[pk] = name or email or _("Visitor #%(id)s") % {"id": pk}
    if token_ids := by_kind.get(ActorKind.API_TOKEN):
        for pk, name, prefix in ApiToken.objects.filter(
            account_id=account_id, pk__in=token_ids
        ).values_list("pk", "name", "prefix"):
            names.tokens[pk] = f"{name} ({prefix}…)"
    if conversation_ids:
        names.conversations = dict(
            visible_conversations(user=user)
            .filter(pk__in=conversation_ids)
            .values_list("pk", "display_id")
        )
    return names


def _actor_name(event: Event, names: _Names) -> str:
    kind, pk = event.actor_kind, event.actor_id
    if kind == ActorKind.ASSISTANT:
        return _("Assistant")
    if kind == ActorKind.SYSTEM:
        return _("System")
    found = {
        ActorKind.AGENT.value: names.agents,
        ActorKind.CONTACT.value: names.contacts,
        ActorKind.API_TOKEN.value: names.tokens,
    }.get(kind, {})
    if pk is not None and pk in found:
        return found[pk]
    # Gone (a deleted contact or token) or never known: say what it was.
    label = str(ActorKind(kind).label) if kind in ActorKind.values else kind
    return f"{label} #{pk}" if pk is not None else label


def resolve_rows(*, user: User, events: Sequence[Event]) -> list[AuditRow]:
    names = _load_names(user=user, events=events)
    rows = []
    for e in events:
        payload = e.payload if isinstance(e.payload, dict) else {}
        conversation_pk = (
            e.subject_id if e.subject_type == "conversation" else payload.get("conversation_id")
        )
        number = names.conversations.get(conversation_pk) if conversation_pk else None
        rows.append(
            AuditRow(
                id=e.pk,
                occurred_at=e.occurred_at,
                name=e.name,
                label=event_label(e.name),
                security=is_security_relevant(e.name),
                actor_kind=e.actor_kind,
                actor_id=e.actor_id,
                actor_name=_actor_name(e, names),
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                subject_label=subject_type_label(e.subject_type),
                conversation_number=number,
                detail=summarise(e.name, payload, agents=names.agents),
            )
        )
    return rows
